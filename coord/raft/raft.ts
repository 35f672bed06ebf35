/**
 * The Raft protocol as a synchronous state machine (after etcd-io/raft's raft.go, written
 * afresh): roles, elections with pre-vote and check-quorum, replication with flow control,
 * snapshots, read-index, leadership transfer and single-member configuration changes.
 * Outgoing messages are appended to `messages`; RaftNode turns state into Ready batches.
 */
import { BasaltError, ErrorCodes, assert, invalidArgument } from '../../common/errors.js';
import { decodeConfChange, encodeConfChange } from './codec.js';
import { Progress, ProgressTracker } from './progress.js';
import { RaftLog } from './raft-log.js';
import { ReadOnlyQueue } from './read-only.js';
import {
  ConfChangeType,
  EntryType,
  MessageType,
  ProgressState,
  Role,
  type ConfChange,
  type ConfState,
  type Entry,
  type Message,
  type NodeId,
  type RaftConfig,
  type ReadState,
  type Snapshot,
} from './types.js';

/** Vote context marking an election started by a leadership transfer (bypasses leases). */
const CAMPAIGN_TRANSFER = new Uint8Array(Buffer.from('CampaignTransfer'));

function isTransferContext(context: Uint8Array | undefined): boolean {
  return context !== undefined && Buffer.from(context).equals(CAMPAIGN_TRANSFER);
}

