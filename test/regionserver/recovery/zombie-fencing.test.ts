// Proves that writes a paused ("zombie") owner makes after its region was reopened elsewhere at a higher epoch are ignored when the region is recovered again, through the real Region and on-disk WAL.
import { describe, expect, it } from 'vitest';
import { put, read, useDrillRoot } from './region-fixture.js';

describe('zombie fencing by open epoch', () => {
  const { openOn } = useDrillRoot('basalt-zombie-');

  it("the new owner's edits win, and the zombie's later edits never come back", async () => {
    const a = (await openOn('server-a', 1)).region;
    await put(a, 'row-1', 'a1');
    await put(a, 'row-2', 'a2');
    // Server A pauses; the master reassigns the region to B at epoch 2 (B replays A's log).
    const b = (await openOn('server-b', 2)).region;
    expect(await read(b, 'row-2')).toBe('a2');
    await put(b, 'row-2', 'b2');
    await put(b, 'row-3', 'b3');
    // A wakes up and, unaware, keeps writing into its own log at epoch 1 (same and later sequence ids).
    await put(a, 'row-2', 'zombie');
    await put(a, 'row-4', 'zombie');
    await put(a, 'row-5', 'zombie');
    // B dies without flushing; C recovers the region at epoch 3 from every log under the root.
    const c = (await openOn('server-c', 3)).region;
    expect(await read(c, 'row-1')).toBe('a1');
    expect(await read(c, 'row-2')).toBe('b2');
    expect(await read(c, 'row-3')).toBe('b3');
    expect(await read(c, 'row-4')).toBeUndefined();
    expect(await read(c, 'row-5')).toBeUndefined();
  });
});
