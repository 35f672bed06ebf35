// Proves that a new owner fences a zombie with the open marker it writes after replay, even when it crashes before its first edit: the zombie's later edits at an older epoch never come back.
import { describe, expect, it } from 'vitest';
import { put, read, useDrillRoot } from './region-fixture.js';

describe('zombie fencing by the open marker', () => {
  const { openOn } = useDrillRoot('basalt-open-marker-');

  it("a new owner that crashes before its first edit still fences the zombie's later edits", async () => {
    const a = await openOn('server-a', 1);
    await put(a.region, 'row-1', 'a1');
    await put(a.region, 'row-2', 'a2');
    // Server A pauses; B opens the region at epoch 2 (replays A's log, flushes, writes its marker)…
    const b = await openOn('server-b', 2);
    expect(await read(b.region, 'row-2')).toBe('a2');
    // …and dies before writing anything: no flush, its log stays as it is on disk.
    await b.region.close({ flush: false });
    await b.wal.close();
    // A wakes up and keeps writing into its own log at epoch 1, at sequence ids above B's flush.
    await put(a.region, 'row-2', 'zombie');
    await put(a.region, 'row-3', 'zombie');
    await put(a.region, 'row-4', 'zombie');
    // C recovers the region at epoch 3 from every log under the root.
    const c = await openOn('server-c', 3);
    expect(await read(c.region, 'row-1')).toBe('a1');
    expect(await read(c.region, 'row-2')).toBe('a2');
    expect(await read(c.region, 'row-3')).toBeUndefined();
    expect(await read(c.region, 'row-4')).toBeUndefined();
  });

  it("a zombie's edits above the new owner's flushed sequence id stay fenced after the new owner flushed and crashed", async () => {
    const a = await openOn('server-a', 1);
    await put(a.region, 'row-1', 'a1');
    await put(a.region, 'row-2', 'a2');
    const b = await openOn('server-b', 2);
    for (const i of [1, 2, 3]) await put(b.region, `b-${i}`, 'b');
    // B flushes everything (replay will start after its last edit), then dies.
    await b.region.flush();
    await b.region.close({ flush: false });
    await b.wal.close();
    // The zombie writes more edits than B did, so some of its sequence ids pass B's flushed id.
    const zombieRows = Array.from({ length: 8 }, (_, i) => `zombie-${i}`);
    for (const r of zombieRows) await put(a.region, r, 'zombie');
    expect(a.region.load().maxSequenceId).toBeGreaterThan(b.region.load().maxFlushedSequenceId);
    const c = await openOn('server-c', 3);
    expect(await read(c.region, 'row-1')).toBe('a1');
    for (const i of [1, 2, 3]) expect(await read(c.region, `b-${i}`)).toBe('b');
    for (const r of zombieRows) expect(await read(c.region, r), r).toBeUndefined();
  });
});
