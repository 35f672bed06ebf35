// Proves that a region's entries can be replayed from every server's log under the shared data root, merged by sequence id under the epoch rule.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryWalDisk } from '../../../regionserver/wal/disk.js';
import { removeServerWal, replayRegionFromRoot, serverWalDir, WalRootReader } from '../../../regionserver/wal/root-reader.js';
import { SegmentWal } from '../../../regionserver/wal/segment-wal.js';
import { collect, entry } from './conformance.js';

describe('replaying a region from the data root', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'basalt-root-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const write = async (wal: SegmentWal, regionId: string, seqs: number[], epoch: number, tag: string): Promise<void> => {
    let last = 0;
    for (const s of seqs) last = wal.append(entry(regionId, s, epoch, `${tag}-${s}`));
    await wal.sync(last);
  };

  it("a new owner reads a dead server's entries for its region, and a zombie's superseded writes are ignored", async () => {
    // Server A held region R at epoch 1 and died (no close: its log is left as is).
    const a = await SegmentWal.open({ dir: serverWalDir(root, 'a,1,100') });
    await write(a, 'R', [1, 2, 3], 1, 'a');
    await write(a, 'other', [1, 2], 1, 'a');
    // Server B opened R at epoch 2 after replaying 1..3, and wrote 4..5 (its open marker at 4).
    const b = await SegmentWal.open({ dir: serverWalDir(root, 'b,1,200'), replayRoot: root });
    expect((await collect(b.replay('R', 0))).map((e) => e.sequenceId)).toEqual([1, 2, 3]);
    await write(b, 'R', [4, 5], 2, 'b');
    // A was only paused: it wakes up and writes 4..6 at its superseded epoch.
    await write(a, 'R', [4, 5, 6], 1, 'zombie');
    const replayed = await collect(replayRegionFromRoot(root, 'R', 0));
    expect(replayed.map((e) => [e.sequenceId, e.openEpoch, e.cells[0]!.value.toString()])).toEqual([
      [1, 1, 'a-1'],
      [2, 1, 'a-2'],
      [3, 1, 'a-3'],
      [4, 2, 'b-4'],
      [5, 2, 'b-5'],
    ]);
    expect((await collect(replayRegionFromRoot(root, 'R', 3))).map((e) => e.sequenceId)).toEqual([4, 5]);
    expect((await collect(replayRegionFromRoot(root, 'other', 0))).map((e) => e.sequenceId)).toEqual([1, 2]);
    // The live WAL opened with replayRoot gives the same answer (its own entries plus everyone else's).
    expect((await collect(b.replay('R', 0))).map((e) => [e.sequenceId, e.openEpoch])).toEqual(
      replayed.map((e) => [e.sequenceId, e.openEpoch]),
    );
    await a.close();
    await b.close();
  });

  it("removing a dead server's log deletes only that server's directory", async () => {
    const a = await SegmentWal.open({ dir: serverWalDir(root, 'a') });
    const b = await SegmentWal.open({ dir: serverWalDir(root, 'b') });
    await write(a, 'R', [1], 1, 'a');
    await write(b, 'R', [2], 2, 'b');
    await a.close();
    await removeServerWal(root, 'a');
    expect(await readdir(join(root, 'wal'))).toEqual(['b']);
    expect((await collect(replayRegionFromRoot(root, 'R', 0))).map((e) => e.sequenceId)).toEqual([2]);
    await b.close();
  });

  it('ignores the torn tail of a dead server that crashed mid-write', async () => {
    const a = await SegmentWal.open({ dir: serverWalDir(root, 'a') });
    await write(a, 'R', [1, 2], 1, 'a');
    const { appendFile } = await import('node:fs/promises');
    const names = (await readdir(serverWalDir(root, 'a'))).sort();
    await appendFile(join(serverWalDir(root, 'a'), names[names.length - 1]!), Buffer.from('BWAL\x00\x00\x01\x00garbage'));
    expect((await collect(replayRegionFromRoot(root, 'R', 0))).map((e) => e.sequenceId)).toEqual([1, 2]);
    await a.close();
  });

  it("indexes a dead server's segments once for all of its regions, and re-reads a segment that grew", async () => {
    const disk = new MemoryWalDisk();
    const dead = await SegmentWal.open({ disk, dir: serverWalDir('/root', 'dead'), segmentSizeBytes: 1024 });
    for (let s = 1; s <= 30; s++) await dead.sync(dead.append(entry(`region-${s % 3}`, s, 1, 'x'.repeat(100))));
    const segments = dead.segmentCount();
    expect(segments).toBeGreaterThan(2);
    const reader = new WalRootReader(disk, '/root');
    const before = disk.fileReads;
    expect((await reader.readRegion('region-0', 0)).map((e) => e.sequenceId)).toEqual([3, 6, 9, 12, 15, 18, 21, 24, 27, 30]);
    const firstRegionReads = disk.fileReads - before;
    expect(firstRegionReads).toBe(segments); // Each segment read once: indexed and decoded together.
    const mid = disk.fileReads;
    expect((await reader.readRegion('region-1', 27)).map((e) => e.sequenceId)).toEqual([28]);
    expect(disk.fileReads - mid).toBe(1); // Only the segment holding region-1's entry 28.
    // The log grows: its last segment changed size, so it is indexed again and the new entry found.
    await dead.sync(dead.append(entry('region-1', 31)));
    expect((await reader.readRegion('region-1', 27)).map((e) => e.sequenceId)).toEqual([28, 31]);
    await dead.close();
  });
});
