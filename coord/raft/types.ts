/**
 * The pure Raft core's vocabulary (after etcd-io/raft's raftpb). The core is a synchronous
 * state machine: tick(), step(message), propose(data), readIndex(ctx), ready() → Ready, advance().
 * Nothing in it awaits, starts a timer, opens a socket or touches a file; adapters persist, send
 * and apply in the safe order (persist → send → apply → advance).
 *
 * This file is the contract between the core (coord/raft/) and its adapters (coord/server/).
 */

export type NodeId = number;

export enum EntryType {
  /** An application command (the coordination tree's operations). */
  Normal = 0,
  /** A single-member configuration change (ConfChange encoded in data). */
  ConfChange = 1,
  /** The empty entry a new leader appends to commit entries of earlier terms. */
  Empty = 2,
}

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  data: Uint8Array;
}

export interface HardState {
  term: number;
  vote: NodeId; // 0 = none
  commit: number;
}

export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

export interface SnapshotMetadata {
  index: number;
  term: number;
  confState: ConfState;
}

export interface Snapshot {
  metadata: SnapshotMetadata;
  /** The application state machine's serialized state at metadata.index. */
  data: Uint8Array;
}

export enum ConfChangeType {
  AddNode = 0,
  RemoveNode = 1,
  AddLearner = 2,
}

export interface ConfChange {
  type: ConfChangeType;
  nodeId: NodeId;
  /** Opaque to the core: e.g. the member's address. */
  context: Uint8Array;
}

export enum MessageType {
  Heartbeat = 'Heartbeat',
  HeartbeatResponse = 'HeartbeatResponse',
  Append = 'Append',
  AppendResponse = 'AppendResponse',
  Vote = 'Vote',
  VoteResponse = 'VoteResponse',
  PreVote = 'PreVote',
  PreVoteResponse = 'PreVoteResponse',
  Snapshot = 'Snapshot',
  /** Leadership transfer: the leader tells the target to campaign now. */
  TimeoutNow = 'TimeoutNow',
  /** A follower forwards a read-index request to the leader. */
  ReadIndex = 'ReadIndex',
  ReadIndexResponse = 'ReadIndexResponse',
}

export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  /** Append: index/term of the entry before `entries`. Responses: the match or hint index. */
  index: number;
  logTerm: number;
  entries: Entry[];
  commit: number;
  /** Responses: true when the request was rejected. */
  reject: boolean;
  /** AppendResponse rejection: the follower's last index, a hint for the next probe. */
  rejectHint: number;
  snapshot?: Snapshot;
  /** ReadIndex / heartbeat context: identifies the read request being confirmed. */
  context?: Uint8Array;
}

/** A read-index request that is now safe to serve once the local applied index ≥ index. */
export interface ReadState {
  index: number;
  context: Uint8Array;
}

export enum Role {
  Follower = 'follower',
  PreCandidate = 'pre-candidate',
  Candidate = 'candidate',
  Leader = 'leader',
}

export interface SoftState {
  leader: NodeId; // 0 = unknown
  role: Role;
}

/**
 * Everything the adapter must do before calling advance(). The core also decides what may
 * happen before this Ready's writes are durable (etcd-io/raft's msgsAfterAppend): `messages`
 * may leave at once, `messagesAfterPersist` only once snapshot, entries and hard state are on
 * disk; the first `applyBeforePersist` committed entries were durable before this Ready and may
 * be applied at once, the rest only after the persist. A driver that persists synchronously
 * may simply persist first and then do everything (the textbook loop).
 */
