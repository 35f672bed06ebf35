/**
 * Wire forms of the replicated state (proto/coord_state.proto, package basalt.coordstate):
 * commands as Raft log entry payloads, and whole-tree snapshots. protobufjs writes fields in
 * field-number order and the snapshot lists nodes and sessions in sorted order, so equal states
 * encode to equal bytes. Decoded byte fields are copied so they never alias the input buffer.
 */
import { BasaltError, ErrorCodes, invalidArgument } from '../../common/errors.js';
import { basalt } from '../../proto/generated/basalt.js';
import type { Znode } from './data-tree.js';
import { CreateMode, type CoordCommand, type MultiOp, type SessionInfo, type Zxid } from './types.js';

import pb = basalt.coordstate;

/** Bumped if the snapshot layout changes incompatibly. */
export const SNAPSHOT_FORMAT_VERSION = 1;

function copy(bytes: Uint8Array | null | undefined): Uint8Array {
  return bytes ? new Uint8Array(bytes) : new Uint8Array(0);
}

/**
 * protobufjs declares 64-bit fields as numbers (--force-number) but its reader still returns a
 * Long object when the `long` package is installed (it is, transitively), so convert explicitly.
 */
function num(v: number | { toNumber(): number } | null | undefined): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  const n = v.toNumber();
  if (!Number.isSafeInteger(n)) throw invalidArgument('command', `64-bit value ${String(v)} is not a safe integer`);
  return n;
}
const nums = (vs: ReadonlyArray<number> | null | undefined): number[] => (vs ?? []).map((v) => num(v));
const str = (v: string | null | undefined): string => v ?? '';

function mode(value: number | null | undefined, field: string): CreateMode {
  const m = value ?? 0;
  if (!(m in CreateMode)) throw invalidArgument(field, `unknown create mode ${m}`);
  return m as CreateMode;
}

function multiOpToProto(op: MultiOp): pb.MultiOp.$Properties {
  switch (op.type) {
    case 'check':
      return { check: { path: op.path, version: op.version } };
    case 'create':
      return { create: { path: op.path, data: op.data, mode: op.mode as number as pb.CreateMode } };
    case 'setData':
      return { setData: { path: op.path, data: op.data, version: op.version } };
    case 'delete':
      return { delete: { path: op.path, version: op.version } };
  }
}

function multiOpFromProto(op: pb.MultiOp, i: number): MultiOp {
  switch (op.op) {
    case 'check':
      return { type: 'check', path: str(op.check!.path), version: num(op.check!.version) };
    case 'create':
      return { type: 'create', path: str(op.create!.path), data: copy(op.create!.data), mode: mode(op.create!.mode, `ops[${i}].mode`) };
    case 'setData':
      return { type: 'setData', path: str(op.setData!.path), data: copy(op.setData!.data), version: num(op.setData!.version) };
    case 'delete':
      return { type: 'delete', path: str(op.delete!.path), version: num(op.delete!.version) };
    default:
      throw invalidArgument(`ops[${i}]`, 'multi op without a type');
  }
}

function commandToProto(c: CoordCommand): pb.Command.$Properties {
  switch (c.type) {
    case 'createSession':
      return { createSession: { sessionId: c.sessionId, timeoutMs: c.timeoutMs, nowMs: c.nowMs, ...(c.password ? { password: c.password } : {}) } };
    case 'touchSessions':
      return { touchSessions: { sessionIds: c.sessionIds, nowMs: c.nowMs } };
    case 'extendAll':
      return { extendAll: { nowMs: c.nowMs } };
    case 'closeSession':
      return { closeSession: { sessionId: c.sessionId, nowMs: c.nowMs } };
    case 'expireSessions':
      return { expireSessions: { sessionIds: c.sessionIds, nowMs: c.nowMs } };
    case 'create':
      return {
        create: { path: c.path, data: c.data, mode: c.mode as number as pb.CreateMode, sessionId: c.sessionId, nowMs: c.nowMs },
      };
    case 'delete':
      return { delete: { path: c.path, version: c.version, sessionId: c.sessionId, nowMs: c.nowMs } };
    case 'setData':
      return { setData: { path: c.path, data: c.data, version: c.version, sessionId: c.sessionId, nowMs: c.nowMs } };
    case 'multi':
      return { multi: { ops: c.ops.map(multiOpToProto), sessionId: c.sessionId, nowMs: c.nowMs } };
    case 'sync':
      return { sync: {} };
    default: {
      const unknown: never = c;
      throw invalidArgument('command', `unknown command ${JSON.stringify((unknown as { type?: unknown }).type)}`);
    }
  }
}

/** A command as the bytes of a Raft log entry. */
export function encodeCommand(command: CoordCommand): Uint8Array {
  return pb.Command.encode(pb.Command.create(commandToProto(command))).finish();
}

