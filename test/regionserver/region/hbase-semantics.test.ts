/**
 * Proves HBase's read semantics that the sequence-ordered model adds up to, in every layout
 * (memstore, flushed, major-compacted, mixed, reopened): maxVersions is applied after filters
 * (HBASE-17125), raw reads honour maxVersions and refuse named columns, KEEP_DELETED_CELLS lets a
 * read whose time range ends before a delete marker see what the marker hides, and a major
 * compaction removes a marker that hides nothing, also under KEEP_DELETED_CELLS=TRUE.
 */
import { describe, expect, it } from 'vitest';
import { CellType } from '../../../common/cell.js';
import { ErrorCodes } from '../../../common/errors.js';
import { createComparator } from '../../../regionserver/filter/comparators.js';
import { ValueFilter } from '../../../regionserver/filter/value-filters.js';
import type { KeepDeletedCells } from '../../../regionserver/region/api.js';
import { b, del, family, harness, put, show } from './fixtures.js';
import { MODES, runMode } from './modes.js';

const row = b('row');

describe.each(MODES)('in layout %s', (mode) => {
  it('a ValueFilter with maxVersions 1 returns the newest matching version even when the newest does not match', async () => {
    const h = harness({ families: [family('cf', { maxVersions: 3 })] });
    try {
      const region = await runMode(h, mode, async (w) => {
        await w.mutate({ row, cells: [put('cf', 'q', 'match', 1)] });
        await w.mutate({ row, cells: [put('cf', 'q', 'other', 2)] });
        await w.mutate({ row, cells: [put('cf', 'q', 'match', 3)] });
        await w.mutate({ row, cells: [put('cf', 'q', 'other', 4)] });
      });
      const filter = new ValueFilter('EQUAL', createComparator({ type: 'binary', value: b('match') }));
      expect(show((await region.get({ row, filter, maxVersions: 1 }))?.cells)).toEqual(['cf:q@3=match']);
      expect(show((await region.get({ row, filter, maxVersions: 5 }))?.cells)).toEqual(['cf:q@3=match']); // VERSIONS 3 bounds what exists
      const { rows } = await region.scan({ filter, maxVersions: 1 }).next(10, 1e6);
      expect(show(rows[0]?.cells)).toEqual(['cf:q@3=match']);
      await region.close();
    } finally {
      h.cleanup();
    }
  });

  it('raw reads honour maxVersions (markers do not count)', async () => {
    const h = harness({ families: [family('cf', { maxVersions: 5, keepDeletedCells: 'TRUE' })] });
    try {
      const region = await runMode(h, mode, async (w) => {
        for (let ts = 1; ts <= 4; ts++) await w.mutate({ row, cells: [put('cf', 'q', `v${ts}`, ts)] });
        await w.mutate({ row, cells: [del(CellType.Delete, 'cf', 'q', 4)] });
      });
      expect(show((await region.get({ row, raw: true, maxVersions: 2 }))?.cells)).toEqual(['cf:q@4#Delete', 'cf:q@4=v4', 'cf:q@3=v3']);
      const { rows } = await region.scan({ raw: true }).next(10, 1e6);
      expect(show(rows[0]?.cells)).toEqual(['cf:q@4#Delete', 'cf:q@4=v4']);
      await region.close();
    } finally {
      h.cleanup();
    }
  });

  it('KEEP_DELETED_CELLS: a read whose time range ends before the marker sees what it hides; FALSE does not', async () => {
    const seen: Record<string, string[][]> = {};
    for (const keep of ['TRUE', 'FALSE'] as KeepDeletedCells[]) {
      const h = harness({ families: [family('cf', { maxVersions: 3, keepDeletedCells: keep })] });
      try {
        const region = await runMode(h, mode, async (w) => {
          await w.mutate({ row, cells: [put('cf', 'q', 'a', 10)] });
          await w.mutate({ row, cells: [put('cf', 'q', 'b', 20)] });
          await w.mutate({ row, cells: [del(CellType.DeleteColumn, 'cf', 'q', 30)] });
          await w.mutate({ row, cells: [put('cf', 'q', 'c', 40)] });
        });
        seen[keep] = [
          show((await region.get({ row, maxVersions: 3 }))?.cells),
          show((await region.get({ row, maxVersions: 3, timeRange: { min: 0, max: 30 } }))?.cells),
          show((await region.get({ row, timeRange: { min: 10, max: 11 } }))?.cells),
          show((await region.scan({ maxVersions: 3, timeRange: { min: 0, max: 31 } }).next(10, 1e6)).rows[0]?.cells),
        ];
        await region.close();
      } finally {
        h.cleanup();
      }
    }
    expect(seen.TRUE).toEqual([['cf:q@40=c'], ['cf:q@20=b', 'cf:q@10=a'], ['cf:q@10=a'], []]);
    expect(seen.FALSE).toEqual([['cf:q@40=c'], [], [], []]);
  });
});