function voteResponseType(t: MessageType): MessageType {
  return t === MessageType.PreVote ? MessageType.PreVoteResponse : MessageType.VoteResponse;
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

export class Raft {
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
  private readOnly = new ReadOnlyQueue();
  /** ReadIndex requests that arrived before this leader committed an entry of its term. */
  private pendingReadIndexMessages: Message[] = [];

  private readonly electionTimeout: number;
  private readonly heartbeatTimeout: number;
  private randomizedElectionTimeout = 0;
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private readonly config: RaftConfig;
  /** Payload bytes this leader accepted and the application has not applied yet. */
  private uncommittedBytes = 0;
  private readonly maxUncommittedBytes: number;

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
    assert(applied <= this.log.committed, `applied ${applied} beyond commit ${this.log.committed}`);
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

  private reset(term: number): void {
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
    for (const [id, pr] of this.tracker.progress) {
      const fresh = new Progress(last + 1, this.tracker.maxInflight, pr.isLearner);
      if (id === this.id) fresh.match = last;
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

  private becomePreCandidate(): void {
    assert(this.role !== Role.Leader, 'a leader never becomes a pre-candidate');
    // Pre-vote changes neither term nor vote: a losing pre-candidate disturbs no one.
    this.tracker.resetVotes();
    this.lead = 0;
    this.role = Role.PreCandidate;
  }

  private becomeCandidate(): void {
    assert(this.role !== Role.Leader, 'a leader never becomes a candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = Role.Candidate;
  }

  private becomeLeader(): void {
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

  private promotable(): boolean {
    return this.tracker.isVoter(this.id) && !this.log.unstableSnapshot;
  }

  private hasUnappliedConfChanges(): boolean {
    if (this.log.applied >= this.log.committed) return false;
    const entries = this.log.slice(this.log.applied + 1, this.log.committed + 1, Number.MAX_SAFE_INTEGER) ?? [];
    return entries.some((e) => e.type === EntryType.ConfChange);
  }

  /** Start an election now (pre-vote first when enabled), unless leader or not a voter. */
  hup(transfer: boolean): void {
    if (this.role === Role.Leader) return;
    if (!this.promotable()) return;
    // A conf change committed but not applied may change who votes; wait until it applies.
    if (this.hasUnappliedConfChanges()) return;
    if (this.config.preVote && !transfer) this.campaignPreVote();
    else this.campaignVote(transfer);
  }

  private campaignPreVote(): void {
    this.becomePreCandidate();
    this.requestVotes(MessageType.PreVote, this.term + 1, false);
  }

  private campaignVote(transfer: boolean): void {
    this.becomeCandidate();
    this.requestVotes(MessageType.Vote, this.term, transfer);
  }

  private requestVotes(type: MessageType, term: number, transfer: boolean): void {
    this.tracker.recordVote(this.id, true);
    if (this.tracker.tallyVotes() === 'won') {
      this.electionWon(type === MessageType.PreVote);
      return;
    }
    const index = this.log.lastIndex();
    const logTerm = this.log.lastTerm();
    for (const id of [...this.tracker.voters].sort((a, b) => a - b)) {
      if (id === this.id) continue;
      const m = makeMessage({ type, to: id, term, index, logTerm });
      if (transfer) m.context = CAMPAIGN_TRANSFER;
      this.send(m);
    }
  }

  private electionWon(preVote: boolean): void {
    if (preVote) {
      this.campaignVote(false);
    } else {
      this.becomeLeader();
      this.broadcastAppend();
    }
  }

  // ---- ticks ----

  tick(): void {
    if (this.role === Role.Leader) this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(false);
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      if (this.config.checkQuorum) {
        this.checkQuorum();
        if (this.role !== Role.Leader) return;
      }
      // A transfer that did not finish within an election timeout is abandoned.
      this.leadTransferee = 0;
      this.expireStaleSnapshots();
    }
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat(this.readOnly.lastPendingContext());
    }
  }

  private checkQuorum(): void {
    if (!this.tracker.quorumActive(this.id)) {
      this.becomeFollower(this.term, 0);
      return;
    }
    for (const [id, pr] of this.tracker.progress) {
      if (id !== this.id) pr.recentActive = false;
    }
  }

  /** A snapshot unanswered for a whole election timeout was probably lost: probe again. */
  private expireStaleSnapshots(): void {
    for (const pr of this.tracker.progress.values()) {
      if (pr.state !== ProgressState.Snapshot) continue;
      if (pr.snapshotStale) {
        pr.pendingSnapshot = 0;
        pr.becomeProbe();
      } else {
        pr.snapshotStale = true;
      }
    }
  }

  // ---- sending ----

  private send(m: Message): void {
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
  private sendAppend(to: NodeId, sendIfEmpty = true): boolean {
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

  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    // A follower that has not answered lately may be down: do not ship a snapshot into the void.
    if (!pr.recentActive) return false;
    const snapshot = this.log.snapshot();
    assert(snapshot.metadata.index > 0, 'a compacted log always has a snapshot');
    this.send(makeMessage({ type: MessageType.Snapshot, to, snapshot }));
    pr.becomeSnapshot(snapshot.metadata.index);
    return true;
  }

  private broadcastAppend(): void {
    for (const id of this.tracker.progress.keys()) {
      if (id !== this.id) this.sendAppend(id);
    }
  }

  private broadcastHeartbeat(context: Uint8Array | undefined): void {
    for (const [id, pr] of this.tracker.progress) {
      if (id === this.id) continue;
      // Never claim a commit the follower may not have: it could not apply it.
      const m = makeMessage({ type: MessageType.Heartbeat, to: id, commit: Math.min(pr.match, this.log.committed) });
      if (context !== undefined) m.context = context;
      this.send(m);
    }
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send(makeMessage({ type: MessageType.TimeoutNow, to }));
  }

  // ---- proposals ----

  private appendEntries(entries: Entry[]): void {
    let index = this.log.lastIndex();
    for (const e of entries) {
      e.term = this.term;
      e.index = ++index;
    }
    this.log.append(entries);
    this.tracker.progress.get(this.id)!.maybeUpdate(this.log.lastIndex());
    this.maybeCommit();
  }

  private maybeCommit(): boolean {
    const committed = this.log.maybeCommit(this.tracker.committedIndex(), this.term);
    if (committed) this.releasePendingReadIndexMessages();
    return committed;
  }

  private notLeader(): BasaltError {
    return new BasaltError(ErrorCodes.NOT_LEADER, `node ${this.id} is not the leader`, { leaderHint: this.lead });
  }

  private checkCanPropose(): void {
    if (this.role !== Role.Leader) throw this.notLeader();
    if (this.leadTransferee !== 0) {
      throw new BasaltError(ErrorCodes.PROPOSAL_DROPPED, `leadership is moving to ${this.leadTransferee}`, {
        leaderHint: this.leadTransferee,
      });
    }
  }

  private reserveUncommitted(bytes: number): void {
    if (this.uncommittedBytes > 0 && this.uncommittedBytes + bytes > this.maxUncommittedBytes) {
      throw new BasaltError(ErrorCodes.SERVER_BUSY, 'too many uncommitted proposals', {
        uncommittedBytes: this.uncommittedBytes,
        maxUncommittedEntriesBytes: this.maxUncommittedBytes,
      });
    }
    this.uncommittedBytes += bytes;
  }

  /** The application applied these entries: their bytes no longer count as outstanding. */
  reduceUncommitted(entries: Entry[]): void {
    if (this.role !== Role.Leader) return;
    for (const e of entries) this.uncommittedBytes -= e.term === this.term ? e.data.byteLength : 0;
    if (this.uncommittedBytes < 0) this.uncommittedBytes = 0;
  }

  propose(data: Uint8Array): void {
    this.checkCanPropose();
    this.reserveUncommitted(data.byteLength);
    this.appendEntries([{ term: 0, index: 0, type: EntryType.Normal, data }]);
    // Sent when the adapter next takes a Ready: proposals made in between (e.g. while the
    // previous Ready persists) travel together in one Append per follower.
    this.broadcastPending = true;
  }

  /** Proposals appended since the last Ready wait to be broadcast. */
  broadcastPending = false;

  flushPendingBroadcast(): void {
    if (!this.broadcastPending) return;
    this.broadcastPending = false;
    if (this.role === Role.Leader) this.broadcastAppend();
  }

  proposeConfChange(change: ConfChange): void {
    this.checkCanPropose();
    if (!Number.isInteger(change.nodeId) || change.nodeId <= 0) throw invalidArgument('nodeId', 'must be a positive integer');
    if (change.type === ConfChangeType.AddLearner && this.tracker.isVoter(change.nodeId)) {
      throw invalidArgument('type', `node ${change.nodeId} is a voter; demotion to learner is not supported`);
    }
    if (change.type === ConfChangeType.RemoveNode && this.tracker.voters.size === 1 && this.tracker.isVoter(change.nodeId)) {
      throw invalidArgument('nodeId', 'cannot remove the last voter');
    }
    if (this.pendingConfIndex > this.log.applied) {
      throw new BasaltError(ErrorCodes.PROPOSAL_DROPPED, 'a configuration change is already pending', {
        pendingConfIndex: this.pendingConfIndex,
        applied: this.log.applied,
      });
    }
    const data = encodeConfChange(change);
    this.reserveUncommitted(data.byteLength);
    this.appendEntries([{ term: 0, index: 0, type: EntryType.ConfChange, data }]);
    this.pendingConfIndex = this.log.lastIndex();
    this.broadcastPending = true;
  }

  // ---- configuration ----

  private restoreConfState(cs: ConfState): void {
    this.tracker.voters = new Set(cs.voters);
    this.tracker.learners = new Set(cs.learners);
    this.tracker.progress = new Map();
    const next = this.log.lastIndex() + 1;
    for (const id of cs.voters) this.tracker.progress.set(id, new Progress(next, this.tracker.maxInflight, false));
    for (const id of cs.learners) this.tracker.progress.set(id, new Progress(next, this.tracker.maxInflight, true));
  }

  private applyConfChangeToTracker(cc: ConfChange): void {
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

  /** The adapter applied a ConfChange entry: the membership changes now (etcd's model). */
  applyConfChange(cc: ConfChange): ConfState {
    this.applyConfChangeToTracker(cc);
    if (this.role === Role.Leader) {
      if (!this.tracker.isVoter(this.id)) {
        // A removed leader steps down; the remaining members elect a new one.
        this.becomeFollower(this.term, 0);
      } else {
        if (this.leadTransferee !== 0 && !this.tracker.isVoter(this.leadTransferee)) this.leadTransferee = 0;
        // A smaller quorum may commit more; new members need entries.
        if (this.maybeCommit()) this.broadcastAppend();
        else for (const id of this.tracker.progress.keys()) if (id !== this.id) this.sendAppend(id, false);
      }
    }
    return this.tracker.confState();
  }

  // ---- reads and transfers ----

  readIndex(context: Uint8Array): void {
    this.step(makeMessage({ type: MessageType.ReadIndex, to: this.id, from: this.id, context }));
  }

  transferLeadership(to: NodeId): void {
    if (this.role !== Role.Leader) throw this.notLeader();
    if (to === this.id) return;
    if (!this.tracker.isVoter(to)) throw invalidArgument('to', `node ${to} is not a voter`);
    if (this.leadTransferee === to) return;
    this.leadTransferee = to;
    // The transfer must complete within one election timeout or it is abandoned.
    this.electionElapsed = 0;
    const pr = this.tracker.progress.get(to)!;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(to);
    else this.sendAppend(to);
  }

  /** The adapter could not reach `id`: fall back to probing (etcd's ReportUnreachable). */
  reportUnreachable(id: NodeId): void {
    const pr = this.tracker.progress.get(id);
    if (this.role === Role.Leader && pr && pr.state === ProgressState.Replicate) pr.becomeProbe();
  }

  /** The adapter learned whether a snapshot sent to `id` failed (etcd's ReportSnapshot). */
  reportSnapshot(id: NodeId, succeeded: boolean): void {
    const pr = this.tracker.progress.get(id);
    if (this.role !== Role.Leader || !pr || pr.state !== ProgressState.Snapshot) return;
    if (!succeeded) pr.pendingSnapshot = 0;
    pr.becomeProbe();
    // Wait for the follower's answer before sending more.
    pr.probeSent = true;
  }

  // ---- receiving ----

  step(m: Message): void {
    if (m.term === 0) {
      // Local message (ReadIndex from this node or forwarded by a follower).
    } else if (m.term > this.term) {
      if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
        const inLease = this.config.checkQuorum && this.lead !== 0 && this.electionElapsed < this.electionTimeout;
        // We heard from a live leader recently: a vote request is from a disruptive node
        // (one that was partitioned away); ignore it unless the leader asked for it.
        if (inLease && !isTransferContext(m.context)) return;
      }
      if (m.type === MessageType.PreVote) {
        // A pre-vote never changes our term.
      } else if (m.type === MessageType.PreVoteResponse && !m.reject) {
        // We will move to that term when we win the real vote.
      } else if (m.type === MessageType.Append || m.type === MessageType.Heartbeat || m.type === MessageType.Snapshot) {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, 0);
      }
    } else if (m.term < this.term) {
      if ((this.config.checkQuorum || this.config.preVote) && (m.type === MessageType.Heartbeat || m.type === MessageType.Append)) {
        // A stale leader (cut off by check-quorum or pre-vote, so our term grew without it
        // hearing) learns the new term from this answer and steps down.
        this.send(makeMessage({ type: MessageType.AppendResponse, to: m.from }));
      } else if (m.type === MessageType.PreVote) {
        this.send(makeMessage({ type: MessageType.PreVoteResponse, to: m.from, term: this.term, reject: true }));
      }
      return;
    }

    if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
      this.handleVoteRequest(m);
      return;
    }
    switch (this.role) {
      case Role.Leader:
        this.stepLeader(m);
        break;
      case Role.Candidate:
      case Role.PreCandidate:
        this.stepCandidate(m);
        break;
      case Role.Follower:
        this.stepFollower(m);
        break;
    }
  }

  private handleVoteRequest(m: Message): void {
    const canVote =
      this.vote === m.from ||
      (this.vote === 0 && this.lead === 0) ||
      (m.type === MessageType.PreVote && m.term > this.term);
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      // Answer with the request's term: for a pre-vote that is a future term we did not enter.
      this.send(makeMessage({ type: voteResponseType(m.type), to: m.from, term: m.term }));
      if (m.type === MessageType.Vote) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send(makeMessage({ type: voteResponseType(m.type), to: m.from, term: this.term, reject: true }));
    }
  }

  private stepCandidate(m: Message): void {
    const myResponse = this.role === Role.PreCandidate ? MessageType.PreVoteResponse : MessageType.VoteResponse;
    switch (m.type) {
      case MessageType.Append:
        this.becomeFollower(m.term, m.from);
        this.handleAppend(m);
        return;
      case MessageType.Heartbeat:
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case MessageType.Snapshot:
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case myResponse: {
        this.tracker.recordVote(m.from, !m.reject);
        const result = this.tracker.tallyVotes();
        if (result === 'won') this.electionWon(this.role === Role.PreCandidate);
        else if (result === 'lost') this.becomeFollower(this.term, 0);
        return;
      }
      case MessageType.ReadIndex:
        if (m.from === this.id) throw this.notLeader();
        return; // a forwarded read for an older leader: the follower retries
      default:
        return;
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MessageType.Append:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppend(m);
        return;
      case MessageType.Heartbeat:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case MessageType.Snapshot:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case MessageType.TimeoutNow:
        // The leader hands over: campaign at once, skipping pre-vote (the transfer is deliberate).
        this.hup(true);
        return;
      case MessageType.ReadIndex:
        if (m.from !== this.id) return; // forwarded to the wrong node: the sender retries
        if (this.lead === 0) throw this.notLeader();
        this.send(makeMessage({ type: MessageType.ReadIndex, to: this.lead, context: m.context ?? new Uint8Array(0) }));
        return;
      case MessageType.ReadIndexResponse:
        if (m.context !== undefined) this.readStates.push({ index: m.index, context: m.context });
        return;
      default:
        return;
    }
  }

  private handleAppend(m: Message): void {
    if (m.index < this.log.committed) {
      this.send(makeMessage({ type: MessageType.AppendResponse, to: m.from, index: this.log.committed }));
      return;
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      this.send(makeMessage({ type: MessageType.AppendResponse, to: m.from, index: lastNew }));
      return;
    }
    // Reject with a hint: the last index at which our log could still match the leader's.
    const [hintIndex, hintTerm] = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.send(
      makeMessage({ type: MessageType.AppendResponse, to: m.from, index: m.index, reject: true, rejectHint: hintIndex, logTerm: hintTerm }),
    );
  }

  private handleHeartbeat(m: Message): void {
    this.log.commitTo(Math.min(m.commit, this.log.lastIndex()));
    const response = makeMessage({ type: MessageType.HeartbeatResponse, to: m.from });
    if (m.context !== undefined) response.context = m.context;
    this.send(response);
  }

  private handleSnapshot(m: Message): void {
    const snapshot = m.snapshot;
    if (!snapshot) return;
    if (this.restore(snapshot)) {
      this.send(makeMessage({ type: MessageType.AppendResponse, to: m.from, index: this.log.lastIndex() }));
    } else {
      this.send(makeMessage({ type: MessageType.AppendResponse, to: m.from, index: this.log.committed }));
    }
  }

  /** Install a leader's snapshot unless we already have its content. */
  private restore(snapshot: Snapshot): boolean {
    const { index, term, confState } = snapshot.metadata;
    if (index <= this.log.committed) return false;
    if (this.log.matchTerm(index, term)) {
      // Our log already holds the snapshot's last entry: just fast-forward commit.
      this.log.commitTo(index);
      return false;
    }
    this.log.restore(snapshot);
    this.restoreConfState(confState);
    return true;
  }

  private stepLeader(m: Message): void {
    if (m.type === MessageType.ReadIndex) {
      this.leaderReadIndex(m);
      return;
    }
    const pr = this.tracker.progress.get(m.from);
    if (!pr) return; // not (or no longer) a member
    switch (m.type) {
      case MessageType.AppendResponse:
        pr.recentActive = true;
        if (m.reject) this.handleAppendRejection(m, pr);
        else this.handleAppendSuccess(m, pr);
        return;
      case MessageType.HeartbeatResponse:
        pr.recentActive = true;
        pr.probeSent = false;
        // A heartbeat answer frees one slot so a full window cannot stall forever.
        if (pr.state === ProgressState.Replicate && pr.inflights.full()) pr.inflights.freeFirstOne();
        if (pr.match < this.log.lastIndex()) this.sendAppend(m.from);
        if (m.context !== undefined) this.readIndexAck(m.from, m.context);
        return;
      default:
        return;
    }
  }

  private handleAppendRejection(m: Message, pr: Progress): void {
    let nextProbe = m.rejectHint;
    if (m.logTerm > 0) {
      // Skip every entry of ours whose term is above the follower's term at its hint.
      nextProbe = this.log.findConflictByTerm(m.rejectHint, m.logTerm)[0];
    }
    if (pr.maybeDecreaseTo(m.index, nextProbe)) {
      if (pr.state === ProgressState.Replicate) pr.becomeProbe();
      this.sendAppend(m.from);
    }
  }

  private handleAppendSuccess(m: Message, pr: Progress): void {
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index)) return;
    if (pr.state === ProgressState.Probe) {
      pr.becomeReplicate();
    } else if (pr.state === ProgressState.Snapshot && pr.match >= pr.pendingSnapshot) {
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === ProgressState.Replicate) {
      pr.inflights.freeLE(m.index);
    }
    if (this.maybeCommit()) {
      this.broadcastAppend();
    } else if (wasPaused) {
      this.sendAppend(m.from);
    }
    // Stream as much as the window allows without waiting for the next heartbeat.
    while (this.sendAppend(m.from, false)) {
      /* keep sending */
    }
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(m.from);
  }

  private committedEntryInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  private leaderReadIndex(m: Message): void {
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

  private startReadIndex(from: NodeId, context: Uint8Array): void {
    if (!this.readOnly.add(this.log.committed, context, from)) return;
    this.readIndexAck(this.id, context);
    this.broadcastHeartbeat(context);
  }

  private releasePendingReadIndexMessages(): void {
    if (this.pendingReadIndexMessages.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const pending = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of pending) this.startReadIndex(m.from, m.context ?? new Uint8Array(0));
  }

  private readIndexAck(from: NodeId, context: Uint8Array): void {
    const acks = this.readOnly.recordAck(from, context);
    if (!acks) return;
    let voterAcks = 0;
    for (const id of acks) if (this.tracker.isVoter(id)) voterAcks++;
    if (voterAcks < this.tracker.quorum()) return;
    for (const request of this.readOnly.advance(context)) this.answerRead(request.from, request.index, request.context);
  }

  private answerRead(from: NodeId, index: number, context: Uint8Array): void {
    if (from === this.id || from === 0) {
      this.readStates.push({ index, context });
    } else {
      this.send(makeMessage({ type: MessageType.ReadIndexResponse, to: from, index, context }));
    }
  }
}
