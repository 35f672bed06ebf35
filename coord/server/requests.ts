/**
 * Translation between the client wire protocol (proto/coord.proto) and the state machine's
 * vocabulary (coord/tree/types.ts): which requests are writes (proposed through Raft), which are
 * reads (served after a read-index), and how results travel back. Requests are validated here
 * before anything is proposed, so a bad path or an oversized payload never reaches the log.
 */
import { BasaltError, ErrorCodes, invalidArgument } from '../../common/errors.js';
import { basalt } from '../../proto/generated/basalt.js';
import {
  CreateMode,
  validatePath,
  isSequentialMode,
  type CommandResult,
  type CoordCommand,
  type CoordRead,
  type MultiOp,
  type ReadResult,
  type SessionId,
  type Stat,
  type WatchEvent,
  WatchEventType,
} from '../tree/index.js';
import type { ClientRequest, WireResponse } from '../client/protocol.js';

type WireStat = basalt.coordrpc.Stat.$Properties;
type Fields = Omit<WireResponse, 'xid' | 'zxid' | 'error'>;

export interface RequestLimits {
  maxDataBytes: number;
  maxMultiOps: number;
}

function createMode(mode: basalt.coordrpc.CreateMode | null | undefined): CreateMode {
  const m = mode ?? 0;
  if (m < 0 || m > 3) throw invalidArgument('mode', `unknown create mode ${m}`);
  return m as number as CreateMode;
}

function data(bytes: Uint8Array | null | undefined, limits: RequestLimits, field = 'data'): Uint8Array {
  const out = bytes ?? new Uint8Array(0);
  if (out.byteLength > limits.maxDataBytes) {
    throw new BasaltError(ErrorCodes.DATA_TOO_LARGE, `${field}: ${out.byteLength} bytes is more than the limit of ${limits.maxDataBytes}`, {
      field,
      limit: limits.maxDataBytes,
    });
  }
  return out;
}

function version(v: number | null | undefined, field = 'version'): number {
  const n = v ?? 0;
  if (!Number.isInteger(n) || n < -1) throw invalidArgument(field, 'must be -1 (any) or a version ≥ 0');
  return n;
}

function path(p: string | null | undefined, field = 'path', sequential = false): string {
  const value = p ?? '';
  validatePath(value, field, sequential);
  return value;
}

/** The write a request stands for, or undefined when it is not a write. Throws on bad input. */
export function toCommand(request: ClientRequest, sessionId: SessionId, nowMs: number, limits: RequestLimits): CoordCommand | undefined {
  if (request.create) {
    const mode = createMode(request.create.mode);
    return {
      type: 'create',
      path: path(request.create.path, 'path', isSequentialMode(mode)),
      data: data(request.create.data, limits),
      mode,
      sessionId,
      nowMs,
    };
  }
  if (request.delete) {
    return { type: 'delete', path: path(request.delete.path), version: version(request.delete.version), sessionId, nowMs };
  }
  if (request.setData) {
    return {
      type: 'setData',
      path: path(request.setData.path),
      data: data(request.setData.data, limits),
      version: version(request.setData.version),
      sessionId,
      nowMs,
    };
  }
  if (request.multi) {
    const wireOps = request.multi.ops ?? [];
    if (wireOps.length > limits.maxMultiOps) throw invalidArgument('ops', `more than ${limits.maxMultiOps} ops in one multi`);
    let total = 0;
    const ops = wireOps.map((op, i): MultiOp => {
      const f = `ops[${i}]`;
      if (op.create) {
        const mode = createMode(op.create.mode);
        const d = data(op.create.data, limits, `${f}.data`);
        total += d.byteLength;
        return { type: 'create', path: path(op.create.path, `${f}.path`, isSequentialMode(mode)), data: d, mode };
      }
      if (op.delete) return { type: 'delete', path: path(op.delete.path, `${f}.path`), version: version(op.delete.version, `${f}.version`) };
      if (op.setData) {
        const d = data(op.setData.data, limits, `${f}.data`);
        total += d.byteLength;
        return { type: 'setData', path: path(op.setData.path, `${f}.path`), data: d, version: version(op.setData.version, `${f}.version`) };
      }
      if (op.check) return { type: 'check', path: path(op.check.path, `${f}.path`), version: version(op.check.version, `${f}.version`) };
      throw invalidArgument(f, 'empty op');
    });
    if (total > limits.maxDataBytes) {
      throw new BasaltError(ErrorCodes.DATA_TOO_LARGE, `ops: ${total} bytes in one multi is more than ${limits.maxDataBytes}`, { field: 'ops' });
    }
    return { type: 'multi', ops, sessionId, nowMs };
  }
  return undefined;
}

