/**
 * The Raft core's state and its outgoing side (after etcd-io/raft's raft.go, written afresh):
 * term, vote, role and membership; role transitions; building Appends, snapshots and
 * heartbeats within the flow-control limits; commit by counting; read-index bookkeeping.
 * Raft (raft.ts) adds the events: ticks, elections, proposals and every incoming message.
 */
import { BasaltError, ErrorCodes, assert, invalidArgument } from '../../common/errors.js';
import { decodeConfChange } from './codec.js';
import { Progress, ProgressTracker } from './progress.js';
import { RaftLog } from './raft-log.js';
import { ReadOnlyQueue } from './read-only.js';
import {
  ConfChangeType,
  EntryType,
  MessageType,
  Role,
  type ConfChange,
  type ConfState,
  type Entry,
  type Message,
  type NodeId,
  type RaftConfig,
  type ReadState,
} from './types.js';

/** Vote context marking an election started by a leadership transfer (bypasses leases). */
export const CAMPAIGN_TRANSFER = new Uint8Array(Buffer.from('CampaignTransfer'));

export function isTransferContext(context: Uint8Array | undefined): boolean {
  return context !== undefined && Buffer.from(context).equals(CAMPAIGN_TRANSFER);
}

/** A message with every field defaulted; callers fill what they mean. */
export function makeMessage(fields: Partial<Message> & Pick<Message, 'type' | 'to'>): Message {
  return { from: 0, term: 0, index: 0, logTerm: 0, entries: [], commit: 0, reject: false, rejectHint: 0, ...fields };
}

export function validateConfig(config: RaftConfig): void {
  const positive = (field: keyof RaftConfig, value: number): void => {
    if (!Number.isInteger(value) || value <= 0) throw invalidArgument(field, 'must be a positive integer');
  };
  positive('id', config.id);
  positive('electionTicks', config.electionTicks);
  positive('heartbeatTicks', config.heartbeatTicks);
  positive('maxSizePerMessage', config.maxSizePerMessage);
  positive('maxInflightMessages', config.maxInflightMessages);
  if (config.heartbeatTicks >= config.electionTicks) {
    throw invalidArgument('heartbeatTicks', 'must be smaller than electionTicks');
  }
  if (!Number.isInteger(config.applied) || config.applied < 0) throw invalidArgument('applied', 'must be a non-negative integer');
  if (config.maxUncommittedEntriesBytes !== undefined) positive('maxUncommittedEntriesBytes', config.maxUncommittedEntriesBytes);
}

export abstract class RaftBase {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = 0;
  lead: NodeId = 0;
  role: Role = Role.Follower;
  readonly log: RaftLog;
  readonly tracker: ProgressTracker;
  messages: Message[] = [];
  readStates: ReadState[] = [];
  leadTransferee: NodeId = 0;
  /** Index of the latest conf change entry proposed by this leader; one at a time. */
  pendingConfIndex = 0;
  protected readOnly = new ReadOnlyQueue();
  /** ReadIndex requests that arrived before this leader committed an entry of its term. */
  protected pendingReadIndexMessages: Message[] = [];

  protected readonly electionTimeout: number;
  protected readonly heartbeatTimeout: number;
  protected randomizedElectionTimeout = 0;
  protected electionElapsed = 0;
  protected heartbeatElapsed = 0;
  protected readonly config: RaftConfig;
  /** Payload bytes this leader accepted and the application has not applied yet. */
  protected uncommittedBytes = 0;
  protected readonly maxUncommittedBytes: number;

