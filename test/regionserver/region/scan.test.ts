/** Proves scans: bounds (inclusive/exclusive, prefix, reversed), limit, batch chunks, continuation, snapshot isolation, the Filter call protocol, and readers that outlive a compaction. */
import { describe, expect, it } from 'vitest';
import type { Cell } from '../../../common/cell.js';
import { FilterReturnCode, type CellPosition, type Filter } from '../../../regionserver/filter/filter.js';
import type { ScanRequest } from '../../../regionserver/region/api.js';
import type { Region } from '../../../regionserver/region/region.js';
import { b, family, harness, put, regionInfo, show } from './fixtures.js';

const ROWS = ['a', 'b', 'ba', 'bb', 'c', 'd\u0000', 'd', 'e'];

async function loaded(fn: (r: Region) => Promise<void>, flushHalf = true): Promise<void> {
  const h = harness({ families: [family('cf', { maxVersions: 3 }), family('cg')] });
  const r = await h.open();
  try {
    for (const [i, row] of ROWS.entries()) {
      await r.put({ row: Buffer.from(row, 'latin1'), cells: [put('cf', 'q1', `${row}1`, 10), put('cf', 'q2', `${row}2`, 10), put('cg', 'x', `${row}x`, 10)] });
      if (flushHalf && i === 3) await r.flush();
    }
    await fn(r);
  } finally {
    await r.close();
    h.cleanup();
  }
}

async function rowsOf(r: Region, request: ScanRequest, pageRows = 1000): Promise<string[]> {
  const scanner = r.scan(request);
  const out: string[] = [];
  for (;;) {
    const { rows, more } = await scanner.next(pageRows, 1e9);
    for (const row of rows) out.push(row.row.toString('latin1'));
    if (!more) break;
  }
  return out;
}

describe('scan bounds', () => {
  it('start inclusive / exclusive and stop exclusive / inclusive', async () => {
    await loaded(async (r) => {
      expect(await rowsOf(r, {})).toEqual(['a', 'b', 'ba', 'bb', 'c', 'd', 'd\u0000', 'e']);
      expect(await rowsOf(r, { startRow: b('b'), stopRow: b('c') })).toEqual(['b', 'ba', 'bb']);
      expect(await rowsOf(r, { startRow: b('b'), startInclusive: false, stopRow: b('c'), stopInclusive: true })).toEqual(['ba', 'bb', 'c']);
    });
  });

  it('prefix, alone and with a start row', async () => {
    await loaded(async (r) => {
      expect(await rowsOf(r, { prefix: b('b') })).toEqual(['b', 'ba', 'bb']);
      expect(await rowsOf(r, { prefix: b('b'), startRow: b('ba') })).toEqual(['ba', 'bb']);
      expect(await rowsOf(r, { prefix: b('d') })).toEqual(['d', 'd\u0000']);
    });
  });

  it('reversed scans run from the start row down to the stop row', async () => {
    await loaded(async (r) => {
      expect(await rowsOf(r, { reversed: true })).toEqual(['e', 'd\u0000', 'd', 'c', 'bb', 'ba', 'b', 'a']);
      expect(await rowsOf(r, { reversed: true, startRow: b('c'), stopRow: b('b') })).toEqual(['c', 'bb', 'ba']);
      expect(await rowsOf(r, { reversed: true, prefix: b('b') }, 1)).toEqual(['bb', 'ba', 'b']);
      const scanner = r.scan({ reversed: true, limit: 2 });
      const { rows } = await scanner.next(10, 1e9);
      expect(show(rows[0]!.cells)).toEqual(['cf:q1@10=e1', 'cf:q2@10=e2', 'cg:x@10=ex']);
    });
  });

  it('the scan stays inside the region', async () => {
    const h = harness({ info: regionInfo('b', 'd') });
    const r = await h.open();
    try {
      for (const row of ['b', 'c', 'cz']) await r.put({ row: b(row), cells: [put('cf', 'q', 'v', 1)] });
      expect(await rowsOf(r, { startRow: b('a'), stopRow: b('z') })).toEqual(['b', 'c', 'cz']);
      expect(await rowsOf(r, { reversed: true })).toEqual(['cz', 'c', 'b']);
    } finally {
      await r.close();
      h.cleanup();
    }
  });
});

