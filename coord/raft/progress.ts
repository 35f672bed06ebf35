/**
 * The leader's per-peer replication state and flow control (after etcd-io/raft's
 * tracker/progress.go and inflights.go): Probe sends one Append per heartbeat until the
 * follower's match index is known; Replicate streams Appends inside a bounded window;
 * Snapshot waits for a snapshot to land.
 */
import { assert } from '../../common/errors.js';
import { ProgressState, type ConfState, type NodeId, type ProgressStatus } from './types.js';

/** A bounded FIFO of the last indexes of Appends sent but not acknowledged. */
export class Inflights {
  private readonly lastIndexes: number[] = [];
  constructor(readonly capacity: number) {
    assert(capacity > 0, 'maxInflightMessages must be positive');
  }
  get count(): number {
    return this.lastIndexes.length;
  }
  full(): boolean {
    return this.lastIndexes.length >= this.capacity;
  }
  add(lastIndex: number): void {
    assert(!this.full(), 'inflight window overflow');
    const tail = this.lastIndexes[this.lastIndexes.length - 1];
    assert(tail === undefined || lastIndex > tail, `inflight ${lastIndex} not after ${tail}`);
    this.lastIndexes.push(lastIndex);
  }
  /** Free every Append acknowledged by a response covering `index`. */
  freeLE(index: number): void {
    let n = 0;
    while (n < this.lastIndexes.length && this.lastIndexes[n]! <= index) n++;
    if (n > 0) this.lastIndexes.splice(0, n);
  }
  freeFirstOne(): void {
    this.lastIndexes.shift();
  }
  reset(): void {
    this.lastIndexes.length = 0;
  }
}

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = ProgressState.Probe;
  /** Probe: an Append is outstanding; wait for its answer (or a heartbeat response). */
  probeSent = false;
  /** Snapshot: the index of the snapshot being installed. */
  pendingSnapshot = 0;
  /** Snapshot: one election timeout passed without an answer; the next one gives up. */
  snapshotStale = false;
  recentActive = false;
  readonly inflights: Inflights;

  constructor(next: number, maxInflight: number, public isLearner: boolean) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotStale = false;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === ProgressState.Snapshot) {
      // The follower has at least the snapshot if it was installed; probe from there.
      const pending = this.pendingSnapshot;
      this.resetState(ProgressState.Probe);
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState(ProgressState.Probe);
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState(ProgressState.Replicate);
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState(ProgressState.Snapshot);
    this.pendingSnapshot = snapshotIndex;
  }

  /** A successful AppendResponse for `index`. Returns true when match moved forward. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * A rejected Append for `rejected` (its prevIndex) with the follower's hint. Returns false
   * for a stale rejection that says nothing new.
   */
  maybeDecreaseTo(rejected: number, matchHint: number): boolean {
    if (this.state === ProgressState.Replicate) {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** Record an Append carrying entries up to lastIndex (or none) just sent. */
  sentEntries(count: number, lastIndex: number): void {
    if (this.state === ProgressState.Replicate) {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex);
      }
    } else if (this.state === ProgressState.Probe) {
      this.probeSent = true;
    } else {
      assert(false, `sending entries in state ${this.state}`);
    }
  }

  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.Probe:
        return this.probeSent;
      case ProgressState.Replicate:
        return this.inflights.full();
      case ProgressState.Snapshot:
        return true;
    }
  }

  toStatus(): ProgressStatus {
    return { match: this.match, next: this.next, state: this.state, recentActive: this.recentActive, isLearner: this.isLearner };
  }
}

/** The configuration (voters, learners) and the leader's progress for each member. */
export class ProgressTracker {
  voters = new Set<NodeId>();
  learners = new Set<NodeId>();
  progress = new Map<NodeId, Progress>();
  /** Votes received in the current election: id → granted. */
  votes = new Map<NodeId, boolean>();

  constructor(readonly maxInflight: number) {}

  confState(): ConfState {
    return { voters: [...this.voters].sort((a, b) => a - b), learners: [...this.learners].sort((a, b) => a - b) };
  }

  quorum(): number {
    return Math.floor(this.voters.size / 2) + 1;
  }

  isVoter(id: NodeId): boolean {
    return this.voters.has(id);
  }

  /** Highest index replicated on a quorum of voters. */
  committedIndex(): number {
    if (this.voters.size === 0) return 0;
    const matches: number[] = [];
    for (const id of this.voters) matches.push(this.progress.get(id)?.match ?? 0);
    matches.sort((a, b) => b - a);
    return matches[this.quorum() - 1]!;
  }

  /** Check-quorum: a quorum of voters was heard from in the last election timeout. */
  quorumActive(selfId: NodeId): boolean {
    let active = 0;
    for (const id of this.voters) {
      if (id === selfId || this.progress.get(id)?.recentActive) active++;
    }
    return active >= this.quorum();
  }

  resetVotes(): void {
    this.votes.clear();
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  /** 'won' | 'lost' | 'pending' for the current election. */
  tallyVotes(): 'won' | 'lost' | 'pending' {
    let granted = 0;
    let rejected = 0;
    for (const id of this.voters) {
      const v = this.votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    const q = this.quorum();
    if (granted >= q) return 'won';
    if (rejected > this.voters.size - q) return 'lost';
    return 'pending';
  }
}
