/**
 * Sessions. Two views of the same leases:
 *
 * - SessionTable is replicated state: which sessions are live, their negotiated timeout and the
 *   deadline as last written through the log (createSession, touchSessions, extendAll). Ended
 *   sessions are remembered (bounded) so a late request says SESSION_EXPIRED, not UNKNOWN_SESSION.
 * - SessionTracker is the leader's private, pure helper: it is fed every keep-alive locally (no log
 *   entry per ping) and answers "which sessions are past their deadline at `nowMs`?". The server
 *   proposes expireSessions with that list; only applying it ends sessions, so every member agrees.
 *   A new leader seeds its tracker from the table after its extendAll is applied.
 */
import { assert, BasaltError, ErrorCodes } from '../../common/errors.js';
import type { SessionId, SessionInfo } from './types.js';

/** How many ended session ids the replicated state remembers (oldest forgotten first). */
export const MAX_REMEMBERED_ENDED_SESSIONS = 4096;

export type SessionStatus = 'live' | 'ended' | 'unknown';

export class SessionTable {
  private readonly live = new Map<SessionId, SessionInfo>();
  private readonly ended: SessionId[] = [];
  private readonly endedSet = new Set<SessionId>();

  get size(): number {
    return this.live.size;
  }

  get(sessionId: SessionId): SessionInfo | undefined {
    const s = this.live.get(sessionId);
    return s ? { ...s } : undefined;
  }

  status(sessionId: SessionId): SessionStatus {
    if (this.live.has(sessionId)) return 'live';
    return this.endedSet.has(sessionId) ? 'ended' : 'unknown';
  }

  /** Throws SESSION_EXPIRED (ended) or UNKNOWN_SESSION (never seen or forgotten) unless live. */
  requireLive(sessionId: SessionId, field = 'sessionId'): void {
    const status = this.status(sessionId);
    if (status === 'live') return;
    const code = status === 'ended' ? ErrorCodes.SESSION_EXPIRED : ErrorCodes.UNKNOWN_SESSION;
    throw new BasaltError(code, `${field}: session ${sessionId} is ${status === 'ended' ? 'expired' : 'unknown'}`, {
      field,
      sessionId,
    });
  }

  /** Opens (or, for a live id, refreshes) a session. */
  open(sessionId: SessionId, timeoutMs: number, nowMs: number, password?: Uint8Array): SessionInfo {
    // Re-opening a live id keeps its password: only the first createSession chooses it.
    const kept = this.live.get(sessionId)?.password ?? (password && password.byteLength > 0 ? password : undefined);
    const info: SessionInfo = { sessionId, timeoutMs, deadlineMs: nowMs + timeoutMs, ...(kept ? { password: kept } : {}) };
    this.live.set(sessionId, info);
    return { ...info };
  }

  /** Moves a live session's deadline to now + timeout (never backwards). False if not live. */
  touch(sessionId: SessionId, nowMs: number): boolean {
    const s = this.live.get(sessionId);
    if (!s) return false;
    s.deadlineMs = Math.max(s.deadlineMs, nowMs + s.timeoutMs);
    return true;
  }

  extendAll(nowMs: number): number {
    for (const s of this.live.values()) s.deadlineMs = Math.max(s.deadlineMs, nowMs + s.timeoutMs);
    return this.live.size;
  }

  /** Ends a live session (close or expiry). False when it was not live. */
  end(sessionId: SessionId): boolean {
    if (!this.live.delete(sessionId)) return false;
    this.remember(sessionId);
    return true;
  }

  /** Live sessions sorted by id (snapshot order). */
  sorted(): SessionInfo[] {
    return [...this.live.keys()].sort((a, b) => a - b).map((id) => ({ ...this.live.get(id)! }));
  }

  /** Ended ids in the order they ended (snapshot order). */
  endedIds(): SessionId[] {
    return [...this.ended];
  }

  restoreLive(info: SessionInfo): void {
    assert(!this.live.has(info.sessionId), `snapshot lists session ${info.sessionId} twice`);
    this.live.set(info.sessionId, { ...info });
  }

  restoreEnded(sessionId: SessionId): void {
    this.remember(sessionId);
  }

  private remember(sessionId: SessionId): void {
    if (this.endedSet.has(sessionId)) return;
    this.ended.push(sessionId);
    this.endedSet.add(sessionId);
    while (this.ended.length > MAX_REMEMBERED_ENDED_SESSIONS) {
      this.endedSet.delete(this.ended.shift()!);
    }
  }
}

/**
 * The leader's lease bookkeeping (pure: time is an argument). A session is expired once
 * `nowMs >= deadlineMs`, where the deadline is the last touch plus the session's timeout. The
 * member feeds it its MONOTONIC clock (a wall-clock step must not expire every session), so it
 * is seeded with fresh deadlines, never with the replicated (wall-time) ones.
 */
export class SessionTracker {
  private readonly sessions = new Map<SessionId, { timeoutMs: number; deadlineMs: number }>();

  constructor(sessions: Iterable<SessionInfo> = []) {
    for (const s of sessions) this.sessions.set(s.sessionId, { timeoutMs: s.timeoutMs, deadlineMs: s.deadlineMs });
  }

  get size(): number {
    return this.sessions.size;
  }

  has(sessionId: SessionId): boolean {
    return this.sessions.has(sessionId);
  }

  /** Tracks a session the log just created (or refreshes it). */
  add(sessionId: SessionId, timeoutMs: number, nowMs: number): void {
    this.sessions.set(sessionId, { timeoutMs, deadlineMs: nowMs + timeoutMs });
  }

  /** A keep-alive or any request of the session. False when the tracker does not know it. */
  touch(sessionId: SessionId, nowMs: number): boolean {
    const s = this.sessions.get(sessionId);
    if (!s) return false;
    s.deadlineMs = Math.max(s.deadlineMs, nowMs + s.timeoutMs);
    return true;
  }

  /** What a new leader does before expiring anything: every session gets a full timeout. */
  extendAll(nowMs: number): void {
    for (const s of this.sessions.values()) s.deadlineMs = Math.max(s.deadlineMs, nowMs + s.timeoutMs);
  }

  remove(sessionId: SessionId): void {
    this.sessions.delete(sessionId);
  }

  /** Sessions past their deadline at `nowMs`, oldest deadline first (ties by id), at most `limit`. */
  expired(nowMs: number, limit = Number.MAX_SAFE_INTEGER): SessionId[] {
    const out: Array<[SessionId, number]> = [];
    for (const [id, s] of this.sessions) if (nowMs >= s.deadlineMs) out.push([id, s.deadlineMs]);
    out.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    return out.slice(0, limit).map(([id]) => id);
  }

  /** The earliest deadline, to schedule the next check; undefined when no session is tracked. */
  nextDeadlineMs(): number | undefined {
    let min: number | undefined;
    for (const s of this.sessions.values()) if (min === undefined || s.deadlineMs < min) min = s.deadlineMs;
    return min;
  }

  deadlineOf(sessionId: SessionId): number | undefined {
    return this.sessions.get(sessionId)?.deadlineMs;
  }
}
