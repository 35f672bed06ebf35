/**
 * The public face of the pure Raft core (etcd-io/raft's RawNode): feed it ticks, peer messages
 * and proposals; collect a Ready; persist its entries and hard state, send its messages, apply
 * its committed entries; then call advance(). One Ready is outstanding at a time: hasReady()
 * answers false until the previous one is advanced. Nothing here awaits, times or does I/O.
 */
import { assert, invalidArgument, type BasaltError } from '../../common/errors.js';
import { Raft } from './raft.js';
import { MessageType, Role, type ConfChange, type ConfState, type HardState, type Message, type NodeId, type RaftConfig, type RaftStatus, type Ready, type SoftState } from './types.js';

/** Most bytes of committed entries handed out in one Ready (bounds the apply batch). */
const MAX_COMMITTED_BYTES_PER_READY = 4 * 1024 * 1024;

const PEER_MESSAGE_TYPES: ReadonlySet<string> = new Set(Object.values(MessageType));

/**
 * Messages that may leave before the Ready that carries them is durable (when it changes neither
 * term nor vote nor installs a snapshot). A leader's Appends and Heartbeats: the leader counts
 * itself toward a commit only once advance() reports its own write durable (selfPersisted), so a
 * follower's acknowledgement alone commits nothing. Heartbeat answers and read-index requests
 * and answers: they carry the term (unchanged, hence durable) and the leader's commit index
 * (itself computed from durable copies only), and promise nothing about this node's log. Every
 * other type waits: an AppendResponse acknowledges entries that must be on disk first, a vote
 * (or pre-vote) is a durable promise, and a Snapshot or TimeoutNow is rare enough not to matter.
 */
const EARLY_MESSAGE_TYPES: ReadonlySet<MessageType> = new Set([
  MessageType.Append,
  MessageType.Heartbeat,
  MessageType.HeartbeatResponse,
  MessageType.ReadIndex,
  MessageType.ReadIndexResponse,
]);

function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

export class RaftNode {
  private readonly raft: Raft;
  private previousSoftState: SoftState;
  private previousHardState: HardState;
  /** The Ready handed out and not yet advanced. */
  private outstanding: Ready | undefined;

  constructor(config: RaftConfig) {
    this.raft = new Raft(config);
    this.previousSoftState = this.softState();
    this.previousHardState = this.hardState();
  }

  get id(): NodeId {
    return this.raft.id;
  }

  /** Cheap accessors for hot paths (status() builds a full snapshot of the state). */
  get role(): Role {
    return this.raft.role;
  }

  get term(): number {
    return this.raft.term;
  }

  get leader(): NodeId {
    return this.raft.lead;
  }

  get applied(): number {
    return this.raft.log.applied;
  }

  tick(): void {
    this.raft.tick();
  }

  /**
   * A message from a peer. One addressed to another node (a misconfigured peer) is refused with
   * INVALID_ARGUMENT {field: 'message.to'}: bad input from the network must not crash a member.
   */
  step(message: Message): void {
    if (message.to !== this.raft.id) {
      throw invalidArgument('message.to', `message for node ${message.to} delivered to node ${this.raft.id}`);
    }
    this.raft.step(message);
  }

  /**
   * A message that arrived from the network. Input the core must not see is refused and returned
   * as a value (INVALID_ARGUMENT naming the field): addressed to another member, claiming to come
   * from this member or from no member (only local calls step such messages), a term or type that
   * is not one. Anything the core throws after that is a broken invariant and propagates: the
   * caller stops the member.
   */
  stepPeer(message: Message): BasaltError | undefined {
    if (message.to !== this.raft.id) return invalidArgument('message.to', `message for node ${message.to} delivered to node ${this.raft.id}`);
    if (!Number.isInteger(message.from) || message.from <= 0) return invalidArgument('message.from', `no sender (${message.from})`);
    if (message.from === this.raft.id) return invalidArgument('message.from', `a peer message claims to come from this node (${message.from})`);
    if (!Number.isInteger(message.term) || message.term < 0) return invalidArgument('message.term', `not a term: ${message.term}`);
    if (!PEER_MESSAGE_TYPES.has(message.type)) return invalidArgument('message.type', `unknown message type ${String(message.type)}`);
    this.raft.step(message);
    return undefined;
  }

  /**
   * Append a command (leader only). Throws NOT_LEADER {leaderHint}, PROPOSAL_DROPPED (during a
   * leadership transfer) or SERVER_BUSY (too many bytes proposed and not yet applied).
   */
  propose(data: Uint8Array): void {
    this.raft.propose(data);
  }

  /** Propose one membership change; throws PROPOSAL_DROPPED while another is pending. */
  proposeConfChange(change: ConfChange): void {
    this.raft.proposeConfChange(change);
  }

  /** Call when applying a committed ConfChange entry (decode it with codec.decodeConfChange). */
  applyConfChange(change: ConfChange): ConfState {
    return this.raft.applyConfChange(change);
  }

  /**
   * Request a linearizable read. A ReadState carrying `context` appears in a later Ready; the
   * read is safe once the local applied index reaches its index. Contexts must be unique per
   * request. Throws NOT_LEADER when no leader is known (retry later).
   */
  readIndex(context: Uint8Array): void {
    this.raft.readIndex(context);
  }

  /** Hand leadership to a voter (leader only); proposals are refused until it completes. */
  transferLeadership(to: NodeId): void {
    this.raft.transferLeadership(to);
  }

