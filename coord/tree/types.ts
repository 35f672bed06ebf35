/**
 * The coordination tree's vocabulary: the commands that travel through the Raft log, the reads
 * served after a read-index, their results, znode stats and watch events.
 *
 * This file is the contract between the state machine (coord/tree/) and the coordination server
 * (coord/server/): the server encodes a CoordCommand with coord/tree/codec.ts, proposes it, and
 * on commit calls CoordStateMachine.apply(entry.index, decodeCommand(entry.data)).
 *
 * Time never comes from a clock here: the leader stamps `nowMs` into each command it proposes,
 * so every member applies the same time and ends in the same state.
 */
import type { BasaltError } from '../../common/errors.js';

/** A Raft log index used as ZooKeeper's zxid: unique, increasing, the same on every member. */
export type Zxid = number;

/** A session id chosen by the proposer (the server); 0 means "no session" (admin writes). */
export type SessionId = number;

export enum CreateMode {
  PERSISTENT = 0,
  EPHEMERAL = 1,
  PERSISTENT_SEQUENTIAL = 2,
  EPHEMERAL_SEQUENTIAL = 3,
}

export function isEphemeralMode(mode: CreateMode): boolean {
  return mode === CreateMode.EPHEMERAL || mode === CreateMode.EPHEMERAL_SEQUENTIAL;
}

export function isSequentialMode(mode: CreateMode): boolean {
  return mode === CreateMode.PERSISTENT_SEQUENTIAL || mode === CreateMode.EPHEMERAL_SEQUENTIAL;
}

/** ZooKeeper's Stat, field for field. */
export interface Stat {
  /** zxid of the create. */
  czxid: Zxid;
  /** zxid of the last setData (or the create). */
  mzxid: Zxid;
  /** zxid of the last change to the children list (or the create). */
  pzxid: Zxid;
  /** Leader's wall clock at the create, ms. */
  ctime: number;
  /** Leader's wall clock at the last setData, ms. */
  mtime: number;
  /** Number of setData calls since create. */
  version: number;
  /** Number of child creations since create (deletes do not count, as in ZooKeeper); also the sequential-suffix counter. */
  cversion: number;
  /** ACL version: always 0 (no ACLs). */
  aversion: number;
  /** Owning session of an ephemeral node, else 0. */
  ephemeralOwner: SessionId;
  dataLength: number;
  numChildren: number;
}

export interface StateMachineOptions {
  /** Largest znode payload; a larger one fails with DATA_TOO_LARGE. ZooKeeper's default: 1 MiB. */
  maxDataBytes: number;
  /** Session timeouts are clamped into [min, max] as ZooKeeper negotiates them. */
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** Bound on watches one session may hold on this server (SERVER_BUSY beyond). Default 100_000. */
  maxWatchesPerSession?: number;
  /** Bound on ops in one multi (INVALID_ARGUMENT beyond). Default 1_000. */
  maxMultiOps?: number;
}

export const DEFAULT_STATE_MACHINE_OPTIONS: Required<StateMachineOptions> = {
  maxDataBytes: 1024 * 1024,
  minSessionTimeoutMs: 4_000,
  maxSessionTimeoutMs: 40_000,
  maxWatchesPerSession: 100_000,
  maxMultiOps: 1_000,
};

// ---------------------------------------------------------------------------------------------
// Commands (replicated through the Raft log).

/** Opens a session (idempotent: re-applying it for a live id refreshes its deadline). */
export interface CreateSessionCommand {
  type: 'createSession';
  sessionId: SessionId;
  /** The secret a resume must present (ZooKeeper's session password); chosen by the proposer. */
  password?: Uint8Array;
  /** Requested timeout; the applied one is clamped into [minSessionTimeoutMs, maxSessionTimeoutMs]. */
  timeoutMs: number;
  nowMs: number;
}

/** Keep-alives the leader batches: each named live session's deadline becomes now + timeout. */
export interface TouchSessionsCommand {
  type: 'touchSessions';
  sessionIds: SessionId[];
  nowMs: number;
}

/**
 * The first command of a new leader: every live session's deadline becomes at least
 * now + timeout, so no session expires because leadership moved.
 */
export interface ExtendAllSessionsCommand {
  type: 'extendAll';
  nowMs: number;
}

/** A client's orderly close: deletes its ephemerals, like expiry. */
export interface CloseSessionCommand {
  type: 'closeSession';
  sessionId: SessionId;
  nowMs: number;
}

/**
 * Proposed by the leader only (from SessionTracker.expired): ends each session and deletes its
 * ephemerals in one step, sessions in the given order, each session's nodes in path order.
 */
export interface ExpireSessionsCommand {
  type: 'expireSessions';
  sessionIds: SessionId[];
  nowMs: number;
}

export interface CreateCommand {
  type: 'create';
  path: string;
  data: Uint8Array;
  mode: CreateMode;
  /** Required (live) for ephemerals; 0 allowed for persistent nodes. */
  sessionId: SessionId;
  nowMs: number;
}

export interface DeleteCommand {
  type: 'delete';
  path: string;
  /** Expected version; -1 = any. */
  version: number;
  /** When non-zero it must name a live session (fences a client whose session ended). */
  sessionId: SessionId;
  nowMs: number;
}

