/**
 * The client-facing vocabulary of the coordination service (ZooKeeper's, in TypeScript form) and
 * its conversions from the wire types.
 */
import { basalt } from '../../proto/generated/basalt.js';
import { invalidArgument } from '../../common/errors.js';
import type { Clock } from '../../common/clock.js';
import type { Random } from '../../common/random.js';

/** How a CoordClient connects and bounds its calls. */
export interface CoordClientOptions {
  /** Members to connect to: "H:P,H:P" or an array. */
  servers: string | string[];
  /** Resume this existing session instead of opening a new one (ZooKeeper's sessionId argument). */
  sessionId?: number;
  /** With `sessionId`: the session's password (`client.sessionPassword` of the handle that opened it). */
  sessionPassword?: Uint8Array;
  /** Requested session timeout; the service clamps it to its [min, max]. Default 10 s. */
  sessionTimeoutMs?: number;
  /** One connection attempt's deadline. Default 2 s. */
  connectTimeoutMs?: number;
  /** `CoordClient.connect` gives up after this long without a session. Default 20 s. */
  initialConnectTimeoutMs?: number;
  /** A call not answered within this fails with TIMEOUT. Default 30 s. */
  requestTimeoutMs?: number;
  /** Most calls in flight or queued; beyond it a call fails with SERVER_BUSY. Default 10,000. */
  maxPendingCalls?: number;
  clock?: Clock;
  random?: Random;
}

/** ZooKeeper's Stat. Every zxid is the Raft log index of the entry that made the change. */
export interface Stat {
  czxid: number;
  mzxid: number;
  pzxid: number;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  /** The owning session of an ephemeral node; 0 for a persistent one. */
  ephemeralOwner: number;
  dataLength: number;
  numChildren: number;
}

export type CreateMode = 'persistent' | 'ephemeral' | 'persistent_sequential' | 'ephemeral_sequential';

export type WatchEventType = 'created' | 'deleted' | 'dataChanged' | 'childrenChanged';

export interface WatchedEvent {
  type: WatchEventType;
  path: string;
  zxid: number;
}

export type Watcher = (event: WatchedEvent) => void;

/** Connection states a caller can fence itself on (ZooKeeper/Curator's, simplified). */
export type ConnectionState = 'connecting' | 'connected' | 'suspended' | 'expired' | 'closed';

export type MultiOp =
  | { op: 'create'; path: string; data?: Uint8Array | string; mode?: CreateMode }
  | { op: 'delete'; path: string; version?: number }
  | { op: 'setData'; path: string; data: Uint8Array | string; version?: number }
  | { op: 'check'; path: string; version: number };

export type MultiResult =
  | { op: 'create'; path: string; stat: Stat }
  | { op: 'delete' }
  | { op: 'setData'; stat: Stat }
  | { op: 'check' };

const CREATE_MODES: Record<CreateMode, basalt.coordrpc.CreateMode> = {
  persistent: basalt.coordrpc.CreateMode.PERSISTENT,
  ephemeral: basalt.coordrpc.CreateMode.EPHEMERAL,
  persistent_sequential: basalt.coordrpc.CreateMode.PERSISTENT_SEQUENTIAL,
  ephemeral_sequential: basalt.coordrpc.CreateMode.EPHEMERAL_SEQUENTIAL,
};

/** The wire mode; an unknown mode (a typo) is INVALID_ARGUMENT naming `field`, never PERSISTENT. */
export function createModeToWire(mode: CreateMode, field = 'mode'): basalt.coordrpc.CreateMode {
  if (!Object.prototype.hasOwnProperty.call(CREATE_MODES, mode)) {
    throw invalidArgument(field, `unknown create mode ${JSON.stringify(mode)}; expected one of ${Object.keys(CREATE_MODES).join(', ')}`);
  }
  return CREATE_MODES[mode];
}

export function createModeFromWire(mode: basalt.coordrpc.CreateMode | null | undefined): CreateMode {
  switch (mode ?? 0) {
    case basalt.coordrpc.CreateMode.EPHEMERAL:
      return 'ephemeral';
    case basalt.coordrpc.CreateMode.PERSISTENT_SEQUENTIAL:
      return 'persistent_sequential';
    case basalt.coordrpc.CreateMode.EPHEMERAL_SEQUENTIAL:
      return 'ephemeral_sequential';
    default:
      return 'persistent';
  }
}

export function createModeOf(options: { mode?: CreateMode; ephemeral?: boolean; sequential?: boolean }): CreateMode {
  if (options.mode !== undefined) return options.mode;
  if (options.ephemeral) return options.sequential ? 'ephemeral_sequential' : 'ephemeral';
  return options.sequential ? 'persistent_sequential' : 'persistent';
}

export function statFromWire(stat: basalt.coordrpc.Stat.$Properties | null | undefined): Stat {
  return {
    czxid: Number(stat?.czxid ?? 0),
    mzxid: Number(stat?.mzxid ?? 0),
    pzxid: Number(stat?.pzxid ?? 0),
    ctime: Number(stat?.ctime ?? 0),
    mtime: Number(stat?.mtime ?? 0),
    version: stat?.version ?? 0,
    cversion: stat?.cversion ?? 0,
    ephemeralOwner: Number(stat?.ephemeralOwner ?? 0),
    dataLength: stat?.dataLength ?? 0,
    numChildren: stat?.numChildren ?? 0,
  };
}

export function statToWire(stat: Stat): basalt.coordrpc.Stat.$Properties {
  return { ...stat };
}

const EVENT_TYPES: Record<number, WatchEventType> = {
  [basalt.coordrpc.EventType.NODE_CREATED]: 'created',
  [basalt.coordrpc.EventType.NODE_DELETED]: 'deleted',
  [basalt.coordrpc.EventType.NODE_DATA_CHANGED]: 'dataChanged',
  [basalt.coordrpc.EventType.NODE_CHILDREN_CHANGED]: 'childrenChanged',
};

export function eventFromWire(event: basalt.coordrpc.WatchEvent.$Properties): WatchedEvent {
  return { type: EVENT_TYPES[event.type ?? 0] ?? 'dataChanged', path: event.path ?? '', zxid: Number(event.zxid ?? 0) };
}

export function eventTypeToWire(type: WatchEventType): basalt.coordrpc.EventType {
  switch (type) {
    case 'created':
      return basalt.coordrpc.EventType.NODE_CREATED;
    case 'deleted':
      return basalt.coordrpc.EventType.NODE_DELETED;
    case 'dataChanged':
      return basalt.coordrpc.EventType.NODE_DATA_CHANGED;
    case 'childrenChanged':
      return basalt.coordrpc.EventType.NODE_CHILDREN_CHANGED;
  }
}

export function toData(data: Uint8Array | string | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}
