// A 3-node cluster on real LMDB storage, driven in the adapter's order (persist → send → apply → advance), restarts from disk with its term, vote, log and commits intact and keeps going.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../common/random.js';
import { decodeConfChange } from '../../../coord/raft/codec.js';
import { RaftNode } from '../../../coord/raft/raft-node.js';
import { EntryType, Role, type Message, type NodeId } from '../../../coord/raft/types.js';
import { LmdbRaftStorage } from '../../../coord/storage/lmdb-raft-storage.js';

const root = mkdtempSync(join(tmpdir(), 'basalt-raft-lmdb-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Member {
  id: NodeId;
  raft: RaftNode;
  storage: LmdbRaftStorage;
  state: string[];
}

const text = new TextDecoder();

class LmdbCluster {
  readonly members = new Map<NodeId, Member>();
  private queue: Message[] = [];
  constructor(private readonly random: SeededRandom) {}

  open(id: NodeId, voters: NodeId[] | undefined): Member {
    const storage = LmdbRaftStorage.open({ path: join(root, `node-${id}`), ...(voters ? { bootstrapVoters: voters } : {}) });
    const nodeRandom = new SeededRandom(this.random.int(2 ** 31));
    const raft = new RaftNode({
      id,
      electionTicks: 10,
      heartbeatTicks: 2,
      storage,
      // The list state machine is in memory only: it restarts from the snapshot (index 1).
      applied: 0,
      maxSizePerMessage: 64 * 1024,
      maxInflightMessages: 16,
      preVote: true,
      checkQuorum: true,
      random: () => nodeRandom.next(),
    });
    const m: Member = { id, raft, storage, state: [] };
    this.members.set(id, m);
    return m;
  }

  async processReady(m: Member): Promise<void> {
    while (m.raft.hasReady()) {
      const rd = m.raft.ready();
      if (rd.snapshot) m.storage.applySnapshot(rd.snapshot);
      m.storage.append(rd.entries);
      if (rd.hardState) m.storage.setHardState(rd.hardState);
      await m.storage.persist();
      this.queue.push(...rd.messages, ...rd.messagesAfterPersist);
      for (const e of rd.committedEntries) {
        if (e.type === EntryType.Normal) m.state.push(text.decode(e.data));
        if (e.type === EntryType.ConfChange) m.raft.applyConfChange(decodeConfChange(e.data));
      }
      m.raft.advance();
    }
  }

  async tick(): Promise<void> {
    for (const m of this.members.values()) {
      m.raft.tick();
      await this.processReady(m);
    }
    for (let i = 0; i < 1000 && this.queue.length > 0; i++) {
      const msg = this.queue.shift()!;
      const target = this.members.get(msg.to);
      if (!target) continue;
      target.raft.step(msg);
      await this.processReady(target);
    }
  }

  leader(): Member | undefined {
    return [...this.members.values()].find((m) => m.raft.role === Role.Leader);
  }

  async waitFor(condition: () => boolean, maxTicks = 300): Promise<void> {
    for (let i = 0; i < maxTicks && !condition(); i++) await this.tick();
    expect(condition()).toBe(true);
  }

  async close(): Promise<void> {
    for (const m of this.members.values()) await m.storage.close();
    this.members.clear();
    this.queue = [];
  }
}

describe('restart from LmdbRaftStorage', () => {
  it('recovers term, vote, log and commit from disk and re-applies the committed commands', async () => {
    const voters = [1, 2, 3];
    const first = new LmdbCluster(new SeededRandom(7));
    for (const id of voters) first.open(id, voters);
    await first.waitFor(() => first.leader() !== undefined);
    const leader = first.leader()!;
    for (let i = 0; i < 20; i++) leader.raft.propose(new TextEncoder().encode(`cmd-${i}`));
    await first.processReady(leader);
    await first.waitFor(() => [...first.members.values()].every((m) => m.state.length === 20));
    const before = new Map([...first.members.values()].map((m) => [m.id, m.raft.status()]));
    await first.close();

    const second = new LmdbCluster(new SeededRandom(8));
    for (const id of voters) {
      const m = second.open(id, undefined);
      const was = before.get(id)!;
      const now = m.raft.status();
      expect(now.term).toBe(was.term);
      expect(now.vote).toBe(was.vote);
      expect(now.lastIndex).toBe(was.lastIndex);
      expect(now.commit).toBe(was.commit);
      expect(now.voters).toEqual([1, 2, 3]);
    }
    await second.waitFor(() => second.leader() !== undefined);
    // Committed commands come back out of the restored log, in the same order.
    await second.waitFor(() => [...second.members.values()].every((m) => m.state.length >= 20));
    for (const m of second.members.values()) {
      expect(m.state.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => `cmd-${i}`));
    }
    const newLeader = second.leader()!;
    expect(newLeader.raft.term).toBeGreaterThan(before.get(newLeader.id)!.term);
    newLeader.raft.propose(new TextEncoder().encode('after-restart'));
    await second.processReady(newLeader);
    await second.waitFor(() => [...second.members.values()].every((m) => m.state.includes('after-restart')));
    await second.close();
  });
});
