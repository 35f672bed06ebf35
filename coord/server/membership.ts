/**
 * Live membership changes on the leader, one member at a time (the Raft core's single-member
 * changes): adding a member makes it a learner first, waits until it has caught up with the
 * log (a member that starts empty receives the leader's snapshot), and only then makes it a
 * voter, so a new member never counts toward a quorum it cannot serve. Removing a member is one
 * configuration change; the leader may remove itself (it steps down once the change applies and
 * the others elect a new one). Both are idempotent, so a client may retry them after a lost
 * answer.
 */
import { BasaltError, ErrorCodes, invalidArgument } from '../../common/errors.js';
import type { Clock } from '../../common/clock.js';
import { ConfChangeType, type ConfChange, type ConfState, type NodeId, type RaftStatus } from '../raft/types.js';

export interface MembershipHost {
  readonly id: NodeId;
  isLeader(): boolean;
  confState(): ConfState;
  raftStatus(): RaftStatus;
  proposeConfChange(change: ConfChange): void;
  /** Resolves once `condition` holds (checked on every tick and applied conf change), or rejects with TIMEOUT. */
  waitUntil(what: string, condition: () => boolean, timeoutMs: number): Promise<void>;
}

export interface MembershipChange {
  addId?: number;
  addAddress?: string;
  removeId?: number;
}

/** How long one step (learner added, caught up, promoted, removed) may take. */
const STEP_TIMEOUT_MS = 60_000;

function checkId(id: unknown, field: string): NodeId {
  if (!Number.isInteger(id) || (id as number) < 1 || (id as number) > 255) throw invalidArgument(field, `must be a member id 1..255, got ${String(id)}`);
  return id as NodeId;
}

export async function changeMembership(host: MembershipHost, change: MembershipChange): Promise<ConfState> {
  const adding = (change.addId ?? 0) !== 0;
  const removing = (change.removeId ?? 0) !== 0;
  if (adding === removing) throw invalidArgument('reconfig', 'name exactly one of addId or removeId');
  if (adding) {
    const id = checkId(change.addId, 'addId');
    const address = change.addAddress ?? '';
    if (!/^[^\s:]+:\d{1,5}$/.test(address)) throw invalidArgument('addAddress', `expected HOST:PORT, got ${JSON.stringify(address)}`);
    const context = new TextEncoder().encode(address);
    if (!host.confState().voters.includes(id)) {
      if (!host.confState().learners.includes(id)) {
        host.proposeConfChange({ type: ConfChangeType.AddLearner, nodeId: id, context });
        await host.waitUntil(`member ${id} to join as a learner`, () => host.confState().learners.includes(id) || host.confState().voters.includes(id), STEP_TIMEOUT_MS);
      }
      // Caught up: it holds everything committed when we started waiting (a snapshot counts).
      const target = host.raftStatus().commit;
      await host.waitUntil(`member ${id} to catch up to ${target}`, () => (host.raftStatus().progress?.[id]?.match ?? 0) >= target, STEP_TIMEOUT_MS);
      if (!host.confState().voters.includes(id)) {
        host.proposeConfChange({ type: ConfChangeType.AddNode, nodeId: id, context });
        await host.waitUntil(`member ${id} to become a voter`, () => host.confState().voters.includes(id), STEP_TIMEOUT_MS);
      }
    }
    return host.confState();
  }
  const id = checkId(change.removeId, 'removeId');
  const present = (): boolean => host.confState().voters.includes(id) || host.confState().learners.includes(id);
  if (present()) {
    if (host.confState().voters.length === 1 && host.confState().voters[0] === id) {
      throw new BasaltError(ErrorCodes.INVALID_ARGUMENT, 'removeId: cannot remove the last voter', { field: 'removeId' });
    }
    host.proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: id, context: new Uint8Array(0) });
    await host.waitUntil(`member ${id} to leave`, () => !present(), STEP_TIMEOUT_MS);
  }
  return host.confState();
}

/** Promises that resolve once a condition holds; the member checks them on ticks and conf changes. */
export class ConditionWaiters {
  private readonly checks = new Set<() => void>();

  constructor(private readonly clock: Clock) {}

  waitUntil(what: string, condition: () => boolean, timeoutMs: number, stopped: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    const deadline = this.clock.monotonic() + timeoutMs;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (condition()) {
          this.checks.delete(check);
          resolve();
        } else if (stopped() || this.clock.monotonic() > deadline) {
          this.checks.delete(check);
          reject(new BasaltError(ErrorCodes.TIMEOUT, `gave up waiting for ${what}`));
        }
      };
      this.checks.add(check);
    });
  }

  checkAll(): void {
    for (const check of [...this.checks]) check();
  }
}

/** What the transport needs to follow membership: links opened and closed. */
export interface PeerLinks {
  addPeer(id: NodeId, address: string): void;
  removePeer(id: NodeId): void;
}

/** An applied configuration change: learn an added member's address (the entry's context), forget a removed one. */
export function applyPeerChange(self: NodeId, peers: Map<NodeId, string>, links: PeerLinks, change: ConfChange): void {
  if (change.nodeId === self) return;
  if (change.type === ConfChangeType.RemoveNode) {
    peers.delete(change.nodeId);
    links.removePeer(change.nodeId);
    return;
  }
  const address = new TextDecoder().decode(change.context);
  if (address.length === 0) return;
  peers.set(change.nodeId, address);
  links.addPeer(change.nodeId, address);
}
