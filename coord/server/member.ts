/**
 * A coordination member: the pure Raft core (RaftNode), its log storage and the znode state
 * machine (CoordStateMachine), driven by one tick timer and the Ready loop of coord/raft/driver.ts
 * (the same driver the seeded simulation runs). The core decides which messages may leave and
 * which committed entries may apply before a Ready is durable; the driver persists, sends and
 * applies in that order; this file supplies the adapters: LMDB storage, the peer transport,
 * setImmediate as the scheduler, and the znode state machine as the apply callback.
 *
 * On top of the loop it runs what only a leader does: proposing writes for the session streams
 * connected here (each wrapped in a ProposalEnvelope so the proposer can answer when it applies),
 * batched read-index barriers (read-index-batcher.ts) and session leases (session-leases.ts).
 */
import { BasaltError, ErrorCodes, invalidArgument } from '../../common/errors.js';
import type { CoordConfig } from '../../common/config.js';
import { systemClock, type Clock } from '../../common/clock.js';
import { systemRandom, type Random } from '../../common/random.js';
import { createLogger, type Logger } from '../../common/logger.js';
import { basalt } from '../../proto/generated/basalt.js';
import { RaftNode } from '../raft/raft-node.js';
import { decodeConfChange } from '../raft/codec.js';
import { RaftDriver } from '../raft/driver.js';
import { ConfChangeType, EntryType, Role, type ConfChange, type ConfState, type Entry, type Message, type NodeId, type RaftStatus, type Snapshot } from '../raft/types.js';
import type { RaftLogStorage } from '../storage/raft-log-storage.js';
import { CoordStateMachine, type CommandResult, type CoordCommand, type SessionId, type StateMachineOptions } from '../tree/index.js';
import { decodeCommand, encodeCommand } from '../tree/codec.js';
import type { PeerAuthConfig } from './peer-auth.js';
import { PeerTransport } from './peer-transport.js';
import { ConditionWaiters, applyPeerChange, changeMembership, type MembershipChange } from './membership.js';
import { ReadIndexBatcher } from './read-index-batcher.js';
import { SessionLeases } from './session-leases.js';
import type { SessionHost, SessionStream } from './session-stream.js';

export interface CoordMemberOptions {
  id: NodeId;
  /** Every member's address (one port serves clients and peers), self included. */
  peers: ReadonlyMap<NodeId, string>;
  storage: RaftLogStorage;
  config: CoordConfig;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** Most live sessions (SERVER_BUSY beyond). Default 10,000. */
  maxSessions?: number;
  /** Most proposals waiting to apply (SERVER_BUSY beyond). Default 10,000. */
  maxPendingProposals?: number;
  /** Log entries kept behind a snapshot for lagging followers. Default 1,000. */
  catchUpEntries?: number;
  /** Called when the loop hits a broken invariant; the daemon exits. */
  onFatal?: (err: unknown) => void;
  /** How this member proves itself on its peer streams (coord-server.ts fills it in). */
  peerAuth?: PeerAuthConfig;
  /** Called with every member's address after a configuration change applies (the daemon saves it). */
  onPeersChanged?: (peers: ReadonlyMap<NodeId, string>) => void;
  /** A member's client address when peers use a separate port (coord-server.ts learns them); else its peer address. */
  clientAddressOf?: (id: NodeId) => string | undefined;
}

interface PendingProposal {
  resolve(value: { result: CommandResult; zxid: number }): void;
  reject(err: BasaltError): void;
}

/** Entries kept behind a snapshot so a briefly lagging follower catches up from the log. */
const DEFAULT_CATCH_UP_ENTRIES = 1_000;