/** The local read a request stands for (served after a read-index), or undefined. */
export function toRead(request: ClientRequest, sessionId: SessionId): CoordRead | undefined {
  if (request.getData) return { type: 'getData', path: path(request.getData.path), watch: request.getData.watch ?? false, sessionId };
  if (request.exists) return { type: 'exists', path: path(request.exists.path), watch: request.exists.watch ?? false, sessionId };
  if (request.getChildren) return { type: 'getChildren', path: path(request.getChildren.path), watch: request.getChildren.watch ?? false, sessionId };
  return undefined;
}

export function statToWire(stat: Stat): WireStat {
  return {
    czxid: stat.czxid,
    mzxid: stat.mzxid,
    pzxid: stat.pzxid,
    ctime: stat.ctime,
    mtime: stat.mtime,
    version: stat.version,
    cversion: stat.cversion,
    ephemeralOwner: stat.ephemeralOwner,
    dataLength: stat.dataLength,
    numChildren: stat.numChildren,
  };
}

export function commandResultToWire(result: CommandResult): Fields {
  switch (result.type) {
    case 'create':
      return { create: { path: result.path, stat: statToWire(result.stat) } };
    case 'setData':
      return { stat: { stat: statToWire(result.stat) } };
    case 'multi':
      return {
        multi: {
          results: result.results.map((r) => {
            switch (r.type) {
              case 'create':
                return { create: { path: r.path, stat: statToWire(r.stat) } };
              case 'setData':
                return { setData: { stat: statToWire(r.stat) } };
              case 'delete':
                return { deleted: true };
              case 'check':
                return { checked: true };
            }
          }),
        },
      };
    default:
      return { empty: {} };
  }
}

export function readResultToWire(result: ReadResult): Fields {
  switch (result.type) {
    case 'getData':
      return { getData: { data: result.data, stat: statToWire(result.stat) } };
    case 'exists':
      return { stat: result.stat ? { stat: statToWire(result.stat) } : {} };
    case 'getChildren':
      return { getChildren: { children: result.children, stat: statToWire(result.stat) } };
    default:
      return { empty: {} };
  }
}

const EVENT_TYPE: Record<WatchEventType, basalt.coordrpc.EventType> = {
  [WatchEventType.NodeCreated]: basalt.coordrpc.EventType.NODE_CREATED,
  [WatchEventType.NodeDeleted]: basalt.coordrpc.EventType.NODE_DELETED,
  [WatchEventType.NodeDataChanged]: basalt.coordrpc.EventType.NODE_DATA_CHANGED,
  [WatchEventType.NodeChildrenChanged]: basalt.coordrpc.EventType.NODE_CHILDREN_CHANGED,
};

export function watchEventToWire(event: WatchEvent): basalt.coordrpc.WatchEvent.$Properties {
  return { type: EVENT_TYPE[event.type], path: event.path, zxid: event.zxid };
}

/** A request's rough size, for the per-request bound (the gRPC frame limit is the hard one). */
export function requestName(request: ClientRequest): string {
  for (const key of ['connect', 'ping', 'create', 'delete', 'setData', 'getData', 'exists', 'getChildren', 'multi', 'sync', 'addWatch', 'setWatches', 'closeSession', 'removeWatches'] as const) {
    if (request[key]) return key;
  }
  return 'empty';
}