describe('scan shape', () => {
  it('limit, columns, pages of maxRows with continuation', async () => {
    await loaded(async (r) => {
      expect(await rowsOf(r, { limit: 3 }, 2)).toEqual(['a', 'b', 'ba']);
      const scanner = r.scan({ columns: [{ family: 'cg' }] });
      const first = await scanner.next(2, 1e9);
      expect(first.more).toBe(true);
      expect(first.rows.map((x) => show(x.cells))).toEqual([['cg:x@10=ax'], ['cg:x@10=bx']]);
      // maxBytes stops a page early but always returns at least one row.
      const small = await scanner.next(100, 1);
      expect(small.rows.length).toBe(1);
    });
  });

  it('batch cuts wide rows into partial chunks', async () => {
    await loaded(async (r) => {
      const scanner = r.scan({ batch: 2, limit: 1 });
      const { rows, more } = await scanner.next(10, 1e9);
      expect(rows.map((x) => [show(x.cells), x.partial ?? false])).toEqual([
        [['cf:q1@10=a1', 'cf:q2@10=a2'], true],
        [['cg:x@10=ax'], false],
      ]);
      expect(more).toBe(false);
    });
  });

  it('a scanner is a snapshot: writes after it opened stay invisible to it', async () => {
    await loaded(async (r) => {
      const scanner = r.scan({});
      await r.put({ row: b('aa'), cells: [put('cf', 'q1', 'late', 10)] });
      await r.put({ row: b('a'), cells: [put('cf', 'q1', 'late', 11)] });
      await r.flush();
      const got: string[] = [];
      for (;;) {
        const { rows, more } = await scanner.next(1, 1e9);
        for (const row of rows) got.push(`${row.row}:${row.cells[0]!.value}`);
        if (!more) break;
      }
      expect(got.slice(0, 2)).toEqual(['a:a1', 'b:b1']);
      expect(await rowsOf(r, { limit: 2 })).toEqual(['a', 'aa']);
    });
  });

  it('a scanner keeps reading the files a compaction replaced; they are deleted once it closes', async () => {
    const { readdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    const h = harness({ config: { compactionMinFiles: 10 } });
    const r = await h.open();
    try {
      for (let i = 0; i < 4; i++) {
        await r.put({ row: b(`row${i}`), cells: [put('cf', 'q', `v${i}`, 1)] });
        await r.flush();
      }
      const scanner = r.scan({});
      const first = await scanner.next(1, 1e9);
      await r.compact(true);
      const files = () => readdirSync(join(h.dir, 'region', 'cf')).filter((n) => n.endsWith('.sf')).length;
      expect(files()).toBe(5);
      const rest = await scanner.next(10, 1e9);
      expect([...first.rows, ...rest.rows].map((x) => x.row.toString())).toEqual(['row0', 'row1', 'row2', 'row3']);
      expect(rest.more).toBe(false);
      // The scanner closed itself at the end; the old files go once LMDB has closed them.
      const deadline = Date.now() + 5000;
      while (files() !== 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(files()).toBe(1);
    } finally {
      await r.close();
      h.cleanup();
    }
  });
});

/** A filter that follows a script and records every call. */
class ScriptedFilter implements Filter {
  calls: string[] = [];
  rowsSeen = 0;
  constructor(
    private readonly decide: (cell: Cell) => FilterReturnCode,
    private readonly options: { skipRow?: string; hint?: CellPosition; dropRow?: string; stopAfterRows?: number } = {},
  ) {}
  reset(): void {
    this.calls.push('reset');
  }
  filterAllRemaining(): boolean {
    return this.options.stopAfterRows !== undefined && this.rowsSeen >= this.options.stopAfterRows;
  }
  filterRowKey(row: Buffer): boolean {
    this.rowsSeen++;
    this.calls.push(`rowKey ${row}`);
    return row.toString() === this.options.skipRow;
  }
  filterCell(cell: Cell): FilterReturnCode {
    this.calls.push(`cell ${cell.row}/${cell.family}:${cell.qualifier}`);
    return this.decide(cell);
  }
  transformCell(cell: Cell): Cell {
    return { ...cell, value: Buffer.from(cell.value.toString().toUpperCase()) };
  }
  hasFilterRow(): boolean {
    return this.options.dropRow !== undefined;
  }
  filterRowCells(cells: Cell[]): Cell[] {
    this.calls.push(`rowCells ${cells.length}`);
    return cells;
  }
  private lastRow = '';
  filterRow(): boolean {
    return this.lastRow === this.options.dropRow;
  }
  getNextCellHint(_cell?: Cell): CellPosition | undefined {
    return this.options.hint;
  }
  isFamilyEssential(): boolean {
    return true;
  }
  noteRow(row: string): void {
    this.lastRow = row;
  }
}

describe('filters', () => {
  it('filterRowKey drops rows, transformCell rewrites included cells, NEXT_COL / NEXT_ROW skip ahead', async () => {
    await loaded(async (r) => {
      const filter = new ScriptedFilter(
        (c) => (c.qualifier.toString() === 'q1' ? FilterReturnCode.IncludeAndNextCol : c.family === 'cf' ? FilterReturnCode.NextRow : FilterReturnCode.Include),
        { skipRow: 'b' },
      );
      const scanner = r.scan({ startRow: b('a'), stopRow: b('bb'), filter, maxVersions: 3 });
      const { rows } = await scanner.next(10, 1e9);
      expect(rows.map((x) => `${x.row}:${show(x.cells).join(',')}`)).toEqual(['a:cf:q1@10=A1', 'ba:cf:q1@10=BA1']);
      // Row b was dropped by key: no cell of it was offered. NEXT_ROW after q2 skipped family cg.
      expect(filter.calls).toEqual(['reset', 'rowKey a', 'cell a/cf:q1', 'cell a/cf:q2', 'reset', 'rowKey b', 'reset', 'rowKey ba', 'cell ba/cf:q1', 'cell ba/cf:q2']);
    });
  });

  it('SEEK_NEXT_USING_HINT jumps within the row and to a later row', async () => {
    await loaded(async (r) => {
      const sameRowHint = new ScriptedFilter((c) => (c.qualifier.toString() === 'q1' ? FilterReturnCode.SeekNextUsingHint : FilterReturnCode.Include));
      sameRowHint.getNextCellHint = (c: Cell) => ({ row: c.row, family: 'cg', qualifier: b('') });
      const { rows } = await r.scan({ startRow: b('c'), limit: 1, filter: sameRowHint }).next(10, 1e9);
      expect(show(rows[0]!.cells)).toEqual(['cg:x@10=CX']);
      const jump = new ScriptedFilter((c) => (c.row.toString() === 'a' ? FilterReturnCode.SeekNextUsingHint : FilterReturnCode.Include), {
        hint: { row: b('c'), family: 'cf', qualifier: b('') },
      });
      const got = await r.scan({ filter: jump, columns: [{ family: 'cg' }] }).next(10, 1e9);
      expect(got.rows.map((x) => x.row.toString('latin1'))).toEqual(['c', 'd', 'd\u0000', 'e']);
    });
  });

  it('filterRow drops an assembled row and filterAllRemaining ends the scan', async () => {
    await loaded(async (r) => {
      const filter = new ScriptedFilter(() => FilterReturnCode.Include, { dropRow: 'b', stopAfterRows: 3 });
      const originalRowKey = filter.filterRowKey.bind(filter);
      filter.filterRowKey = (row: Buffer) => {
        filter.noteRow(row.toString());
        return originalRowKey(row);
      };
      const scanner = r.scan({ filter, columns: [{ family: 'cg' }] });
      const { rows, more } = await scanner.next(10, 1e9);
      expect(rows.map((x) => x.row.toString())).toEqual(['a', 'ba']);
      expect(more).toBe(false);
      expect(filter.calls.filter((c) => c.startsWith('rowCells')).length).toBe(3);
    });
  });

  it('a Get applies the filter too', async () => {
    await loaded(async (r) => {
      const filter = new ScriptedFilter((c) => (c.family === 'cg' ? FilterReturnCode.Include : FilterReturnCode.Skip));
      expect(show((await r.get({ row: b('c'), filter }))?.cells)).toEqual(['cg:x@10=CX']);
    });
  });
});

describe('store file skipping', () => {
  it('a Get skips files by bloom filter and by time range, reading only the files that can matter', async () => {
    const { StoreFileReader } = await import('../../../regionserver/storage/store-file.js');
    const { vi } = await import('vitest');
    const h = harness({ config: { compactionMinFiles: 100 } });
    const r = await h.open();
    const spy = vi.spyOn(StoreFileReader.prototype, 'readRow');
    try {
      for (const row of ['a', 'c', 'e']) await r.put({ row: b(row), cells: [put('cf', 'q', `${row}@100`, 100)] });
      await r.flush();
      for (const row of ['b', 'd', 'f']) await r.put({ row: b(row), cells: [put('cf', 'q', `${row}@200`, 200)] });
      await r.flush();
      await r.put({ row: b('c'), cells: [put('cf', 'q', 'c@300', 300)] });
      await r.flush();
      spy.mockClear();
      // Row d lies inside every file's key range; the bloom filters leave one file to read.
      expect(show((await r.get({ row: b('d') }))?.cells)).toEqual(['cf:q@200=d@200']);
      expect(spy).toHaveBeenCalledTimes(1);
      spy.mockClear();
      // Row c is in two files; a time range above the first file's newest cell skips that one.
      expect(show((await r.get({ row: b('c'), timeRange: { min: 150, max: 1000 } }))?.cells)).toEqual(['cf:q@300=c@300']);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
      await r.close();
      h.cleanup();
    }
  });
});
