// Every RaftLogStorage (memory, fault-injecting, LMDB, append-only file) keeps the same log, hard state and snapshot semantics, and LMDB, the file log and the fault injector keep exactly what was persisted across a restart or crash.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isBasaltError } from '../../../common/errors.js';
import { EntryType, type Entry } from '../../../coord/raft/types.js';
import { FaultyRaftStorage } from '../../../coord/storage/faulty-raft-storage.js';
import { FileRaftStorage } from '../../../coord/storage/file-raft-storage.js';
import { LmdbRaftStorage } from '../../../coord/storage/lmdb-raft-storage.js';
import { MemoryRaftStorage } from '../../../coord/storage/memory-raft-storage.js';
import type { RaftLogStorage } from '../../../coord/storage/raft-log-storage.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'basalt-raft-storage-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function entry(index: number, term: number, payload = `e${index}t${term}`): Entry {
  return { index, term, type: EntryType.Normal, data: new TextEncoder().encode(payload) };
}

function payloads(entries: Entry[]): string[] {
  return entries.map((e) => new TextDecoder().decode(e.data));
}

interface Kind {
  name: string;
  /** A founding member's storage for voters [1, 2, 3]. */
  create(): RaftLogStorage;
}

const kinds: Kind[] = [
  { name: 'MemoryRaftStorage', create: () => MemoryRaftStorage.bootstrap([1, 2, 3]) },
  { name: 'FaultyRaftStorage', create: () => new FaultyRaftStorage(MemoryRaftStorage.bootstrap([1, 2, 3])) },
  { name: 'LmdbRaftStorage', create: () => LmdbRaftStorage.open({ path: tempDir(), bootstrapVoters: [1, 2, 3] }) },
  { name: 'FileRaftStorage', create: () => FileRaftStorage.open({ path: tempDir(), bootstrapVoters: [1, 2, 3] }) },
];

for (const kind of kinds) {
  describe(`${kind.name} conformance`, () => {
    it('starts from the bootstrap snapshot at index 1 with the founding voters', async () => {
      const s = kind.create();
      expect(s.initialState()).toEqual({ hardState: { term: 1, vote: 0, commit: 1 }, confState: { voters: [1, 2, 3], learners: [] } });
      expect(s.firstIndex()).toBe(2);
      expect(s.lastIndex()).toBe(1);
      expect(s.term(1)).toBe(1);
      expect(s.snapshot().metadata.index).toBe(1);
      await s.close();
    });

    it('appends, reads ranges and terms, and truncates a conflicting suffix', async () => {
      const s = kind.create();
      s.append([entry(2, 1), entry(3, 1), entry(4, 2), entry(5, 2)]);
      expect(s.lastIndex()).toBe(5);
      expect(s.term(4)).toBe(2);
      expect(payloads(s.entries(2, 6, Number.MAX_SAFE_INTEGER))).toEqual(['e2t1', 'e3t1', 'e4t2', 'e5t2']);
      // A new leader's entries replace index 4 onward.
      s.append([entry(4, 3), entry(5, 3), entry(6, 3)]);
      expect(s.lastIndex()).toBe(6);
      expect(payloads(s.entries(3, 7, Number.MAX_SAFE_INTEGER))).toEqual(['e3t1', 'e4t3', 'e5t3', 'e6t3']);
      // A shorter replacement also drops everything after it.
      s.append([entry(3, 4)]);
      expect(s.lastIndex()).toBe(3);
      expect(s.term(3)).toBe(4);
      await s.close();
    });

    it('limits entries by bytes but always returns at least one', async () => {
      const s = kind.create();
      s.append([entry(2, 1, 'x'.repeat(100)), entry(3, 1, 'y'.repeat(100)), entry(4, 1, 'z'.repeat(100))]);
      expect(s.entries(2, 5, 1).length).toBe(1);
      expect(s.entries(2, 5, 260).length).toBe(2);
      expect(s.entries(2, 5, 10_000).length).toBe(3);
      await s.close();
    });

    it('stores the hard state', async () => {
      const s = kind.create();
      s.setHardState({ term: 7, vote: 2, commit: 1 });
      expect(s.initialState().hardState).toEqual({ term: 7, vote: 2, commit: 1 });
      await s.close();
    });

    it('creates a snapshot, compacts behind it and keeps the snapshot point term readable', async () => {
      const s = kind.create();
      s.append([entry(2, 1), entry(3, 1), entry(4, 2), entry(5, 2)]);
      const snap = s.createSnapshot(4, { voters: [1, 2, 3], learners: [] }, new Uint8Array([9]));
      expect(snap.metadata).toEqual({ index: 4, term: 2, confState: { voters: [1, 2, 3], learners: [] } });
      s.compact(4);
      expect(s.firstIndex()).toBe(5);
      expect(s.term(4)).toBe(2);
      expect(payloads(s.entries(5, 6, 100))).toEqual(['e5t2']);
      expect(s.snapshot().data).toEqual(new Uint8Array([9]));
      expect(() => s.compact(5)).toThrow(/past the snapshot/);
      await s.close();
    });

    it('rejects a snapshot that is not after the current one, naming the field', async () => {
      const s = kind.create();
      try {
        s.createSnapshot(1, { voters: [1], learners: [] }, new Uint8Array(0));
        expect.unreachable();
      } catch (err) {
        expect(isBasaltError(err, 'INVALID_ARGUMENT') && err.details.field).toBe('index');
      }
      await s.close();
    });

    it('replaces the whole log by a snapshot from the leader', async () => {
      const s = kind.create();
      s.append([entry(2, 1), entry(3, 1)]);
      s.applySnapshot({ metadata: { index: 10, term: 4, confState: { voters: [1, 2, 3, 4], learners: [] } }, data: new Uint8Array([1, 2]) });
      expect(s.firstIndex()).toBe(11);
      expect(s.lastIndex()).toBe(10);
      expect(s.term(10)).toBe(4);
      expect(s.initialState().confState.voters).toEqual([1, 2, 3, 4]);
      s.append([entry(11, 4)]);
      expect(payloads(s.entries(11, 12, 100))).toEqual(['e11t4']);
      await s.close();
    });
  });
}

