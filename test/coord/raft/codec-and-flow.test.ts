// The codec round-trips every core type and rejects unknown enums with a typed error; replication respects maxSizePerMessage and the inflight window, and backtracks over a long divergent log in few round trips.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBasaltError } from '../../../common/errors.js';
import { basalt } from '../../../proto/generated/basalt.js';
import {
  decodeConfChange,
  decodeEntry,
  decodeHardState,
  decodeMessage,
  decodeSnapshot,
  encodeConfChange,
  encodeEntry,
  encodeHardState,
  encodeMessage,
  encodeSnapshot,
} from '../../../coord/raft/codec.js';
import { RaftNode } from '../../../coord/raft/raft-node.js';
import { allMessages, ConfChangeType, EntryType, MessageType, type Entry, type Message, type RaftConfig, type Ready } from '../../../coord/raft/types.js';
import { MemoryRaftStorage } from '../../../coord/storage/memory-raft-storage.js';
import { SimCluster } from './sim/sim-cluster.js';

const uint = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const bytes = fc.uint8Array({ maxLength: 64 });
const entryArb: fc.Arbitrary<Entry> = fc.record({
  term: uint,
  index: uint,
  type: fc.constantFrom(EntryType.Normal, EntryType.ConfChange, EntryType.Empty),
  data: bytes,
});
const confStateArb = fc.record({ voters: fc.array(uint, { maxLength: 5 }), learners: fc.array(uint, { maxLength: 3 }) });
const messageArb: fc.Arbitrary<Message> = fc
  .record({
    type: fc.constantFrom(...Object.values(MessageType)),
    from: uint,
    to: uint,
    term: uint,
    index: uint,
    logTerm: uint,
    entries: fc.array(entryArb, { maxLength: 4 }),
    commit: uint,
    reject: fc.boolean(),
    rejectHint: uint,
    snapshot: fc.option(fc.record({ metadata: fc.record({ index: uint, term: uint, confState: confStateArb }), data: bytes }), { nil: undefined }),
    context: fc.option(bytes, { nil: undefined }),
  })
  .map((m) => {
    const out: Message = { ...m };
    if (m.snapshot === undefined) delete out.snapshot;
    if (m.context === undefined) delete out.context;
    return out;
  });

function plain(value: unknown): unknown {
  // Compare byte arrays by content whatever their class (Buffer vs Uint8Array).
  if (value instanceof Uint8Array) return [...value];
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

describe('codec', () => {
  it('round-trips messages, including 64-bit-safe numbers, empty and absent contexts', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        expect(plain(decodeMessage(encodeMessage(m)))).toEqual(plain(m));
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips entries, hard states, snapshots and conf changes', () => {
    fc.assert(
      fc.property(entryArb, confStateArb, uint, uint, (e, cs, a, b) => {
        expect(plain(decodeEntry(encodeEntry(e)))).toEqual(plain(e));
        expect(decodeHardState(encodeHardState({ term: a, vote: b, commit: a }))).toEqual({ term: a, vote: b, commit: a });
        const snap = { metadata: { index: a, term: b, confState: cs }, data: e.data };
        expect(plain(decodeSnapshot(encodeSnapshot(snap)))).toEqual(plain(snap));
        const cc = { type: ConfChangeType.AddLearner, nodeId: b, context: e.data };
        expect(plain(decodeConfChange(encodeConfChange(cc)))).toEqual(plain(cc));
      }),
      { numRuns: 200 },
    );
  });

  it('rejects an unknown message type with INVALID_ARGUMENT naming the field', () => {
    const bad = basalt.raft.Message.encode({ type: 99 as basalt.raft.MessageType }).finish();
    try {
      decodeMessage(bad);
      expect.unreachable();
    } catch (err) {
      expect(isBasaltError(err, 'INVALID_ARGUMENT') && err.details.field).toBe('message.type');
    }
  });
});

