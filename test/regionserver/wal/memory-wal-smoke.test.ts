// Proves the in-memory WAL's basic contract: appended entries become durable on sync and replay by region and range.
import { describe, expect, it } from 'vitest';
import { MemoryWal } from '../../../regionserver/wal/memory-wal.js';

describe('MemoryWal', () => {
  it('replays only the asked region after the given sequence id, once synced', async () => {
    const wal = new MemoryWal();
    const syncs: Array<Promise<void>> = [];
    for (let i = 1; i <= 30; i++) syncs.push(wal.sync(wal.append({ regionId: `r${i % 3}`, sequenceId: i, openEpoch: 1, cells: [] })));
    await Promise.all(syncs);
    const seen: number[] = [];
    for await (const e of wal.replay('r1', 10)) seen.push(e.sequenceId);
    expect(seen).toEqual([13, 16, 19, 22, 25, 28]);
    expect(wal.stats().syncs).toBeLessThan(30);
    await wal.close();
  });
});