export class CoordMember implements SessionHost {
  readonly id: NodeId;
  readonly logger: Logger;
  readonly limits: SessionHost['limits'];
  private readonly node: RaftNode;
  private readonly storage: RaftLogStorage;
  private readonly transport: PeerTransport;
  private readonly clock: Clock;
  /** Every member's address; grows and shrinks as configuration changes apply. */
  private readonly peers: Map<NodeId, string>;
  private readonly waiters: ConditionWaiters;
  private readonly smOptions: StateMachineOptions;
  private readonly maxPendingProposals: number;
  private sm: CoordStateMachine;
  private applied: number;
  private confState: ConfState;
  private lastSnapshotIndex: number;
  /** Bytes of entries applied since the last snapshot. */
  private bytesSinceSnapshot = 0;
  private readonly driver: RaftDriver;
  /** The storage persist in flight, awaited by close() before the storage closes under it. */
  private persistInFlight: Promise<void> | undefined;
  private role: Role = Role.Follower;
  private leaderId: NodeId = 0;
  private ticker: NodeJS.Timeout | undefined;
  private closed = false;
  private failed: unknown;

  private readonly streams = new Map<SessionId, SessionStream>();
  private readonly proposals = new Map<number, PendingProposal>();
  private nextProposalId = 1;
  /** Entries this member handed to Raft as leader (basalt_raft_proposals_total). */
  private proposalsTotal = 0;
  private sessionCounter = 0;

  /** Counters for status and tests. */
  snapshotsTaken = 0;
  snapshotsInstalled = 0;
  /** The member leadership was last handed to on shutdown (0: none). */
  lastTransferTarget: NodeId = 0;

  private readonly leases: SessionLeases;

  private readonly reads: ReadIndexBatcher;

  constructor(private readonly options: CoordMemberOptions) {
    this.id = options.id;
    this.peers = new Map(options.peers);
    this.storage = options.storage;
    this.clock = options.clock ?? systemClock;
    this.waiters = new ConditionWaiters(this.clock);
    this.logger = options.logger ?? createLogger('coord', { member: options.id });
    this.maxPendingProposals = options.maxPendingProposals ?? 10_000;
    const config = options.config;
    this.limits = {
      maxInflightPerSession: config.maxInflightPerSession,
      maxDataBytes: config.maxDataBytes,
      maxMultiOps: 1_000,
      maxSessions: options.maxSessions ?? 10_000,
    };
    this.smOptions = { maxDataBytes: config.maxDataBytes, minSessionTimeoutMs: config.minSessionTimeoutMs, maxSessionTimeoutMs: config.maxSessionTimeoutMs };
    const snapshot = this.storage.snapshot();
    this.sm = snapshot.data.byteLength > 0 ? CoordStateMachine.restore(snapshot.data, this.smOptions) : new CoordStateMachine(this.smOptions);
    this.applied = snapshot.metadata.index;
    this.lastSnapshotIndex = snapshot.metadata.index;
    const initial = this.storage.initialState();
    this.confState = initial.confState;
    const random: Random = options.random ?? systemRandom;
    this.node = new RaftNode({
      id: options.id,
      electionTicks: config.electionTicks,
      heartbeatTicks: config.heartbeatTicks,
      storage: this.storage,
      applied: this.applied,
      maxSizePerMessage: 1024 * 1024,
      maxInflightMessages: 256,
      preVote: true,
      checkQuorum: true,
      random: () => random.next(),
    });
    const storage = this.storage;
    this.driver = new RaftDriver({
      node: this.node,
      persistedHardState: initial.hardState,
      scheduler: { schedule: (run) => setImmediate(run) },
      storage: {
        applySnapshot: (snapshot) => storage.applySnapshot(snapshot),
        append: (entries) => storage.append(entries),
        setHardState: (hardState) => storage.setHardState(hardState),
        ...(storage.batch ? { batch: (action: () => void) => storage.batch!(action) } : {}),
        persist: (done) => {
          const inFlight = storage.persist().then(
            () => done(),
            (err: unknown) => done(err ?? new Error('persist failed')),
          );
          this.persistInFlight = inFlight;
        },
      },
      host: {
        send: (messages) => this.transport.send(messages),
        applyEntry: (entry) => this.applyEntry(entry),
        installSnapshot: (snapshot) => this.installSnapshot(snapshot),
        onSoftState: (soft) => this.onSoftState(soft.role, soft.leader),
        onReadStates: (readStates) => this.reads.onReadStates(readStates),
        onAdvanced: () => {
          this.reads.onApplied();
          this.maybeSnapshot();
        },
        onFatal: (err) => this.fail(err),
      },
    });
    this.leases = new SessionLeases({
      clock: this.clock,
      logger: this.logger,
      isLeader: () => this.role === Role.Leader,
      liveSessions: () => this.sm.liveSessions(),
      propose: (command) => this.propose(command),
    });
    this.reads = new ReadIndexBatcher({
      memberId: options.id,
      requestReadIndex: (context) => this.node.readIndex(context),
      appliedIndex: () => this.applied,
      isLeader: () => this.isLeader(),
      clientError: (err) => (err instanceof BasaltError ? this.withAddressHint(err) : new BasaltError(ErrorCodes.NOT_LEADER, String(err))),
      wake: () => this.scheduleReady(),
      monotonicMs: () => this.clock.monotonic(),
    });
    this.transport = new PeerTransport({
      selfId: options.id,
      peers: options.peers,
      logger: this.logger,
      monotonicMs: () => this.clock.monotonic(),
      ...(options.peerAuth ? { auth: options.peerAuth } : {}),
      onUnreachable: (peer) => {
        this.node.reportUnreachable(peer);
        this.scheduleReady();
      },
    });
  }

