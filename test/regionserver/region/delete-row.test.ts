/** Proves the region-side whole-row delete (HBase's Delete without columns, the shell's deleteall): one DeleteFamily cell of family '*' becomes a DeleteFamily marker per family of the region's descriptor at the request's timestamp, under one sequence id and one WAL entry, and a family added later is not touched. */
import { afterEach, describe, expect, it } from 'vitest';
import { CellType, EVERY_FAMILY } from '../../../common/cell.js';
import { ErrorCodes, isBasaltError } from '../../../common/errors.js';
import type { MutationCell } from '../../../regionserver/region/api.js';
import { walRegionKey } from '../../../regionserver/region/identity.js';
import type { Region } from '../../../regionserver/region/region.js';
import { MemoryWal } from '../../../regionserver/wal/memory-wal.js';
import type { WalEntry } from '../../../regionserver/wal/wal.js';
import { b, family, OpenedRegions, put, show, type Harness } from './fixtures.js';

const THREE = [family('a', { maxVersions: 3 }), family('b', { maxVersions: 3 }), family('c', { maxVersions: 3 })];
const regions = new OpenedRegions();
const start = (): ReturnType<OpenedRegions['start']> => regions.start([...THREE]);

afterEach(() => regions.closeAll());

function deleteRow(timestamp?: number): MutationCell {
  return { family: EVERY_FAMILY, type: CellType.DeleteFamily, ...(timestamp === undefined ? {} : { timestamp }) };
}

async function visible(region: Region, row = 'r'): Promise<string[]> {
  return show((await region.get({ row: b(row), maxVersions: 3 }))?.cells);
}

async function walEntries(h: Harness): Promise<WalEntry[]> {
  const out: WalEntry[] = [];
  for await (const e of h.wal.replay(walRegionKey(h.info), 0)) out.push(e);
  return out;
}

describe('whole-row delete on the region', () => {
  it('deletes a row with cells in three families in one call: a DeleteFamily per family, one sequence id, one WAL entry', async () => {
    const { h, region, t0 } = await start();
    await region.put({ row: b('r'), cells: [put('a', 'x', '1', t0), put('b', 'y', '2', t0), put('c', 'z', '3', t0)] });
    await region.put({ row: b('other'), cells: [put('a', 'x', 'stays', t0)] });
    h.clock.advance(10);
    await region.mutate({ row: b('r'), cells: [deleteRow()] });
    expect(await visible(region)).toEqual([]);
    expect(await visible(region, 'other')).toEqual([`a:x@${t0}=stays`]);
    const markers = ((await region.get({ row: b('r'), raw: true }))?.cells ?? []).filter((c) => c.type === CellType.DeleteFamily);
    expect(markers.map((c) => `${c.family}@${c.timestamp}`)).toEqual([`a@${t0 + 10}`, `b@${t0 + 10}`, `c@${t0 + 10}`]);
    expect(new Set(markers.map((c) => c.sequenceId)).size).toBe(1);
    const last = (await walEntries(h)).at(-1)!;
    expect(show(last.cells)).toEqual([`a:@${t0 + 10}#DeleteFamily`, `b:@${t0 + 10}#DeleteFamily`, `c:@${t0 + 10}#DeleteFamily`]);
    // The markers survive a flush and a crash-and-replay alike.
    await region.flush();
    expect(await visible(region)).toEqual([]);
  });

  it('honours the request timestamp: a delete at T hides only cells at or before T', async () => {
    const { region, t0 } = await start();
    await region.put({ row: b('r'), cells: [put('a', 'x', 'old', t0 - 300), put('b', 'y', 'at', t0 - 200), put('c', 'z', 'new', t0 - 100), put('a', 'x', 'newer', t0 - 100)] });
    await region.mutate({ row: b('r'), cells: [deleteRow(t0 - 200)] });
    expect(await visible(region)).toEqual([`a:x@${t0 - 100}=newer`, `c:z@${t0 - 100}=new`]);
  });

  it('is replayed from the WAL as the per-family markers it was written as', async () => {
    const { h, region, t0 } = await start();
    await region.put({ row: b('r'), cells: [put('a', 'x', '1', t0), put('c', 'z', '3', t0)] });
    await region.mutate({ row: b('r'), cells: [deleteRow()] });
    await region.close({ flush: false });
    await h.wal.close();
    h.wal = new MemoryWal({ storage: h.storage });
    const reopened = await h.open();
    regions.track(h, reopened);
    expect(await visible(reopened)).toEqual([]);
  });

  it('does not touch a family added after it: an older cell written there later is visible', async () => {
    const { h, region, t0 } = await start();
    await region.put({ row: b('r'), cells: [put('a', 'x', '1', t0 - 50)] });
    await region.mutate({ row: b('r'), cells: [deleteRow()] });
    // Altering the table reopens its regions with the new descriptor.
    await region.close({ flush: true });
    h.families = [...THREE, family('d')];
    const altered = await h.open();
    regions.track(h, altered);
    await altered.put({ row: b('r'), cells: [put('d', 'w', 'late', t0 - 50)] });
    expect(await visible(altered)).toEqual([`d:w@${t0 - 50}=late`]);
    // Markers only in the families the descriptor had when the delete applied.
    const raw = (await altered.get({ row: b('r'), raw: true }))?.cells ?? [];
    expect(raw.filter((c) => c.type === CellType.DeleteFamily).map((c) => c.family)).toEqual(['a', 'b', 'c']);
    // A second whole-row delete now covers the new family too.
    await altered.mutate({ row: b('r'), cells: [deleteRow()] });
    expect(await visible(altered)).toEqual([]);
  });

  it('combines with puts in one mutation (delete, then put) and in batch and mutateRow', async () => {
    const { region, t0 } = await start();
    await region.put({ row: b('r'), cells: [put('a', 'x', 'before', t0 - 10), put('b', 'y', 'before', t0 - 10)] });
    await region.mutateRow([{ row: b('r'), cells: [deleteRow(t0)] }, { row: b('r'), cells: [put('b', 'y', 'after', t0)] }]);
    expect(await visible(region)).toEqual([`b:y@${t0}=after`]);
    await region.put({ row: b('s'), cells: [put('c', 'z', 'gone', t0 - 1)] });
    const results = await region.batch([{ row: b('s'), cells: [deleteRow()] }, { row: b('t'), cells: [put('a', 'x', 'kept', t0)] }]);
    expect(results).toEqual([undefined, undefined]);
    expect(await visible(region, 's')).toEqual([]);
    expect(await visible(region, 't')).toEqual([`a:x@${t0}=kept`]);
  });

  it("accepts '*' only as a DeleteFamily: a Put or column delete naming it is NO_SUCH_FAMILY", async () => {
    const { region, t0 } = await start();
    for (const cell of [put(EVERY_FAMILY, 'x', 'v', t0), { family: EVERY_FAMILY, qualifier: b('x'), type: CellType.DeleteColumn }, { family: EVERY_FAMILY, type: CellType.DeleteFamilyVersion, timestamp: t0 }]) {
      const err = await region.mutate({ row: b('r'), cells: [cell] }).then(() => undefined, (e: unknown) => e);
      expect(isBasaltError(err, ErrorCodes.NO_SUCH_FAMILY)).toBe(true);
    }
  });
});