describe('flow control and backtracking', () => {
  it('splits a backlog into Appends of at most maxSizePerMessage and keeps at most maxInflightMessages unacknowledged', () => {
    const c = new SimCluster({ seed: 61, voters: [1, 2, 3], maxSizePerMessage: 300, maxInflightMessages: 3 });
    const leader = c.waitForLeader();
    c.propose('warm');
    c.waitForApplied('warm');
    c.holdMessages = true;
    for (let i = 0; i < 40; i++) c.propose(`p${String(i).padStart(3, '0')}-${'x'.repeat(60)}`);
    const appends = c.queued().filter((m) => m.type === MessageType.Append && m.entries.length > 0);
    for (const to of [1, 2, 3].filter((id) => id !== leader.id)) {
      const mine = appends.filter((m) => m.to === to);
      expect(mine.length).toBe(3); // the window is full; the rest waits for acknowledgements
      for (const m of mine) {
        const size = m.entries.reduce((s, e) => s + e.data.byteLength + 24, 0);
        expect(size <= 300 || m.entries.length === 1).toBe(true);
      }
    }
    c.holdMessages = false;
    c.run(20);
    c.waitForApplied('p039-' + 'x'.repeat(60));
  });

  it('refuses proposals with SERVER_BUSY once too many bytes are uncommitted, and accepts again after they apply', () => {
    const c = new SimCluster({ seed: 63, voters: [1, 2, 3], maxUncommittedEntriesBytes: 1000 });
    const leader = c.waitForLeader();
    c.holdMessages = true;
    const payload = new Uint8Array(300);
    let accepted = 0;
    let busy: unknown;
    for (let i = 0; i < 10 && busy === undefined; i++) {
      try {
        leader.raft.propose(payload);
        accepted++;
      } catch (err) {
        busy = err;
      }
    }
    expect(accepted).toBe(3);
    expect(isBasaltError(busy, 'SERVER_BUSY')).toBe(true);
    c.holdMessages = false;
    c.processReady(leader);
    c.run(5);
    expect(() => leader.raft.propose(payload)).not.toThrow();
  });

  it('a follower with a long divergent tail is repaired in a few round trips (fast backtracking)', () => {
    const c = new SimCluster({ seed: 62, voters: [1, 2, 3] });
    const oldLeader = c.waitForLeader();
    c.propose('base');
    c.waitForApplied('base');
    // The old leader, cut off, appends 200 entries no one else sees.
    c.isolate(oldLeader.id);
    for (let i = 0; i < 200; i++) oldLeader.raft.propose(new TextEncoder().encode(`orphan${i}`));
    c.processReady(oldLeader);
    c.run(30); // the majority elects a new leader
    const newLeader = c.waitForLeader();
    expect(newLeader.id).not.toBe(oldLeader.id);
    for (let i = 0; i < 5; i++) c.propose(`kept${i}`);
    c.run(5);
    c.heal();
    let rejections = 0;
    for (let t = 0; t < 40 && !oldLeader.state.includes('kept4'); t++) {
      rejections += c.queued().filter((m) => m.type === MessageType.AppendResponse && m.reject && m.from === oldLeader.id).length;
      c.tick();
    }
    expect(oldLeader.state).toContain('kept4');
    expect(oldLeader.state.some((s) => s.startsWith('orphan'))).toBe(false);
    // One rejection per conflicting term, not one per entry.
    expect(rejections).toBeLessThan(10);
  });
});