export interface Ready {
  /** Set when role or leader changed since the last Ready. */
  softState?: SoftState;
  /** Persist (durably) when set. */
  hardState?: HardState;
  /** Append to stable storage (may overwrite a conflicting suffix). */
  entries: Entry[];
  /** Persist and apply (restore the state machine) when set. */
  snapshot?: Snapshot;
  /**
   * May be sent before this Ready is persisted: a leader's Appends and Heartbeats, heartbeat
   * answers and read-index traffic, and only when the Ready changes neither term nor vote and
   * carries no snapshot. None of them promises anything about this node's durable state.
   */
  messages: Message[];
  /**
   * Send only after this Ready's snapshot, entries and hard state are durable: acknowledgements
   * of entries, votes and pre-votes, snapshots, TimeoutNow, and everything in a Ready that
   * changes term or vote or installs a snapshot.
   */
  messagesAfterPersist: Message[];
  /** Apply to the state machine in order (a prefix may go early, see applyBeforePersist). */
  committedEntries: Entry[];
  /**
   * How many of committedEntries (a prefix) were already durable in this node's log before this
   * Ready, so may be applied before its persist completes. Committed entries are never
   * truncated, so those durable copies stay valid. 0 when the Ready carries a snapshot.
   */
  applyBeforePersist: number;
  /** Reads confirmed since the last Ready. */
  readStates: ReadState[];
}

/** Every message of a Ready, in the order a persist-first (textbook) loop sends them. */
export function allMessages(rd: Ready): Message[] {
  return rd.messagesAfterPersist.length === 0 ? rd.messages : rd.messages.concat(rd.messagesAfterPersist);
}

/**
 * The core's view of stable storage (log, hard state, snapshot). Implementations: in memory
 * (simulation) and LMDB (coord/storage). Reads are synchronous: LMDB reads are, and the core
 * must never await.
 */
export interface RaftStorage {
  initialState(): { hardState: HardState; confState: ConfState };
  /** Entries in [lo, hi), at most maxBytes in total but always at least one when lo < hi. */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  /** Term of the entry at index (also valid for the snapshot's index). Throws if compacted. */
  term(index: number): number;
  firstIndex(): number;
  lastIndex(): number;
  snapshot(): Snapshot;
}

export interface RaftConfig {
  id: NodeId;
  /** Ticks without hearing from a leader before campaigning; randomised in [n, 2n). */
  electionTicks: number;
  heartbeatTicks: number;
  storage: RaftStorage;
  /** Applied index to resume from after a restart. */
  applied: number;
  /** Flow control: the most bytes in one Append and the most unacknowledged Appends in flight. */
  maxSizePerMessage: number;
  maxInflightMessages: number;
  preVote: boolean;
  checkQuorum: boolean;
  /** Seeded randomness for election timeouts (STYLE.md §2). */
  random: () => number;
  /**
   * Leader only: the most payload bytes proposed but not yet applied; beyond it propose()
   * throws SERVER_BUSY (STYLE.md §8). Optional; default 32 MiB. One entry is always accepted
   * when nothing is outstanding, so a single large command cannot wedge the leader.
   */
  maxUncommittedEntriesBytes?: number;
}

/** A leader's view of one peer's replication (etcd's tracker.Progress). */
export enum ProgressState {
  /** Sends one Append at a time until the follower's match index is found. */
  Probe = 'probe',
  /** Streams Appends optimistically, bounded by the inflight window. */
  Replicate = 'replicate',
  /** Waits for a snapshot to be installed; sends nothing else. */
  Snapshot = 'snapshot',
}

export interface ProgressStatus {
  match: number;
  next: number;
  state: ProgressState;
  /** Heard from within the current election timeout (check-quorum). */
  recentActive: boolean;
  isLearner: boolean;
}

/** A point-in-time view of a RaftNode, for status pages, tests and the adapter's decisions. */
export interface RaftStatus {
  id: NodeId;
  term: number;
  vote: NodeId;
  commit: number;
  applied: number;
  lastIndex: number;
  leader: NodeId; // 0 = unknown
  role: Role;
  voters: NodeId[];
  learners: NodeId[];
  /** The node a leadership transfer is heading to (leader only), 0 when none. */
  leadTransferee: NodeId;
  /** Per-peer replication state (leader only). */
  progress?: Record<number, ProgressStatus>;
}