/** The command in a Raft log entry; INVALID_ARGUMENT (field `command`) for bytes that are not one. */
export function decodeCommand(bytes: Uint8Array): CoordCommand {
  let m: pb.Command;
  try {
    m = pb.Command.decode(bytes);
  } catch (err) {
    throw invalidArgument('command', `undecodable command: ${(err as Error).message}`);
  }
  switch (m.command) {
    case 'createSession': {
      const x = m.createSession!;
      return { type: 'createSession', sessionId: num(x.sessionId), timeoutMs: num(x.timeoutMs), nowMs: num(x.nowMs), ...(x.password && x.password.byteLength > 0 ? { password: x.password } : {}) };
    }
    case 'touchSessions':
      return { type: 'touchSessions', sessionIds: nums(m.touchSessions!.sessionIds), nowMs: num(m.touchSessions!.nowMs) };
    case 'extendAll':
      return { type: 'extendAll', nowMs: num(m.extendAll!.nowMs) };
    case 'closeSession':
      return { type: 'closeSession', sessionId: num(m.closeSession!.sessionId), nowMs: num(m.closeSession!.nowMs) };
    case 'expireSessions':
      return { type: 'expireSessions', sessionIds: nums(m.expireSessions!.sessionIds), nowMs: num(m.expireSessions!.nowMs) };
    case 'create': {
      const x = m.create!;
      return { type: 'create', path: str(x.path), data: copy(x.data), mode: mode(x.mode, 'mode'), sessionId: num(x.sessionId), nowMs: num(x.nowMs) };
    }
    case 'delete': {
      const x = m.delete!;
      return { type: 'delete', path: str(x.path), version: num(x.version), sessionId: num(x.sessionId), nowMs: num(x.nowMs) };
    }
    case 'setData': {
      const x = m.setData!;
      return { type: 'setData', path: str(x.path), data: copy(x.data), version: num(x.version), sessionId: num(x.sessionId), nowMs: num(x.nowMs) };
    }
    case 'multi': {
      const x = m.multi!;
      return { type: 'multi', ops: (x.ops ?? []).map((op, i) => multiOpFromProto(pb.MultiOp.create(op), i)), sessionId: num(x.sessionId), nowMs: num(x.nowMs) };
    }
    case 'sync':
      return { type: 'sync' };
    default:
      throw invalidArgument('command', 'command without a type');
  }
}

export interface SnapshotContents {
  lastZxid: Zxid;
  /** Sorted by path, parents first. */
  nodes: Array<Omit<Znode, 'children'>>;
  sessions: SessionInfo[];
  endedSessionIds: number[];
}

export function encodeSnapshot(s: SnapshotContents): Uint8Array {
  return pb.Snapshot.encode(
    pb.Snapshot.create({
      formatVersion: SNAPSHOT_FORMAT_VERSION,
      lastZxid: s.lastZxid,
      nodes: s.nodes.map((n) => ({
        path: n.path,
        data: n.data,
        czxid: n.czxid,
        mzxid: n.mzxid,
        pzxid: n.pzxid,
        ctime: n.ctime,
        mtime: n.mtime,
        version: n.version,
        cversion: n.cversion,
        ephemeralOwner: n.ephemeralOwner,
      })),
      sessions: s.sessions.map((x) => ({ sessionId: x.sessionId, timeoutMs: x.timeoutMs, deadlineMs: x.deadlineMs, ...(x.password ? { password: x.password } : {}) })),
      endedSessionIds: s.endedSessionIds,
    }),
  ).finish();
}

export function decodeSnapshot(bytes: Uint8Array): SnapshotContents {
  let m: pb.Snapshot;
  try {
    m = pb.Snapshot.decode(bytes);
  } catch (err) {
    throw new BasaltError(ErrorCodes.INVALID_ARGUMENT, `snapshot: undecodable: ${(err as Error).message}`, { field: 'snapshot' });
  }
  if (m.formatVersion !== SNAPSHOT_FORMAT_VERSION) {
    throw invalidArgument('snapshot', `unsupported format version ${m.formatVersion}`);
  }
  return {
    lastZxid: num(m.lastZxid),
    nodes: m.nodes.map((n) => ({
      path: n.path ?? '',
      data: copy(n.data),
      czxid: num(n.czxid),
      mzxid: num(n.mzxid),
      pzxid: num(n.pzxid),
      ctime: num(n.ctime),
      mtime: num(n.mtime),
      version: num(n.version),
      cversion: num(n.cversion),
      ephemeralOwner: num(n.ephemeralOwner),
    })),
    sessions: m.sessions.map((x) => ({ sessionId: num(x.sessionId), timeoutMs: num(x.timeoutMs), deadlineMs: num(x.deadlineMs), ...(x.password && x.password.byteLength > 0 ? { password: x.password } : {}) })),
    endedSessionIds: nums(m.endedSessionIds),
  };
}
