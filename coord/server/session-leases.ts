/**
 * The leader's session leases: a new leader first proposes extendAll (every session gets a full
 * timeout since leadership moved) and, once it applies, seeds a SessionTracker; keep-alives touch
 * that tracker in memory (no log entry per ping), and the leader alone proposes expireSessions
 * when a deadline passes. Leases run on the monotonic clock: a wall-clock step must neither
 * expire every session at once nor keep them all alive (wall time only goes into the replicated
 * stat-like fields).
 */
import type { Clock } from '../../common/clock.js';
import type { Logger } from '../../common/logger.js';
import { SessionTracker, type CommandResult, type CoordCommand, type CoordStateMachine, type SessionId } from '../tree/index.js';

export interface SessionLeaseHost {
  clock: Clock;
  logger: Logger;
  /** This member leads now (its role as last reported by the Ready loop). */
  isLeader(): boolean;
  liveSessions(): ReturnType<CoordStateMachine['liveSessions']>;
  propose(command: CoordCommand): Promise<unknown>;
}

export class SessionLeases {
  private tracker: SessionTracker | undefined;
  /** Our extendAll is proposed and not yet applied (or failed). */
  private extendAllPending = false;
  private readonly expiring = new Set<SessionId>();

  constructor(private readonly host: SessionLeaseHost) {}

  touch(sessionId: SessionId): void {
    this.tracker?.touch(sessionId, this.host.clock.monotonic());
  }

  /** Keeps the leader's lease tracker in step with the log. */
  onApplied(command: CoordCommand, result: CommandResult | undefined, endedSessions: SessionId[]): void {
    const now = this.host.clock.monotonic();
    if (result?.type === 'createSession') this.tracker?.add(result.sessionId, result.timeoutMs, now);
    if (command.type === 'extendAll' && this.host.isLeader() && !this.tracker) {
      // Our own extendAll is applied: every session has had a full timeout since leadership moved.
      // The replicated deadlines are another member's wall time: start every lease afresh here.
      this.tracker = new SessionTracker(this.host.liveSessions().map((session) => ({ ...session, deadlineMs: now + session.timeoutMs })));
      this.host.logger.info({ sessions: this.tracker.size }, 'session tracker seeded');
    }
    if (command.type === 'expireSessions') for (const id of command.sessionIds) this.expiring.delete(id);
    for (const id of endedSessions) {
      this.tracker?.remove(id);
      this.expiring.delete(id);
    }
  }

  leadershipGained(): void {
    this.proposeExtendAll();
  }

  leadershipLost(): void {
    this.tracker = undefined;
    this.extendAllPending = false;
    this.expiring.clear();
  }

  /** Leader, every tick: propose expiring the sessions whose lease ran out. */
  expire(): void {
    if (!this.tracker) {
      // Until our extendAll applies no session may expire; if its proposal was lost, try again.
      this.proposeExtendAll();
      return;
    }
    const due = this.tracker.expired(this.host.clock.monotonic(), 1_000).filter((id) => !this.expiring.has(id));
    if (due.length === 0) return;
    for (const id of due) this.expiring.add(id);
    this.host.logger.info({ sessions: due }, 'expiring sessions');
    this.host.propose({ type: 'expireSessions', sessionIds: due, nowMs: this.host.clock.now() }).catch(() => {
      for (const id of due) this.expiring.delete(id);
    });
  }

  /** A new leader's first duty: give every session a full timeout, then start tracking leases. */
  private proposeExtendAll(): void {
    if (this.extendAllPending || this.tracker) return;
    this.extendAllPending = true;
    this.host.propose({ type: 'extendAll', nowMs: this.host.clock.now() }).then(
      () => {
        this.extendAllPending = false;
      },
      (err: unknown) => {
        this.extendAllPending = false;
        this.host.logger.warn({ err: (err as Error).message }, 'extendAll proposal failed; retrying on the next tick');
      },
    );
  }
}