export interface SetDataCommand {
  type: 'setData';
  path: string;
  data: Uint8Array;
  /** Expected version; -1 = any. */
  version: number;
  sessionId: SessionId;
  nowMs: number;
}

export type MultiOp =
  | { type: 'check'; path: string; version: number }
  | { type: 'create'; path: string; data: Uint8Array; mode: CreateMode }
  | { type: 'setData'; path: string; data: Uint8Array; version: number }
  | { type: 'delete'; path: string; version: number };

/** All or nothing: either every op applies (one zxid) or none does and the first failure is returned. */
export interface MultiCommand {
  type: 'multi';
  ops: MultiOp[];
  sessionId: SessionId;
  nowMs: number;
}

/** A no-op barrier: once applied, everything proposed before it is applied here too. */
export interface SyncCommand {
  type: 'sync';
}

export type CoordCommand =
  | CreateSessionCommand
  | TouchSessionsCommand
  | ExtendAllSessionsCommand
  | CloseSessionCommand
  | ExpireSessionsCommand
  | CreateCommand
  | DeleteCommand
  | SetDataCommand
  | MultiCommand
  | SyncCommand;

// ---------------------------------------------------------------------------------------------
// Results of apply.

export type MultiOpResult =
  | { type: 'check' }
  | { type: 'create'; path: string; stat: Stat }
  | { type: 'setData'; stat: Stat }
  | { type: 'delete' };

export type CommandResult =
  | { type: 'createSession'; sessionId: SessionId; timeoutMs: number }
  | { type: 'touchSessions'; touched: SessionId[] }
  | { type: 'extendAll'; sessionCount: number }
  | { type: 'closeSession'; deleted: string[] }
  | { type: 'expireSessions'; expired: SessionId[]; deleted: string[] }
  /** `path` is the actual name (with the sequential suffix, if any). */
  | { type: 'create'; path: string; stat: Stat }
  | { type: 'delete' }
  | { type: 'setData'; stat: Stat }
  | { type: 'multi'; results: MultiOpResult[] }
  | { type: 'sync' };

/**
 * Outcome of one command. A failed command changed nothing; its error has a stable code
 * (NO_NODE, BAD_VERSION, …) and for a multi, `details.opIndex` names the failing op.
 */
export type CommandOutcome = { ok: true; result: CommandResult } | { ok: false; error: BasaltError };

export interface ApplyResult {
  index: number;
  zxid: Zxid;
  outcome: CommandOutcome;
  /** Watch events this command fired, in order, already routed to sessions on this server. */
  events: WatchEvent[];
  /** Sessions this command ended (closed or expired): the server drops their connections. */
  endedSessions: SessionId[];
}

// ---------------------------------------------------------------------------------------------
// Reads (served locally after a read-index; they may register a watch).

export type CoordRead =
  | { type: 'getData'; path: string; watch?: boolean; sessionId?: SessionId }
  | { type: 'exists'; path: string; watch?: boolean; sessionId?: SessionId }
  | { type: 'getChildren'; path: string; watch?: boolean; sessionId?: SessionId }
  | { type: 'getEphemerals'; sessionId: SessionId }
  | { type: 'getSession'; sessionId: SessionId };

export interface SessionInfo {
  sessionId: SessionId;
  timeoutMs: number;
  /** Leader-time deadline as last replicated (touch/extend); the leader's tracker may be fresher. */
  deadlineMs: number;
  /** The session password (absent for sessions created before passwords existed). */
  password?: Uint8Array;
}

export type ReadResult =
  | { type: 'getData'; data: Uint8Array; stat: Stat }
  /** stat is null when the node does not exist (not an error, as in ZooKeeper). */
  | { type: 'exists'; stat: Stat | null }
  /** children sorted by name (UTF-16 code unit order: deterministic). */
  | { type: 'getChildren'; children: string[]; stat: Stat }
  | { type: 'getEphemerals'; paths: string[] }
  | { type: 'getSession'; session: SessionInfo | null };

// ---------------------------------------------------------------------------------------------
// Watches (per server, never replicated).

export enum WatchEventType {
  NodeCreated = 'NodeCreated',
  NodeDeleted = 'NodeDeleted',
  NodeDataChanged = 'NodeDataChanged',
  NodeChildrenChanged = 'NodeChildrenChanged',
}

export interface WatchEvent {
  type: WatchEventType;
  path: string;
  /** zxid of the command that fired it (clients remember the last one for SetWatches). */
  zxid: Zxid;
  /** Sessions to deliver to, ascending; each at most once for this (type, path). */
  sessionIds: SessionId[];
}

/** ZooKeeper 3.6 addWatch modes. */
export enum AddWatchMode {
  PERSISTENT = 0,
  PERSISTENT_RECURSIVE = 1,
}

/** Which watches removeWatches drops (ZooKeeper's WatcherType). */
export enum WatcherType {
  Children = 'Children',
  Data = 'Data',
  Any = 'Any',
}

/** What a reconnecting client re-registers (ZooKeeper's SetWatches2). */
export interface WatchSet {
  data: string[];
  exist: string[];
  child: string[];
  persistent: string[];
  persistentRecursive: string[];
}
