/** Proves per-cell TTL on a Put (HBase's Put.setTTL) in a Region under a manual clock: a cell is visible until timestamp + ttl and gone after, in the memstore, in a store file, after WAL replay and across major compaction (which drops it), and it never outlives its family's TTL. */
import { afterEach, describe, expect, it } from 'vitest';
import { CellType, type Cell } from '../../../common/cell.js';
import { ErrorCodes, isBasaltError } from '../../../common/errors.js';
import type { MutationCell } from '../../../regionserver/region/api.js';
import type { Region } from '../../../regionserver/region/region.js';
import { MemoryWal } from '../../../regionserver/wal/memory-wal.js';
import { b, family, OpenedRegions, put, show } from './fixtures.js';

const regions = new OpenedRegions();
const start = (families = [family('cf', { maxVersions: 3 })]): ReturnType<OpenedRegions['start']> => regions.start(families);

afterEach(() => regions.closeAll());

function withTtl(cell: MutationCell, ttlMs: number): MutationCell {
  return { ...cell, ttlMs };
}

async function visible(region: Region, row = 'r', maxVersions = 3): Promise<string[]> {
  return show((await region.get({ row: b(row), maxVersions }))?.cells);
}

async function stored(region: Region, row = 'r'): Promise<Cell[]> {
  return (await region.get({ row: b(row), raw: true, maxVersions: 100 }))?.cells ?? [];
}

