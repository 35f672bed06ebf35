/**
 * The Raft protocol's events (after etcd-io/raft's raft.go, written afresh): ticks, elections
 * with pre-vote and check-quorum, proposals, configuration changes, read-index, leadership
 * transfer, and every incoming message. State and the outgoing side live in RaftBase.
 * Outgoing messages are appended to `messages`; RaftNode turns state into Ready batches.
 */
import { BasaltError, ErrorCodes, invalidArgument } from '../../common/errors.js';
import { encodeConfChange } from './codec.js';
import type { Progress } from './progress.js';
import { CAMPAIGN_TRANSFER, RaftBase, isTransferContext, makeMessage } from './raft-base.js';
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
  type Snapshot,
} from './types.js';

export { makeMessage, validateConfig } from './raft-base.js';

function voteResponseType(t: MessageType): MessageType {
  return t === MessageType.PreVote ? MessageType.PreVoteResponse : MessageType.VoteResponse;
}

/** Pre-vote rounds a follower that lost its leader's connection tries a few ticks apart before falling back to the randomized timeout. */
const FAST_PREVOTE_ROUNDS = 5;

export class Raft extends RaftBase {
  /** The leader whose connection failed (0: none): drives the fast, staggered pre-vote rounds. */
  private lostLeader: NodeId = 0;
  /** Fast pre-vote rounds left since that leader was lost. */
  private fastRoundsLeft = 0;

  // ---- elections ----

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
    // After a lost leader, a split vote is retried within a few ticks, in rank order.
    if (!transfer && this.fastRoundsLeft > 0) this.electionElapsed = this.randomizedElectionTimeout - 2 - this.fastCampaignDelay();
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
    // Hearing from a leader again ends the fast rounds.
    if (this.lead !== 0) this.fastRoundsLeft = 0;
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(false);
      if ((this.role === Role.PreCandidate || this.role === Role.Candidate) && this.fastRoundsLeft > 0) {
        // A survivor that had not yet noticed the dead leader ignores this pre-vote (it still
        // honours the lease), or two survivors split the vote: try again in a few ticks, in
        // rank order, instead of a whole election timeout.
        this.fastRoundsLeft--;
        this.electionElapsed = this.randomizedElectionTimeout - this.fastCampaignDelay();
      }
    }
  }

  /**
   * Ticks until a follower that lost its leader campaigns: staggered by its rank among the
   * surviving voters (lowest id first, two ticks apart) plus up to one tick of jitter, so that
   * followers noticing the same dead leader together do not split the vote.
   */
  private fastCampaignDelay(): number {
    const survivors = [...this.tracker.voters].filter((id) => id !== this.lostLeader).sort((a, b) => a - b);
    const rank = Math.max(0, survivors.indexOf(this.id));
    return 1 + 2 * rank + Math.floor(this.config.random() * 2);
  }

  private tickHeartbeat(): void {
    this.fastRoundsLeft = 0;
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
    if (this.role === Role.Follower && id === this.lead && this.config.preVote) {
      // Our connection to the leader failed: a killed process resets its sockets, so this is
      // usually a dead leader, known long before an election timeout. Stop honouring its lease
      // (so that we grant the other followers' pre-votes) and campaign within a few ticks,
      // staggered by rank so that followers noticing together do not split the vote, retrying
      // the pre-vote a few ticks apart a bounded number of times. Pre-vote keeps this safe: if
      // the leader is alive, the members still hearing from it refuse the pre-vote, no term moves,
      // and its next heartbeat makes it our leader again.
      this.lostLeader = id;
      this.fastRoundsLeft = FAST_PREVOTE_ROUNDS;
      this.lead = 0;
      const soon = this.randomizedElectionTimeout - this.fastCampaignDelay();
      this.electionElapsed = Math.max(this.electionElapsed, soon);
    }
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
      if (m.type === MessageType.Heartbeat || m.type === MessageType.Append || m.type === MessageType.Snapshot) {
        // A stale leader learns the new term from this answer and steps down (Raft §5.1: a
        // request with a stale term is rejected with the current term). etcd answers only with
        // check-quorum or pre-vote on and otherwise counts on vote requests to spread the term;
        // but a leader outside our configuration never receives our vote requests, and with
        // both off it then led a minority-less configuration for ever while we campaigned in
        // ours (simulation seed 9004639, test/coord/hardening/raft-stale-term.test.ts).
        this.send(makeMessage({ type: MessageType.AppendResponse, to: m.from }));
      } else if (m.type === MessageType.PreVote) {
        this.send(makeMessage({ type: MessageType.PreVoteResponse, to: m.from, term: this.term, reject: true }));
      } else if (m.type === MessageType.Vote) {
        // Tell a stale candidate our term (Raft §5.1; etcd stays silent here). Without it, a
        // candidate that only we can elect may chase our term forever while we, holding a stale
        // configuration, keep raising it by campaigning elsewhere (found by the simulation with
        // pre-vote off: seed 1000047, 1,500 chaos ticks).
        this.send(makeMessage({ type: MessageType.VoteResponse, to: m.from, term: this.term, reject: true }));
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

}