describe('raw reads', () => {
  it('refuse named columns with INVALID_ARGUMENT (whole families are fine)', async () => {
    const h = harness();
    try {
      const region = await h.open();
      await region.put({ row, cells: [put('cf', 'q', 'v', 1)] });
      expect(() => region.scan({ raw: true, columns: [{ family: 'cf', qualifier: b('q') }] })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_ARGUMENT, details: expect.objectContaining({ field: 'columns' }) }));
      await expect(region.get({ row, raw: true, columns: [{ family: 'cf', qualifier: b('q') }] })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
      expect(show((await region.get({ row, raw: true, columns: [{ family: 'cf' }] }))?.cells)).toEqual(['cf:q@1=v']);
      await region.close();
    } finally {
      h.cleanup();
    }
  });
});

describe('major compaction under KEEP_DELETED_CELLS=TRUE', () => {
  it('removes a marker that hides nothing, keeps one that hides a kept cell', async () => {
    const h = harness({ families: [family('cf', { maxVersions: 3, keepDeletedCells: 'TRUE' })] });
    try {
      const region = await h.open();
      await region.mutate({ row, cells: [del(CellType.DeleteColumn, 'cf', 'empty', 50)] }); // nothing to delete
      await region.mutate({ row, cells: [del(CellType.DeleteFamily, 'cf', undefined, 5)] }); // nothing to delete
      await region.mutate({ row, cells: [put('cf', 'q', 'a', 10)] });
      await region.mutate({ row, cells: [del(CellType.Delete, 'cf', 'q', 10)] }); // hides a
      await region.flush();
      await region.compact(true);
      expect(show((await region.get({ row, raw: true, maxVersions: 10 }))?.cells)).toEqual(['cf:q@10#Delete', 'cf:q@10=a']);
      await region.close();
    } finally {
      h.cleanup();
    }
  });
});

describe('maxResultsPerColumnFamily and rowOffsetPerColumnFamily', () => {
  it('count cells per family per row, after versions, on Get and Scan', async () => {
    const h = harness({ families: [family('a', { maxVersions: 2 }), family('b')] });
    try {
      const region = await h.open();
      const cells = ['q1', 'q2', 'q3', 'q4'].flatMap((q) => [put('a', q, `${q}-old`, 1), put('a', q, q, 2), put('b', q, q, 2)]);
      await region.mutate({ row, cells });
      expect(show((await region.get({ row, maxResultsPerColumnFamily: 2 }))?.cells)).toEqual(['a:q1@2=q1', 'a:q2@2=q2', 'b:q1@2=q1', 'b:q2@2=q2']);
      expect(show((await region.get({ row, rowOffsetPerColumnFamily: 3 }))?.cells)).toEqual(['a:q4@2=q4', 'b:q4@2=q4']);
      expect(show((await region.get({ row, maxVersions: 2, rowOffsetPerColumnFamily: 1, maxResultsPerColumnFamily: 2 }))?.cells)).toEqual([
        'a:q1@1=q1-old',
        'a:q2@2=q2',
        'b:q2@2=q2',
        'b:q3@2=q3',
      ]);
      const { rows } = await region.scan({ maxResultsPerColumnFamily: 1 }).next(10, 1e6);
      expect(show(rows[0]?.cells)).toEqual(['a:q1@2=q1', 'b:q1@2=q1']);
      await expect(region.get({ row, maxResultsPerColumnFamily: 0.5 })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
      await region.close();
    } finally {
      h.cleanup();
    }
  });
});