  /** Start an election now (used at bootstrap and by tests). */
  campaign(): void {
    this.raft.hup(false);
  }

  /** The transport failed to reach `id`: replicate to it by probing again. */
  reportUnreachable(id: NodeId): void {
    this.raft.reportUnreachable(id);
  }

  /** The transport knows a snapshot sent to `id` failed (or succeeded): resume replication. */
  reportSnapshot(id: NodeId, succeeded: boolean): void {
    this.raft.reportSnapshot(id, succeeded);
  }

  private softState(): SoftState {
    return { leader: this.raft.lead, role: this.raft.role };
  }

  private hardState(): HardState {
    return { term: this.raft.term, vote: this.raft.vote, commit: this.raft.log.committed };
  }

  hasReady(): boolean {
    if (this.outstanding) return false;
    const r = this.raft;
    const soft = this.softState();
    if (soft.leader !== this.previousSoftState.leader || soft.role !== this.previousSoftState.role) return true;
    if (!hardStateEqual(this.hardState(), this.previousHardState)) return true;
    return (
      r.broadcastPending ||
      r.log.unstableSnapshot !== undefined ||
      r.messages.length > 0 ||
      r.log.unstableEntries.length > 0 ||
      r.log.hasNextCommittedEntries() ||
      r.readStates.length > 0
    );
  }

  /**
   * Everything to do now. Persist snapshot, entries and hard state durably; send `messages` at
   * any time but `messagesAfterPersist` only after the persist; apply the first
   * `applyBeforePersist` committed entries at any time and the rest after the persist (in
   * order); then advance(). Peer messages, ticks and proposals may be stepped while the persist
   * is outstanding; no new Ready is handed out until advance().
   */
  ready(): Ready {
    assert(this.outstanding === undefined, 'ready() called again before advance()');
    const r = this.raft;
    r.flushPendingBroadcast();
    const committedEntries = r.log.nextCommittedEntries(MAX_COMMITTED_BYTES_PER_READY);
    const hard = this.hardState();
    const hardChanged = !hardStateEqual(hard, this.previousHardState);
    const snapshot = r.log.unstableSnapshot;
    // A new term or vote must be durable before anything leaves that another node could act on:
    // a vote granted and then forgotten in a crash elects two leaders in one term.
    const termOrVoteChanged = hard.term !== this.previousHardState.term || hard.vote !== this.previousHardState.vote;
    const holdAll = snapshot !== undefined || termOrVoteChanged;
    const early: Message[] = [];
    const afterPersist: Message[] = [];
    for (const m of r.messages) (holdAll || !EARLY_MESSAGE_TYPES.has(m.type) ? afterPersist : early).push(m);
    // Entries below the unstable offset were persisted by an earlier Ready (advanced only after
    // its persist), so committed ones among them may be applied without waiting for this one.
    let applyBeforePersist = 0;
    if (!snapshot) {
      const stableBelow = r.log.unstableOffset;
      while (applyBeforePersist < committedEntries.length && committedEntries[applyBeforePersist]!.index < stableBelow) applyBeforePersist++;
    }
    const rd: Ready = {
      entries: r.log.unstableEntries.slice(),
      messages: early,
      messagesAfterPersist: afterPersist,
      committedEntries,
      applyBeforePersist,
      readStates: r.readStates,
    };
    const soft = this.softState();
    if (soft.leader !== this.previousSoftState.leader || soft.role !== this.previousSoftState.role) {
      rd.softState = soft;
      this.previousSoftState = soft;
    }
    if (hardChanged) rd.hardState = hard;
    if (snapshot) rd.snapshot = snapshot;
    r.messages = [];
    r.readStates = [];
    this.outstanding = rd;
    return rd;
  }

  /** The last Ready was persisted, sent and applied. */
  advance(): void {
    const rd = this.outstanding;
    assert(rd !== undefined, 'advance() without an outstanding ready()');
    this.outstanding = undefined;
    const log = this.raft.log;
    if (rd.hardState) this.previousHardState = rd.hardState;
    if (rd.snapshot) {
      log.stableSnapshotTo(rd.snapshot.metadata.index);
      log.appliedTo(rd.snapshot.metadata.index);
    }
    const lastEntry = rd.entries[rd.entries.length - 1];
    if (lastEntry) {
      // Catch an adapter that skipped the append: the core would read a log that is not there.
      const storage = log.storage;
      assert(
        storage.lastIndex() >= lastEntry.index && storage.term(lastEntry.index) === lastEntry.term,
        `advance(): entry ${lastEntry.index} of the Ready is not in storage (append before advance)`,
      );
      log.stableTo(lastEntry.index, lastEntry.term);
      this.raft.selfPersisted(lastEntry.index, lastEntry.term);
    }
    const lastCommitted = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastCommitted) log.appliedTo(lastCommitted.index);
    this.raft.reduceUncommitted(rd.committedEntries);
  }

  status(): RaftStatus {
    const r = this.raft;
    const cs = r.tracker.confState();
    const status: RaftStatus = {
      id: r.id,
      term: r.term,
      vote: r.vote,
      commit: r.log.committed,
      applied: r.log.applied,
      lastIndex: r.log.lastIndex(),
      leader: r.lead,
      role: r.role,
      voters: cs.voters,
      learners: cs.learners,
      leadTransferee: r.leadTransferee,
    };
    if (r.role === Role.Leader) {
      status.progress = {};
      for (const [id, pr] of r.tracker.progress) status.progress[id] = pr.toStatus();
    }
    return status;
  }
}
