/**
 * Bytes ⇄ the core's types (proto/raft.proto, package basalt.raft). The server sends Messages
 * as these bytes; LmdbRaftStorage stores Entries, HardState and Snapshots with them. Decoding
 * validates enums so a corrupt or foreign frame is a typed error, never a silent default.
 */
import { basalt } from '../../proto/generated/basalt.js';
import { invalidArgument } from '../../common/errors.js';
import {
  ConfChangeType,
  EntryType,
  MessageType,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type Snapshot,
} from './types.js';

const pb = basalt.raft;

const MESSAGE_TYPE_TO_WIRE: Record<MessageType, basalt.raft.MessageType> = {
  [MessageType.Heartbeat]: pb.MessageType.MSG_HEARTBEAT,
  [MessageType.HeartbeatResponse]: pb.MessageType.MSG_HEARTBEAT_RESPONSE,
  [MessageType.Append]: pb.MessageType.MSG_APPEND,
  [MessageType.AppendResponse]: pb.MessageType.MSG_APPEND_RESPONSE,
  [MessageType.Vote]: pb.MessageType.MSG_VOTE,
  [MessageType.VoteResponse]: pb.MessageType.MSG_VOTE_RESPONSE,
  [MessageType.PreVote]: pb.MessageType.MSG_PRE_VOTE,
  [MessageType.PreVoteResponse]: pb.MessageType.MSG_PRE_VOTE_RESPONSE,
  [MessageType.Snapshot]: pb.MessageType.MSG_SNAPSHOT,
  [MessageType.TimeoutNow]: pb.MessageType.MSG_TIMEOUT_NOW,
  [MessageType.ReadIndex]: pb.MessageType.MSG_READ_INDEX,
  [MessageType.ReadIndexResponse]: pb.MessageType.MSG_READ_INDEX_RESPONSE,
};
const MESSAGE_TYPE_FROM_WIRE = new Map<number, MessageType>(
  Object.entries(MESSAGE_TYPE_TO_WIRE).map(([k, v]) => [v as number, k as MessageType]),
);

/**
 * protobufjs 8 decodes uint64 fields as Long objects at runtime whenever the `long` package is
 * loadable, despite --force-number and the generated `number` types: normalise every one.
 */
function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value !== null && typeof value === 'object' && 'toNumber' in value && typeof value.toNumber === 'function') {
    return (value as { toNumber(): number }).toNumber();
  }
  if (value === null || value === undefined) return 0;
  return Number(value);
}

function bytes(value: Uint8Array | null | undefined): Uint8Array {
  return value ?? new Uint8Array(0);
}

function checkEntryType(value: number, field: string): EntryType {
  if (value !== EntryType.Normal && value !== EntryType.ConfChange && value !== EntryType.Empty) {
    throw invalidArgument(field, `unknown entry type ${value}`);
  }
  return value;
}

// ---- Entry ----

function entryToWire(e: Entry): basalt.raft.Entry.$Properties {
  return { term: e.term, index: e.index, type: e.type as number as basalt.raft.EntryType, data: e.data };
}

function entryFromWire(e: basalt.raft.Entry, field: string): Entry {
  return { term: num(e.term), index: num(e.index), type: checkEntryType(e.type, `${field}.type`), data: bytes(e.data) };
}

export function encodeEntry(entry: Entry): Uint8Array {
  return pb.Entry.encode(entryToWire(entry)).finish();
}

export function decodeEntry(data: Uint8Array): Entry {
  return entryFromWire(pb.Entry.decode(data), 'entry');
}

// ---- HardState ----

export function encodeHardState(hs: HardState): Uint8Array {
  return pb.HardState.encode({ term: hs.term, vote: hs.vote, commit: hs.commit }).finish();
}

export function decodeHardState(data: Uint8Array): HardState {
  const hs = pb.HardState.decode(data);
  return { term: num(hs.term), vote: num(hs.vote), commit: num(hs.commit) };
}

// ---- ConfState / ConfChange ----

function confStateFromWire(cs: basalt.raft.ConfState.$Properties | null | undefined): ConfState {
  return { voters: (cs?.voters ?? []).map(num), learners: (cs?.learners ?? []).map(num) };
}

export function encodeConfState(cs: ConfState): Uint8Array {
  return pb.ConfState.encode({ voters: cs.voters, learners: cs.learners }).finish();
}

export function decodeConfState(data: Uint8Array): ConfState {
  return confStateFromWire(pb.ConfState.decode(data));
}

export function encodeConfChange(cc: ConfChange): Uint8Array {
  return pb.ConfChange.encode({ type: cc.type as number as basalt.raft.ConfChangeType, nodeId: cc.nodeId, context: cc.context }).finish();
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  const cc = pb.ConfChange.decode(data);
  const type = cc.type as number;
  if (type !== ConfChangeType.AddNode && type !== ConfChangeType.RemoveNode && type !== ConfChangeType.AddLearner) {
    throw invalidArgument('confChange.type', `unknown conf change type ${type}`);
  }
  return { type, nodeId: num(cc.nodeId), context: bytes(cc.context) };
}

// ---- Snapshot ----

function snapshotToWire(s: Snapshot): basalt.raft.Snapshot.$Properties {
  return {
    metadata: {
      index: s.metadata.index,
      term: s.metadata.term,
      confState: { voters: s.metadata.confState.voters, learners: s.metadata.confState.learners },
    },
    data: s.data,
  };
}

function snapshotFromWire(s: basalt.raft.Snapshot): Snapshot {
  const m = s.metadata;
  return {
    metadata: { index: num(m?.index), term: num(m?.term), confState: confStateFromWire(m?.confState) },
    data: bytes(s.data),
  };
}

export function encodeSnapshot(snapshot: Snapshot): Uint8Array {
  return pb.Snapshot.encode(snapshotToWire(snapshot)).finish();
}

export function decodeSnapshot(data: Uint8Array): Snapshot {
  return snapshotFromWire(pb.Snapshot.decode(data));
}

// ---- Message ----

export function encodeMessage(m: Message): Uint8Array {
  const wire: basalt.raft.Message.$Properties = {
    type: MESSAGE_TYPE_TO_WIRE[m.type],
    from: m.from,
    to: m.to,
    term: m.term,
    index: m.index,
    logTerm: m.logTerm,
    entries: m.entries.map(entryToWire),
    commit: m.commit,
    reject: m.reject,
    rejectHint: m.rejectHint,
    hasContext: m.context !== undefined,
  };
  if (m.snapshot) wire.snapshot = snapshotToWire(m.snapshot);
  if (m.context !== undefined) wire.context = m.context;
  return pb.Message.encode(wire).finish();
}

export function decodeMessage(data: Uint8Array): Message {
  const w = pb.Message.decode(data);
  const type = MESSAGE_TYPE_FROM_WIRE.get(w.type);
  if (type === undefined) throw invalidArgument('message.type', `unknown message type ${w.type}`);
  const m: Message = {
    type,
    from: num(w.from),
    to: num(w.to),
    term: num(w.term),
    index: num(w.index),
    logTerm: num(w.logTerm),
    entries: w.entries.map((e, i) => entryFromWire(e as basalt.raft.Entry, `message.entries[${i}]`)),
    commit: num(w.commit),
    reject: w.reject,
    rejectHint: num(w.rejectHint),
  };
  if (w.snapshot) m.snapshot = snapshotFromWire(w.snapshot as basalt.raft.Snapshot);
  if (w.hasContext) m.context = bytes(w.context);
  return m;
}