describe('durability across restarts and crashes', () => {
  it('LmdbRaftStorage reads log, hard state and snapshot back after reopening', async () => {
    const path = tempDir();
    const s = LmdbRaftStorage.open({ path, bootstrapVoters: [1, 2, 3] });
    s.append([entry(2, 1), entry(3, 2), entry(4, 2), entry(5, 2)]);
    s.setHardState({ term: 2, vote: 3, commit: 4 });
    s.createSnapshot(3, { voters: [1, 2, 3], learners: [] }, new Uint8Array([7, 7]));
    s.compact(3);
    await s.persist();
    await s.close();

    // The bootstrap voters are ignored when data exists.
    const r = LmdbRaftStorage.open({ path, bootstrapVoters: [9] });
    expect(r.initialState()).toEqual({ hardState: { term: 2, vote: 3, commit: 4 }, confState: { voters: [1, 2, 3], learners: [] } });
    expect(r.firstIndex()).toBe(4);
    expect(r.lastIndex()).toBe(5);
    expect(r.term(3)).toBe(2);
    expect(payloads(r.entries(4, 6, 1000))).toEqual(['e4t2', 'e5t2']);
    expect(r.snapshot().metadata.index).toBe(3);
    expect([...r.snapshot().data]).toEqual([7, 7]);
    await r.close();
  });

  it('LmdbRaftStorage.batch writes a whole Ready in one transaction, with the same result', async () => {
    const path = tempDir();
    const s = LmdbRaftStorage.open({ path });
    s.batch(() => {
      s.applySnapshot({ metadata: { index: 5, term: 2, confState: { voters: [1, 2], learners: [] } }, data: new Uint8Array([5]) });
      s.append([entry(6, 2), entry(7, 3)]);
      s.setHardState({ term: 3, vote: 1, commit: 6 });
    });
    expect(s.lastIndex()).toBe(7);
    await s.persist();
    await s.close();
    const r = LmdbRaftStorage.open({ path });
    expect(r.initialState()).toEqual({ hardState: { term: 3, vote: 1, commit: 6 }, confState: { voters: [1, 2], learners: [] } });
    expect(r.firstIndex()).toBe(6);
    expect(payloads(r.entries(6, 8, 1000))).toEqual(['e6t2', 'e7t3']);
    await r.close();
  });

  it('LmdbRaftStorage reads entries still being written (before persist) together with persisted ones', async () => {
    const path = tempDir();
    const s = LmdbRaftStorage.open({ path, bootstrapVoters: [1, 2, 3] });
    s.append([entry(2, 1), entry(3, 1), entry(4, 1)]);
    await s.persist();
    // Not yet persisted: 5..6, then a conflicting suffix from 4 on, then compaction behind.
    s.append([entry(5, 1), entry(6, 1)]);
    expect(payloads(s.entries(2, 7, Number.MAX_SAFE_INTEGER))).toEqual(['e2t1', 'e3t1', 'e4t1', 'e5t1', 'e6t1']);
    s.append([entry(4, 2), entry(5, 2)]);
    expect(s.term(4)).toBe(2);
    expect(s.term(3)).toBe(1);
    expect(payloads(s.entries(3, 6, Number.MAX_SAFE_INTEGER))).toEqual(['e3t1', 'e4t2', 'e5t2']);
    // The byte limit applies across the persisted part and the pending part.
    expect(payloads(s.entries(2, 6, 2 * (24 + 4)))).toEqual(['e2t1', 'e3t1']);
    s.createSnapshot(4, { voters: [1, 2, 3], learners: [] }, new Uint8Array([4]));
    s.compact(4);
    expect(s.term(4)).toBe(2);
    expect(payloads(s.entries(5, 6, 1000))).toEqual(['e5t2']);
    const persisted = s.persist();
    // A write made while a persist is in flight stays readable after that persist resolves.
    s.append([entry(6, 2)]);
    await persisted;
    expect(payloads(s.entries(5, 7, 1000))).toEqual(['e5t2', 'e6t2']);
    await s.persist();
    expect(payloads(s.entries(5, 7, 1000))).toEqual(['e5t2', 'e6t2']);
    await s.close();
    const r = LmdbRaftStorage.open({ path });
    expect(r.firstIndex()).toBe(5);
    expect(r.lastIndex()).toBe(6);
    expect(r.term(4)).toBe(2);
    expect(payloads(r.entries(5, 7, 1000))).toEqual(['e5t2', 'e6t2']);
    await r.close();
  });

  it('FileRaftStorage reads log, hard state and snapshot back after reopening, also after a compaction rewrote the file', async () => {
    const path = tempDir();
    const s = FileRaftStorage.open({ path, bootstrapVoters: [1, 2, 3] });
    s.append([entry(2, 1), entry(3, 2), entry(4, 2), entry(5, 2)]);
    s.append([entry(5, 3), entry(6, 3)]);
    s.setHardState({ term: 3, vote: 3, commit: 5 });
    await s.persist();
    const r1 = FileRaftStorage.open({ path });
    expect(r1.initialState().hardState).toEqual({ term: 3, vote: 3, commit: 5 });
    expect(payloads(r1.entries(2, 7, 1000))).toEqual(['e2t1', 'e3t2', 'e4t2', 'e5t3', 'e6t3']);
    await r1.close();

    s.createSnapshot(5, { voters: [1, 2, 3], learners: [] }, new Uint8Array([5, 5]));
    s.compact(3);
    s.append([entry(7, 3)]);
    await s.persist();
    await s.close();
    const r2 = FileRaftStorage.open({ path, bootstrapVoters: [9] });
    expect(r2.initialState()).toEqual({ hardState: { term: 3, vote: 3, commit: 5 }, confState: { voters: [1, 2, 3], learners: [] } });
    expect(r2.firstIndex()).toBe(4);
    expect(r2.term(3)).toBe(2);
    expect(payloads(r2.entries(4, 8, 1000))).toEqual(['e4t2', 'e5t3', 'e6t3', 'e7t3']);
    expect(r2.snapshot().metadata).toEqual({ index: 5, term: 3, confState: { voters: [1, 2, 3], learners: [] } });
    expect([...r2.snapshot().data]).toEqual([5, 5]);
    // Compacting up to the snapshot itself leaves the snapshot as the log's start.
    r2.compact(5);
    await r2.close();
    const r3 = FileRaftStorage.open({ path });
    expect(r3.firstIndex()).toBe(6);
    expect(r3.term(5)).toBe(3);
    expect(payloads(r3.entries(6, 8, 1000))).toEqual(['e6t3', 'e7t3']);
    expect(r3.snapshot().metadata.index).toBe(5);
    await r3.close();
  });

  it('FileRaftStorage drops a torn or corrupt tail on reopening and keeps appending after the valid prefix', async () => {
    const path = tempDir();
    const s = FileRaftStorage.open({ path, bootstrapVoters: [1, 2, 3] });
    s.append([entry(2, 1), entry(3, 1)]);
    await s.close();
    const file = join(path, 'raft.log');
    const intact = statSync(file).size;
    // A record whose write was cut short by a crash: a length promising more than is there.
    appendFileSync(file, Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 1, 9]));
    const r = FileRaftStorage.open({ path });
    expect(r.lastIndex()).toBe(3);
    expect(statSync(file).size).toBe(intact);
    r.append([entry(4, 1)]);
    await r.close();
    // A flipped byte inside the last record fails its checksum: that record is dropped.
    const bytes = readFileSync(file);
    bytes[bytes.length - 2] ^= 0xff;
    writeFileSync(file, bytes);
    const c = FileRaftStorage.open({ path });
    expect(c.lastIndex()).toBe(3);
    expect(payloads(c.entries(2, 4, 1000))).toEqual(['e2t1', 'e3t1']);
    await c.close();
  });

  it('a new LMDB member without bootstrap voters starts empty, with no configuration', async () => {
    const s = LmdbRaftStorage.open({ path: tempDir() });
    expect(s.initialState()).toEqual({ hardState: { term: 0, vote: 0, commit: 0 }, confState: { voters: [], learners: [] } });
    expect(s.firstIndex()).toBe(1);
    expect(s.lastIndex()).toBe(0);
    await s.close();
  });

  it('FaultyRaftStorage loses exactly the writes made since the last persist on a crash', () => {
    const s = new FaultyRaftStorage(MemoryRaftStorage.bootstrap([1, 2, 3]));
    s.append([entry(2, 1), entry(3, 1)]);
    s.setHardState({ term: 1, vote: 1, commit: 2 });
    s.persistNow();
    s.append([entry(4, 1)]);
    s.setHardState({ term: 2, vote: 2, commit: 3 });
    expect(s.unpersistedWrites).toBe(2);
    const after = s.crash();
    expect(after.lastIndex()).toBe(3);
    expect(after.initialState().hardState).toEqual({ term: 1, vote: 1, commit: 2 });
    expect(() => s.append([entry(4, 1)])).toThrow(/crashed/);
  });
});