describe('per-cell TTL on a Put', () => {
  it('a cell is visible up to timestamp + ttl and invisible one ms later; cells without a TTL stay', async () => {
    const { h, region, t0 } = await start();
    await region.put({ row: b('r'), cells: [withTtl(put('cf', 'a', 'short', t0), 5_000), put('cf', 'b', 'forever', t0)] });
    expect(await visible(region)).toEqual([`cf:a@${t0}=short`, `cf:b@${t0}=forever`]);
    h.clock.advance(5_000);
    expect(await visible(region)).toEqual([`cf:a@${t0}=short`, `cf:b@${t0}=forever`]);
    h.clock.advance(1);
    expect(await visible(region)).toEqual([`cf:b@${t0}=forever`]);
    expect(await region.exists({ row: b('r'), columns: [{ family: 'cf', qualifier: b('a') }] })).toBe(false);
  });

  it('the TTL counts from the cell timestamp, so a put stamped in the past can be expired when written', async () => {
    const { region, t0 } = await start();
    await region.put({ row: b('r'), cells: [withTtl(put('cf', 'old', 'x', t0 - 10_000), 5_000), withTtl(put('cf', 'new', 'y', t0 - 1_000), 5_000)] });
    expect(await visible(region)).toEqual([`cf:new@${t0 - 1_000}=y`]);
  });

  it('a flushed cell keeps its TTL in the store file', async () => {
    const { h, region, t0 } = await start();
    await region.put({ row: b('r'), cells: [withTtl(put('cf', 'a', 'v', t0), 2_000), put('cf', 'b', 'w', t0)] });
    await region.flush();
    expect(region.load().memstoreSizeBytes).toBe(0);
    expect((await stored(region)).map((c) => c.ttlMs)).toEqual([2_000, undefined]);
    expect(await visible(region)).toEqual([`cf:a@${t0}=v`, `cf:b@${t0}=w`]);
    h.clock.advance(2_001);
    expect(await visible(region)).toEqual([`cf:b@${t0}=w`]);
  });

  it('a cell replayed from the WAL after a crash keeps its TTL', async () => {
    const { h, region, t0 } = await start();
    await region.put({ row: b('r'), cells: [withTtl(put('cf', 'a', 'v', t0), 3_000)] });
    await region.close({ flush: false });
    await h.wal.close();
    h.wal = new MemoryWal({ storage: h.storage });
    const reopened = await h.open();
    regions.track(h, reopened);
    expect((await stored(reopened)).map((c) => c.ttlMs)).toEqual([3_000]);
    expect(await visible(reopened)).toEqual([`cf:a@${t0}=v`]);
    h.clock.advance(3_001);
    expect(await visible(reopened)).toEqual([]);
  });

  it('a major compaction drops expired cells and keeps the others with their TTL', async () => {
    const { h, region, t0 } = await start();
    await region.put({ row: b('r'), cells: [withTtl(put('cf', 'a', 'soon', t0), 1_000), withTtl(put('cf', 'b', 'later', t0), 60_000), put('cf', 'c', 'always', t0)] });
    await region.flush();
    await region.put({ row: b('r'), cells: [withTtl(put('cf', 'a', 'soon2', t0 + 1), 1_000)] });
    await region.flush();
    h.clock.advance(5_000);
    const before = await visible(region);
    await region.compact(true);
    expect(await visible(region)).toEqual(before);
    expect(before).toEqual([`cf:b@${t0}=later`, `cf:c@${t0}=always`]);
    // Raw reads return what is stored: the expired cells are gone from disk.
    expect((await stored(region)).map((c) => `${c.qualifier.toString()}:${c.ttlMs}`)).toEqual(['b:60000', 'c:undefined']);
    h.clock.advance(60_000);
    expect(await visible(region)).toEqual([`cf:c@${t0}=always`]);
  });

  it('a cell TTL longer than the family TTL does not extend it; a shorter one shortens it', async () => {
    const { h, region, t0 } = await start([family('cf', { maxVersions: 3, ttlSeconds: 10 })]);
    await region.put({ row: b('r'), cells: [withTtl(put('cf', 'long', 'x', t0), 3_600_000), withTtl(put('cf', 'short', 'y', t0), 2_000), put('cf', 'none', 'z', t0)] });
    h.clock.advance(2_001);
    expect(await visible(region)).toEqual([`cf:long@${t0}=x`, `cf:none@${t0}=z`]);
    h.clock.advance(8_000);
    expect(await visible(region)).toEqual([]);
    await region.flush();
    expect(await visible(region)).toEqual([]);
  });

  it('MIN_VERSIONS does not keep a cell whose own TTL passed, nor count it; reads agree before and after compaction', async () => {
    const { h, region, t0 } = await start([family('cf', { maxVersions: 3, minVersions: 1, ttlSeconds: 1 })]);
    await region.put({ row: b('r'), cells: [put('cf', 'q', 'old', t0)] });
    await region.put({ row: b('r'), cells: [withTtl(put('cf', 'q', 'new', t0 + 1), 500)] });
    await region.flush();
    h.clock.advance(10_000);
    // Both are past the family TTL; the newer one is also past its own: the older stays (MIN_VERSIONS 1).
    expect(await visible(region)).toEqual([`cf:q@${t0}=old`]);
    await region.compact(true);
    expect(await visible(region)).toEqual([`cf:q@${t0}=old`]);
  });

  it('an expired cell still holds its VERSIONS slot: the version it pushed out does not come back', async () => {
    const { h, region, t0 } = await start([family('cf', { maxVersions: 1 })]);
    await region.put({ row: b('r'), cells: [put('cf', 'q', 'first', t0)] });
    await region.put({ row: b('r'), cells: [withTtl(put('cf', 'q', 'second', t0 + 1), 1_000)] });
    expect(await visible(region)).toEqual([`cf:q@${t0 + 1}=second`]);
    h.clock.advance(2_000);
    expect(await visible(region)).toEqual([]);
    await region.flush();
    await region.compact(true);
    expect(await visible(region)).toEqual([]);
  });

  it('increment and append write cells with the request TTL; an expired counter counts from zero again', async () => {
    const { h, region, t0 } = await start();
    await region.increment({ row: b('r'), columns: [{ family: 'cf', qualifier: b('n'), amount: 5n }], ttlMs: 1_000 });
    await region.append({ row: b('r'), columns: [{ family: 'cf', qualifier: b('s'), value: b('ab') }], ttlMs: 1_000 });
    expect(await visible(region)).toEqual([`cf:n@${t0}=\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0005`, `cf:s@${t0}=ab`]);
    expect((await stored(region)).map((c) => c.ttlMs)).toEqual([1_000, 1_000]);
    h.clock.advance(1_001);
    expect(await visible(region)).toEqual([]);
    const [counter] = await region.increment({ row: b('r'), columns: [{ family: 'cf', qualifier: b('n'), amount: 2n }] });
    expect(counter!.value).toBe(2n);
    const appended = await region.append({ row: b('r'), columns: [{ family: 'cf', qualifier: b('s'), value: b('c') }] });
    expect(show(appended.cells)).toEqual([`cf:s@${t0 + 1_001}=c`]);
    expect((await stored(region)).filter((c) => c.timestamp === t0 + 1_001).map((c) => c.ttlMs)).toEqual([undefined, undefined]);
    const refused = await region.increment({ row: b('r'), columns: [{ family: 'cf', qualifier: b('n'), amount: 1n }], ttlMs: 0 }).then(() => undefined, (e: unknown) => e);
    expect(isBasaltError(refused, ErrorCodes.INVALID_ARGUMENT)).toBe(true);
  });

  it('refuses a TTL on a delete, a TTL below 1 ms or fractional, with INVALID_ARGUMENT naming the field', async () => {
    const { region, t0 } = await start();
    const refused = async (cell: MutationCell): Promise<unknown> => region.put({ row: b('r'), cells: [cell] }).then(() => undefined, (err: unknown) => err);
    const cases: MutationCell[] = [
      { family: 'cf', qualifier: b('q'), type: CellType.DeleteColumn, ttlMs: 1_000 },
      withTtl(put('cf', 'q', 'v', t0), 0),
      withTtl(put('cf', 'q', 'v', t0), 1.5),
    ];
    for (const cell of cases) {
      const err = await refused(cell);
      expect(isBasaltError(err, ErrorCodes.INVALID_ARGUMENT)).toBe(true);
      expect((err as { details: { field?: string } }).details.field).toBe('mutation.cells[0].ttlMs');
    }
    expect(await visible(region)).toEqual([]);
  });
});