describe('configuration', () => {
  const valid = (): RaftConfig => ({
    id: 1, electionTicks: 10, heartbeatTicks: 1, storage: MemoryRaftStorage.bootstrap([1]), applied: 0,
    maxSizePerMessage: 1024, maxInflightMessages: 4, preVote: true, checkQuorum: true, random: () => 0.5,
  });

  it.each([
    ['id', { id: 0 }],
    ['electionTicks', { electionTicks: 0 }],
    ['heartbeatTicks', { heartbeatTicks: 10 }],
    ['maxSizePerMessage', { maxSizePerMessage: -1 }],
    ['maxInflightMessages', { maxInflightMessages: 1.5 }],
    ['applied', { applied: -1 }],
    ['maxUncommittedEntriesBytes', { maxUncommittedEntriesBytes: 0 }],
  ] as const)('rejects a bad %s with INVALID_ARGUMENT naming it', (field, patch) => {
    try {
      new RaftNode({ ...valid(), ...patch });
      expect.unreachable();
    } catch (err) {
      expect(isBasaltError(err, 'INVALID_ARGUMENT') && err.details.field).toBe(field);
    }
  });

  it("a leader's entries sent before its own write is durable commit only on a quorum of durable copies", () => {
    const storages = new Map([1, 2, 3].map((id) => [id, MemoryRaftStorage.bootstrap([1, 2, 3])] as const));
    const nodes = new Map([1, 2, 3].map((id) => [id, new RaftNode({ ...valid(), id, storage: storages.get(id)! })] as const));
    const inbox: Message[] = [];
    const persist = (id: number): Ready => {
      const rd = nodes.get(id)!.ready();
      storages.get(id)!.append(rd.entries);
      if (rd.hardState) storages.get(id)!.setHardState(rd.hardState);
      return rd;
    };
    const settle = (): void => {
      for (let round = 0; round < 100; round++) {
        for (const [id, node] of nodes) {
          while (node.hasReady()) {
            inbox.push(...allMessages(persist(id)));
            node.advance();
          }
        }
        const batch = inbox.splice(0);
        if (batch.length === 0) return;
        for (const m of batch) nodes.get(m.to)!.step(m);
      }
      throw new Error('the cluster did not settle');
    };
    const leader = nodes.get(1)!;
    leader.campaign();
    settle();
    expect(leader.status().role).toBe('leader');

    leader.propose(new Uint8Array([7]));
    // The leader hands out its Ready but has not persisted it: its appends go out at once.
    const rd = leader.ready();
    const index = rd.entries.at(-1)!.index;
    const appends = rd.messages.filter((m) => m.type === MessageType.Append && m.entries.length > 0);
    expect(appends.map((m) => m.to).sort()).toEqual([2, 3]);
    // One follower's durable copy plus the leader's volatile one is not a quorum.
    nodes.get(2)!.step(appends.find((m) => m.to === 2)!);
    const ack2 = persist(2);
    nodes.get(2)!.advance();
    for (const m of allMessages(ack2)) leader.step(m);
    expect(leader.status().commit).toBeLessThan(index);
    // Once the leader's own write is durable, leader + follower 2 commit it.
    storages.get(1)!.append(rd.entries);
    if (rd.hardState) storages.get(1)!.setHardState(rd.hardState);
    leader.advance();
    expect(leader.status().commit).toBe(index);

    // Follower 3 gets its (delayed) append; everyone catches up.
    nodes.get(3)!.step(appends.find((m) => m.to === 3)!);
    settle();

    // Two durable followers are a quorum even while the leader's own write is still in flight.
    leader.propose(new Uint8Array([8]));
    const rd2 = leader.ready();
    const index2 = rd2.entries.at(-1)!.index;
    for (const id of [2, 3]) {
      for (const m of rd2.messages.filter((x) => x.to === id && x.type === MessageType.Append)) nodes.get(id)!.step(m);
      const ack = persist(id);
      nodes.get(id)!.advance();
      for (const m of allMessages(ack)) if (m.to === 1) leader.step(m);
    }
    expect(leader.status().commit).toBe(index2);
  });

  it('a single-member cluster elects itself and commits alone, once its own write is durable', () => {
    const config = valid();
    const storage = config.storage as MemoryRaftStorage;
    const node = new RaftNode(config);
    const persist = (): Ready => {
      const rd = node.ready();
      storage.append(rd.entries);
      if (rd.hardState) storage.setHardState(rd.hardState);
      return rd;
    };
    node.campaign();
    const rd = persist();
    expect(rd.softState?.role).toBe('leader');
    expect(allMessages(rd)).toEqual([]);
    node.advance();
    node.propose(new Uint8Array([42]));
    const next = persist();
    // The leader counts itself only after advance() reports the entry persisted.
    expect(next.entries.map((e) => [...e.data])).toContainEqual([42]);
    expect(next.committedEntries.map((e) => [...e.data])).not.toContainEqual([42]);
    node.advance();
    expect(node.status().commit).toBe(storage.lastIndex());
    const committed = persist();
    expect(committed.committedEntries.map((e) => [...e.data])).toContainEqual([42]);
    node.advance();
    expect(node.status().applied).toBe(storage.lastIndex());
  });
});