  constructor(config: RaftConfig) {
    validateConfig(config);
    this.config = config;
    this.id = config.id;
    this.maxUncommittedBytes = config.maxUncommittedEntriesBytes ?? 32 * 1024 * 1024;
    this.electionTimeout = config.electionTicks;
    this.heartbeatTimeout = config.heartbeatTicks;
    this.log = new RaftLog(config.storage);
    this.tracker = new ProgressTracker(config.maxInflightMessages);

    const { hardState, confState } = config.storage.initialState();
    this.restoreConfState(confState);
    if (hardState.term !== 0 || hardState.vote !== 0 || hardState.commit !== 0) {
      // A commit below the snapshot is fine (a snapshot is committed by definition, and a crash
      // may keep the snapshot write but not the hard state written after it); a commit beyond
      // the log means entries the hard state relies on were lost: refuse to run on that.
      assert(hardState.commit <= this.log.lastIndex(), `hard state commit ${hardState.commit} beyond last index ${this.log.lastIndex()}`);
      this.log.commitTo(hardState.commit);
      this.term = hardState.term;
      this.vote = hardState.vote;
    }
    // The configuration in storage is the snapshot's; conf changes applied since then are in
    // the log between the snapshot and `applied`: replay them so the membership is current.
    const snapshotIndex = config.storage.snapshot().metadata.index;
    const applied = Math.max(config.applied, snapshotIndex, this.log.firstIndex() - 1);
    // The stored snapshot, and whatever the application applied, were committed even if the
    // stored commit index lags (an adapter may persist the commit index lazily: it is volatile
    // state in Raft). Only an applied index beyond the log is a broken promise.
    assert(applied <= this.log.lastIndex(), `applied ${applied} beyond last index ${this.log.lastIndex()}`);
    this.log.commitTo(applied);
    const replayFrom = Math.max(snapshotIndex + 1, this.log.firstIndex());
    if (applied >= replayFrom) {
      for (const e of this.log.slice(replayFrom, applied + 1, Number.MAX_SAFE_INTEGER) ?? []) {
        if (e.type === EntryType.ConfChange) this.applyConfChangeToTracker(decodeConfChange(e.data));
      }
    }
    this.log.appliedTo(applied);
    this.becomeFollower(this.term, 0);
  }

  // ---- roles ----