  /** Starts ticking; a lone member campaigns at once instead of waiting an election timeout. */
  start(): void {
    this.ticker = setInterval(() => this.onTick(), this.options.config.tickMs);
    if (this.confState.voters.length === 1 && this.confState.voters[0] === this.id) this.node.campaign();
    this.scheduleReady();
  }

  /**
   * A leader that is asked to stop hands leadership to its most up-to-date live follower first
   * (Raft's TimeoutNow), so clients wait one round trip instead of an election timeout.
   * Resolves when someone else leads or after `timeoutMs`.
   */
  async transferLeadershipAway(timeoutMs: number): Promise<void> {
    if (!this.isLeader() || this.failed) return;
    const status = this.node.status();
    let target: NodeId = 0;
    let best = -1;
    for (const [id, progress] of Object.entries(status.progress ?? {})) {
      const peer = Number(id);
      if (peer === this.id || progress.isLearner || !progress.recentActive) continue;
      if (progress.match > best) {
        best = progress.match;
        target = peer;
      }
    }
    if (target === 0) return;
    this.lastTransferTarget = target;
    this.logger.info({ to: target }, 'transferring leadership before shutdown');
    try {
      this.node.transferLeadership(target);
    } catch {
      return;
    }
    this.scheduleReady();
    const deadline = this.clock.monotonic() + timeoutMs;
    while (this.role === Role.Leader && this.clock.monotonic() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.transferLeadershipAway(this.options.config.tickMs * this.options.config.electionTicks);
    this.closed = true;
    if (this.ticker) clearInterval(this.ticker);
    for (const stream of [...this.streams.values()]) stream.close();
    this.failAll(new BasaltError(ErrorCodes.UNAVAILABLE, 'member shutting down'));
    this.transport.close();
    // Let a persist in flight finish before the storage closes under it.
    this.driver.stop();
    await this.persistInFlight;
    if (!this.failed) this.driver.flushDeferredHardState();
    await this.storage.close();
  }

  // ------------------------------------------------------------------------------------------
  // Inputs.

  step(message: Message): void {
    if (this.closed || this.failed) return;
    const refused = this.driver.step(message);
    if (refused) this.logger.debug({ err: refused.message, field: refused.details.field, type: message.type, from: message.from }, 'peer message refused');
  }

  private onTick(): void {
    this.waiters.checkAll();
    if (this.closed || this.failed) return;
    this.driver.tick();
    if (this.role === Role.Leader) this.leases.expire();
    this.reads.retryStale();
    this.scheduleReady();
  }

  // ------------------------------------------------------------------------------------------
  // SessionHost.

  isLeader(): boolean {
    return this.role === Role.Leader && !this.closed;
  }

  leaderAddress(): string {
    return this.leaderId ? (this.options.clientAddressOf?.(this.leaderId) ?? this.peers.get(this.leaderId) ?? '') : '';
  }

  appliedIndex(): number {
    return this.applied;
  }

  nowMs(): number {
    return this.clock.now();
  }

  stateMachine(): CoordStateMachine {
    return this.sm;
  }

  liveSessionCount(): number {
    return this.sm.liveSessions().length;
  }

  /**
   * Unique across members and restarts without coordination: the member id in the top bits,
   * then the wall clock in 1/256 ms steps plus a counter (ZooKeeper derives its ids the same way).
   */
  newSessionId(): SessionId {
    const low = (this.clock.now() * 256 + (this.sessionCounter++ % 256)) % 2 ** 45;
    return (this.id % 256) * 2 ** 45 + low;
  }

  touch(sessionId: SessionId): void {
    this.leases.touch(sessionId);
  }

  attach(sessionId: SessionId, stream: SessionStream): void {
    const previous = this.streams.get(sessionId);
    this.streams.set(sessionId, stream);
    // Another connection resumed this session: tell the displaced one it has moved (its handle
    // ends instead of taking the session back, which would make the two ping-pong).
    if (previous && previous !== stream) previous.sessionMoved();
  }

  detach(sessionId: SessionId, stream: SessionStream): void {
    if (this.streams.get(sessionId) !== stream) return;
    this.streams.delete(sessionId);
    // Watches live with the connection: a client that comes back re-arms them with SetWatches.
    this.sm.watches.removeSession(sessionId);
  }

  propose(command: CoordCommand): Promise<{ result: CommandResult; zxid: number }> {
    return new Promise((resolve, reject) => {
      if (this.failed) return reject(new BasaltError(ErrorCodes.INTERNAL, `member failed: ${(this.failed as Error).message}`));
      if (!this.isLeader()) return reject(this.notLeader());
      if (this.proposals.size >= this.maxPendingProposals) {
        return reject(new BasaltError(ErrorCodes.SERVER_BUSY, `more than ${this.maxPendingProposals} proposals waiting`));
      }
      const proposalId = this.nextProposalId++;
      const encoded = encodeCommand(command);
      // A committed entry that the state machine cannot decode would stop every member at every
      // restart: refuse it here, while it is still only a request (it costs one decode per write).
      try {
        decodeCommand(encoded);
      } catch (err) {
        return reject(invalidArgument('command', `the command would not decode when applied: ${(err as Error).message}`));
      }
      const envelope = basalt.coordrpc.ProposalEnvelope.encode({ memberId: this.id, proposalId, command: encoded }).finish();
      try {
        this.node.propose(envelope);
        this.proposalsTotal++;
      } catch (err) {
        return reject(err instanceof BasaltError ? this.withAddressHint(err) : new BasaltError(ErrorCodes.PROPOSAL_DROPPED, String(err)));
      }
      this.proposals.set(proposalId, { resolve, reject });
      this.scheduleReady();
    });
  }

  reconfigure(change: MembershipChange): Promise<ConfState> {
    return changeMembership(
      {
        id: this.id,
        isLeader: () => this.isLeader(),
        confState: () => this.confState,
        raftStatus: () => this.node.status(),
        proposeConfChange: (c) => this.proposeConfChange(c),
        waitUntil: (what, condition, timeoutMs) => this.waitUntil(what, condition, timeoutMs),
      },
      change,
    );
  }

  clusterId(): string {
    return this.options.peerAuth?.clusterId ?? '';
  }

  /** The configuration as last applied here. */
  currentConfState(): ConfState {
    return this.confState;
  }

  /** Leader only: proposes one configuration change (see membership.ts for the steps). */
  proposeConfChange(change: ConfChange): void {
    if (this.failed) throw new BasaltError(ErrorCodes.INTERNAL, 'member failed');
    if (!this.isLeader()) throw this.notLeader();
    try {
      this.node.proposeConfChange(change);
    } catch (err) {
      throw err instanceof BasaltError ? this.withAddressHint(err) : err;
    }
    this.scheduleReady();
  }

  /** Resolves once `condition` holds, checked on every tick and applied configuration change. */
  waitUntil(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
    return this.waiters.waitUntil(what, condition, timeoutMs, () => this.closed || this.failed !== undefined);
  }

  /** A configuration change applied: members learn the added member's address (the entry's context). */
  private onConfChangeApplied(change: ConfChange): void {
    applyPeerChange(this.id, this.peers, this.transport, change);
    this.logger.info({ change: ConfChangeType[change.type], member: change.nodeId, voters: this.confState.voters, learners: this.confState.learners }, 'configuration changed');
    this.options.onPeersChanged?.(new Map(this.peers));
    this.waiters.checkAll();
  }

  /** A member this one accepts Raft messages from: a configured peer or in the current configuration. */
  isKnownPeer(id: NodeId): boolean {
    if (this.peers.has(id)) return true;
    const status = this.node.status();
    return status.voters.includes(id) || status.learners.includes(id);
  }

  readBarrier(): Promise<void> {
    if (!this.isLeader()) return Promise.reject(this.notLeader());
    return this.reads.barrier();
  }

  // ------------------------------------------------------------------------------------------
  // Status.

  /** The log storage's first retained index (compaction moves it forward). */
  firstLogIndex(): number {
    return this.storage.firstIndex();
  }

  raftStatus(): RaftStatus {
    return this.node.status();
  }

  status(selfAddress: string): basalt.coordrpc.StatusResponse.$Properties {
    const s = this.node.status();
    return {
      id: this.id,
      address: selfAddress,
      role: s.role,
      term: s.term,
      commitIndex: s.commit,
      appliedIndex: this.applied,
      leaderId: s.leader,
      leaderAddress: s.leader ? (this.options.clientAddressOf?.(s.leader) ?? this.peers.get(s.leader) ?? '') : '',
      members: [...this.peers].map(([id, address]) => ({ id, address })),
      sessions: this.sm.liveSessions().length,
      znodes: this.sm.nodeCount,
      watches: this.sm.watches.count,
      proposalsTotal: this.proposalsTotal,
    };
  }

  // ------------------------------------------------------------------------------------------
  // The Ready loop.

  private scheduleReady(): void {
    if (this.closed || this.failed) return;
    this.driver.wake();
  }

  /** A broken invariant: serve nothing more, fail every waiting request, and let the daemon exit non-zero. */
  private fail(err: unknown): void {
    if (this.failed) return;
    this.failed = err;
    this.driver.stop();
    this.logger.fatal({ err }, 'coordination member stopped: broken invariant');
    if (this.ticker) clearInterval(this.ticker);
    for (const stream of [...this.streams.values()]) stream.close();
    this.failAll(new BasaltError(ErrorCodes.INTERNAL, `member failed: ${(err as Error).message}`));
    this.options.onFatal?.(err);
  }

  private installSnapshot(snapshot: Snapshot): void {
    this.sm = snapshot.data.byteLength > 0 ? CoordStateMachine.restore(snapshot.data, this.smOptions, this.sm.watches) : new CoordStateMachine(this.smOptions, this.sm.watches);
    this.applied = snapshot.metadata.index;
    this.lastSnapshotIndex = snapshot.metadata.index;
    this.confState = snapshot.metadata.confState;
    this.snapshotsInstalled++;
    this.logger.info({ index: snapshot.metadata.index }, 'installed snapshot from leader');
  }

  private applyEntry(entry: Entry): void {
    if (entry.index <= this.applied) return;
    this.bytesSinceSnapshot += entry.data.byteLength;
    if (entry.type === EntryType.ConfChange) {
      const change = decodeConfChange(entry.data);
      this.confState = this.node.applyConfChange(change);
      this.onConfChangeApplied(change);
    } else if (entry.type === EntryType.Normal && entry.data.byteLength > 0) {
      const envelope = basalt.coordrpc.ProposalEnvelope.decode(entry.data);
      const command = decodeCommand(envelope.command);
      const applied = this.sm.apply(entry.index, command);
      this.applied = entry.index;
      for (const event of applied.events) {
        for (const sessionId of event.sessionIds) this.streams.get(sessionId)?.deliver(event);
      }
      this.afterApply(command, applied.outcome.ok ? applied.outcome.result : undefined, applied.endedSessions);
      if (envelope.memberId === this.id) {
        const pending = this.proposals.get(Number(envelope.proposalId));
        if (pending) {
          this.proposals.delete(Number(envelope.proposalId));
          if (applied.outcome.ok) pending.resolve({ result: applied.outcome.result, zxid: entry.index });
          else pending.reject(applied.outcome.error);
        }
      }
    }
    this.applied = entry.index;
  }

  private afterApply(command: CoordCommand, result: CommandResult | undefined, endedSessions: SessionId[]): void {
    this.leases.onApplied(command, result, endedSessions);
    for (const id of endedSessions) this.streams.get(id)?.sessionEnded();
  }

  private onSoftState(role: Role, leader: NodeId): void {
    const wasLeader = this.role === Role.Leader;
    this.role = role;
    this.leaderId = leader;
    this.logger.info({ role, leader, term: this.node.status().term }, 'raft role changed');
    if (wasLeader && role !== Role.Leader) {
      this.leases.leadershipLost();
      // Sessions follow the leader: end every stream so its client reconnects there.
      for (const stream of [...this.streams.values()]) stream.close();
      this.failAll(this.notLeader());
    }
    if (!wasLeader && role === Role.Leader) this.leases.leadershipGained();
  }

  private maybeSnapshot(): void {
    const byCount = this.applied - this.lastSnapshotIndex >= this.options.config.snapshotEntries;
    // The file log keeps the retained entries in memory: bound their bytes too, not just their count.
    if (!byCount && this.bytesSinceSnapshot < this.options.config.snapshotBytes) return;
    this.bytesSinceSnapshot = 0;
    const index = this.applied;
    this.driver.flushDeferredHardState();
    this.storage.createSnapshot(index, this.confState, this.sm.snapshot());
    const compactTo = index - (this.options.catchUpEntries ?? DEFAULT_CATCH_UP_ENTRIES);
    if (compactTo > this.storage.firstIndex()) this.storage.compact(compactTo);
    this.lastSnapshotIndex = index;
    this.snapshotsTaken++;
    this.logger.info({ index }, 'snapshot taken');
  }

  private failAll(error: BasaltError): void {
    for (const p of this.proposals.values()) p.reject(error);
    this.proposals.clear();
    this.reads.failAll(error);
  }

  private notLeader(): BasaltError {
    const leaderHint = this.role === Role.Leader ? '' : this.leaderAddress();
    return new BasaltError(ErrorCodes.NOT_LEADER, leaderHint ? `not the leader; try ${leaderHint}` : 'not the leader; no leader known', { leaderHint });
  }

  /** The core's NOT_LEADER names a node id; clients need an address. */
  private withAddressHint(err: BasaltError): BasaltError {
    if (err.code !== ErrorCodes.NOT_LEADER) return err;
    return this.notLeader();
  }
}