  protected reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = 0;
    }
    this.lead = 0;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.electionTimeout + Math.floor(this.config.random() * this.electionTimeout);
    this.leadTransferee = 0;
    this.tracker.resetVotes();
    const last = this.log.lastIndex();
    // Only the durable part of our own log counts for us (entries the adapter has not yet
    // persisted are acknowledged through selfPersisted).
    const durable = this.log.unstableEntries.length > 0 ? this.log.unstableOffset - 1 : last;
    for (const [id, pr] of this.tracker.progress) {
      const fresh = new Progress(last + 1, this.tracker.maxInflight, pr.isLearner);
      if (id === this.id) fresh.match = durable;
      this.tracker.progress.set(id, fresh);
    }
    this.pendingConfIndex = 0;
    this.uncommittedBytes = 0;
    this.readOnly = new ReadOnlyQueue();
    this.pendingReadIndexMessages = [];
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.role = Role.Follower;
  }

  protected becomePreCandidate(): void {
    assert(this.role !== Role.Leader, 'a leader never becomes a pre-candidate');
    // Pre-vote changes neither term nor vote: a losing pre-candidate disturbs no one.
    this.tracker.resetVotes();
    this.lead = 0;
    this.role = Role.PreCandidate;
  }

  protected becomeCandidate(): void {
    assert(this.role !== Role.Leader, 'a leader never becomes a candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = Role.Candidate;
  }

  protected becomeLeader(): void {
    assert(this.role === Role.Candidate, `only a candidate becomes leader (was ${this.role})`);
    this.reset(this.term);
    this.lead = this.id;
    this.role = Role.Leader;
    const self = this.tracker.progress.get(this.id);
    assert(self !== undefined, 'a leader is a member');
    self.becomeReplicate();
    self.recentActive = true;
    // The empty entry commits everything of earlier terms (they cannot be committed by counting).
    this.appendEntries([{ term: 0, index: 0, type: EntryType.Empty, data: new Uint8Array(0) }]);
    // Treat every entry up to and including the empty one as a possible conf change: no new
    // change until all of them are applied. This also means a new leader changes the
    // membership only after committing an entry of its own term (the fix for the
    // single-server-change bug Ongaro described in 2015).
    this.pendingConfIndex = this.log.lastIndex();
  }

  protected promotable(): boolean {
    return this.tracker.isVoter(this.id) && !this.log.unstableSnapshot;
  }

  protected hasUnappliedConfChanges(): boolean {
    if (this.log.applied >= this.log.committed) return false;
    const entries = this.log.slice(this.log.applied + 1, this.log.committed + 1, Number.MAX_SAFE_INTEGER) ?? [];
    return entries.some((e) => e.type === EntryType.ConfChange);
  }

  // ---- sending ----

  protected send(m: Message): void {
    m.from = this.id;
    const isVoteFamily =
      m.type === MessageType.Vote ||
      m.type === MessageType.VoteResponse ||
      m.type === MessageType.PreVote ||
      m.type === MessageType.PreVoteResponse;
    if (isVoteFamily) {
      assert(m.term !== 0, `${m.type} needs an explicit term`);
    } else if (m.type !== MessageType.ReadIndex) {
      // ReadIndex forwarded by a follower travels without a term, like a proposal in etcd.
      m.term = this.term;
    }
    this.messages.push(m);
  }

  /** Send entries from pr.next (or a snapshot) to `to`. Returns true if a message was sent. */
  protected sendAppend(to: NodeId, sendIfEmpty = true): boolean {
    const pr = this.tracker.progress.get(to);
    if (!pr || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    const entries = this.log.entriesFrom(pr.next, this.config.maxSizePerMessage);
    if (prevTerm === undefined || entries === undefined) return this.sendSnapshot(to, pr);
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send(makeMessage({ type: MessageType.Append, to, index: prevIndex, logTerm: prevTerm, entries, commit: this.log.committed }));
    pr.sentEntries(entries.length, entries.length > 0 ? entries[entries.length - 1]!.index : prevIndex);
    return true;
  }

  protected sendSnapshot(to: NodeId, pr: Progress): boolean {
    // A follower that has not answered lately may be down: do not ship a snapshot into the void.
    if (!pr.recentActive) return false;
    const snapshot = this.log.snapshot();
    assert(snapshot.metadata.index > 0, 'a compacted log always has a snapshot');
    this.send(makeMessage({ type: MessageType.Snapshot, to, snapshot }));
    pr.becomeSnapshot(snapshot.metadata.index);
    return true;
  }

  protected broadcastAppend(): void {
    for (const id of this.tracker.progress.keys()) {
      if (id !== this.id) this.sendAppend(id);
    }
  }

  protected broadcastHeartbeat(context: Uint8Array | undefined): void {
    for (const [id, pr] of this.tracker.progress) {
      if (id === this.id) continue;
      // Never claim a commit the follower may not have: it could not apply it.
      const m = makeMessage({ type: MessageType.Heartbeat, to: id, commit: Math.min(pr.match, this.log.committed) });
      if (context !== undefined) m.context = context;
      this.send(m);
    }
  }

  protected sendTimeoutNow(to: NodeId): void {
    this.send(makeMessage({ type: MessageType.TimeoutNow, to }));
  }

  // ---- appending and committing ----

  protected appendEntries(entries: Entry[]): void {
    let index = this.log.lastIndex();
    for (const e of entries) {
      e.term = this.term;
      e.index = ++index;
    }
    this.log.append(entries);
    // The leader counts itself toward a quorum only once its own entries are durable
    // (selfPersisted, from advance()), as etcd does with asynchronous storage writes: that is what
    // lets the adapter send these entries to followers while its own disk write is in flight.
  }

  /**
   * The adapter made this node's log durable up to `index` (an entry of term `term`). A leader
   * now counts itself at that index, which may commit more.
   */
  selfPersisted(index: number, term: number): void {
    if (this.role !== Role.Leader || this.log.term(index) !== term) return;
    const self = this.tracker.progress.get(this.id);
    if (!self || !self.maybeUpdate(index)) return;
    if (this.maybeCommit()) this.broadcastAppend();
  }

  protected maybeCommit(): boolean {
    const committed = this.log.maybeCommit(this.tracker.committedIndex(), this.term);
    if (committed) this.releasePendingReadIndexMessages();
    return committed;
  }

  protected notLeader(): BasaltError {
    return new BasaltError(ErrorCodes.NOT_LEADER, `node ${this.id} is not the leader`, { leaderHint: this.lead });
  }

  // ---- configuration ----

  protected restoreConfState(cs: ConfState): void {
    this.tracker.voters = new Set(cs.voters);
    this.tracker.learners = new Set(cs.learners);
    this.tracker.progress = new Map();
    const next = this.log.lastIndex() + 1;
    for (const id of cs.voters) this.tracker.progress.set(id, new Progress(next, this.tracker.maxInflight, false));
    for (const id of cs.learners) this.tracker.progress.set(id, new Progress(next, this.tracker.maxInflight, true));
  }

  protected applyConfChangeToTracker(cc: ConfChange): void {
    const t = this.tracker;
    const addProgress = (id: NodeId, isLearner: boolean): void => {
      const existing = t.progress.get(id);
      if (existing) {
        existing.isLearner = isLearner;
        return;
      }
      const pr = new Progress(this.log.lastIndex() + 1, t.maxInflight, isLearner);
      // A newcomer counts as active so check-quorum does not depose the leader at once.
      pr.recentActive = true;
      t.progress.set(id, pr);
    };
    switch (cc.type) {
      case ConfChangeType.AddNode:
        t.learners.delete(cc.nodeId);
        t.voters.add(cc.nodeId);
        addProgress(cc.nodeId, false);
        break;
      case ConfChangeType.AddLearner:
        if (t.voters.has(cc.nodeId)) return; // never demote (rejected at proposal time)
        t.learners.add(cc.nodeId);
        addProgress(cc.nodeId, true);
        break;
      case ConfChangeType.RemoveNode:
        t.voters.delete(cc.nodeId);
        t.learners.delete(cc.nodeId);
        t.progress.delete(cc.nodeId);
        break;
    }
  }

  // ---- read-index (leader side) ----

  protected committedEntryInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  protected leaderReadIndex(m: Message): void {
    const context = m.context ?? new Uint8Array(0);
    if (this.tracker.voters.size === 1) {
      this.answerRead(m.from, this.log.committed, context);
      return;
    }
    // Until an entry of this term commits, our commit index may be behind the previous
    // leader's: a read served at it could miss acknowledged writes.
    if (!this.committedEntryInCurrentTerm()) {
      if (this.pendingReadIndexMessages.length < 10_000) this.pendingReadIndexMessages.push(m);
      return;
    }
    this.startReadIndex(m.from, context);
  }

  protected startReadIndex(from: NodeId, context: Uint8Array): void {
    if (!this.readOnly.add(this.log.committed, context, from)) return;
    this.readIndexAck(this.id, context);
    this.broadcastHeartbeat(context);
  }

  protected releasePendingReadIndexMessages(): void {
    if (this.pendingReadIndexMessages.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const pending = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of pending) this.startReadIndex(m.from, m.context ?? new Uint8Array(0));
  }

  protected readIndexAck(from: NodeId, context: Uint8Array): void {
    const acks = this.readOnly.recordAck(from, context);
    if (!acks) return;
    let voterAcks = 0;
    for (const id of acks) if (this.tracker.isVoter(id)) voterAcks++;
    if (voterAcks < this.tracker.quorum()) return;
    for (const request of this.readOnly.advance(context)) this.answerRead(request.from, request.index, request.context);
  }

  protected answerRead(from: NodeId, index: number, context: Uint8Array): void {
    if (from === this.id || from === 0) {
      this.readStates.push({ index, context });
    } else {
      this.send(makeMessage({ type: MessageType.ReadIndexResponse, to: from, index, context }));
    }
  }
}
