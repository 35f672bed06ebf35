/** Proves store files keep cell order for any key length, skip by bloom and key range, and refuse incomplete or damaged files with CORRUPT_STORE_FILE. */
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CellType, compareCells, type Cell } from '../../../common/cell.js';
import { encodeFamilyPrefix, prefixUpperBound } from '../../../common/keycodec.js';
import { SeededRandom } from '../../../common/random.js';
import { isBasaltError } from '../../../common/errors.js';
import { KEY_INLINE_LIMIT, StoreFileReader, StoreFileWriter } from '../../../regionserver/storage/store-file.js';
import { BloomFilter, rowBloomKey } from '../../../regionserver/storage/bloom.js';
import { MemStore } from '../../../regionserver/storage/memstore.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'basalt-sf-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function cell(row: Buffer, qualifier: string, ts: number, seq: number, value = 'v', type = CellType.Put): Cell {
  return { row, family: 'cf', qualifier: Buffer.from(qualifier), timestamp: ts, type, value: Buffer.from(value), sequenceId: seq };
}

async function write(name: string, cells: Cell[], bloomType: 'NONE' | 'ROW' | 'ROWCOL' = 'ROW'): Promise<StoreFileReader> {
  const w = new StoreFileWriter({ tmpPath: join(dir, 'tmp', name), finalPath: join(dir, name), family: 'cf', bloomType, expectedCells: cells.length, majorCompacted: false });
  w.appendChunk([...cells].sort(compareCells));
  await w.finish(1);
  return StoreFileReader.open(join(dir, name), name);
}

function readAll(file: StoreFileReader, start = Buffer.alloc(0)): Cell[] {
  const out: Cell[] = [];
  for (const { cells } of file.rows(start)) out.push(...cells);
  return out;
}

describe('store files', () => {
  it('return cells in cell order, including rows longer than LMDB keys allow and empty values', async () => {
    const rnd = new SeededRandom(42);
    const cells: Cell[] = [];
    const longBase = Buffer.alloc(KEY_INLINE_LIMIT + 50, 0x61);
    for (let i = 0; i < 300; i++) {
      const long = rnd.next() < 0.4;
      const row = long ? Buffer.concat([longBase, Buffer.from([rnd.int(3), rnd.int(256)])]) : Buffer.from([rnd.int(4), rnd.int(256), 0]);
      cells.push(cell(row, `q${rnd.int(3)}`, rnd.int(5), i + 1, rnd.next() < 0.3 ? '' : `v${i}`));
    }
    const file = await write('long.sf', cells);
    const got = readAll(file);
    const expected = [...cells].sort(compareCells);
    expect(got.length).toBe(expected.length);
    got.forEach((c, i) => {
      expect(compareCells(c, expected[i]!)).toBe(0);
      expect(c.value.equals(expected[i]!.value)).toBe(true);
    });
    // A range that starts and ends inside the long-key region.
    const target = expected.find((c) => c.row.length > KEY_INLINE_LIMIT)!;
    const prefix = encodeFamilyPrefix(target.row, 'cf');
    const inRow: Cell[] = [];
    file.readRow(target.row, prefix, inRow);
    expect(inRow.length).toBe(expected.filter((c) => c.row.equals(target.row)).length);
    expect(inRow.every((c) => c.row.equals(target.row))).toBe(true);
    // Every row reads back alone, and the previous row is found from any row's prefix.
    const rows = [...new Map(expected.map((c) => [c.row.toString('latin1'), c.row])).values()];
    for (const [i, row] of rows.entries()) {
      const got: Cell[] = [];
      file.readRow(row, encodeFamilyPrefix(row, 'cf'), got);
      expect(got.length).toBe(expected.filter((c) => c.row.equals(row)).length);
      const before = file.lastKeyBefore(encodeFamilyPrefix(row, 'cf'));
      if (i > 0) expect(before?.equals(encodeFamilyPrefix(rows[i - 1]!, 'cf'))).toBe(true);
      else expect(before).toBeUndefined();
    }
    expect(file.firstKeyAtOrAfter(prefixUpperBound(prefix), undefined)?.equals(encodeFamilyPrefix(rows[rows.indexOf(target.row) + 1] ?? Buffer.alloc(0), 'cf')) ?? true).toBe(true);
    file.closeForStore();
  });

  it('a row wider than one entry is cut into chunks and reads back whole, in order', async () => {
    const row = Buffer.from('wide');
    const big = 'x'.repeat(100_000);
    const cells = Array.from({ length: 30 }, (_, i) => cell(row, `q${String(i).padStart(3, '0')}`, 1, i + 1, big));
    const file = await write('wide.sf', [...cells, cell(Buffer.from('after'), 'q', 1, 99), cell(Buffer.from('before'), 'q', 1, 98)]);
    const got: Cell[] = [];
    file.readRow(row, encodeFamilyPrefix(row, 'cf'), got);
    expect(got.map((c) => c.qualifier.toString())).toEqual(cells.map((c) => c.qualifier.toString()));
    expect(readAll(file).map((c) => c.row.toString())).toEqual(['after', 'before', ...cells.map(() => 'wide')]);
    file.closeForStore();
  });

  it('several files with empty values stay readable side by side', async () => {
    const a = await write('a.sf', [cell(Buffer.from('a'), 'q', 1, 1, ''), cell(Buffer.from('b'), 'q', 1, 2, '', CellType.DeleteColumn)], 'NONE');
    const b = await write('b.sf', [cell(Buffer.from('a'), 'q', 2, 3, 'x')], 'NONE');
    expect(readAll(a).map((c) => c.value.toString())).toEqual(['', '']);
    expect(readAll(b).map((c) => c.value.toString())).toEqual(['x']);
    expect(a.meta.deleteMarkerCount).toBe(1);
    a.closeForStore();
    b.closeForStore();
  });

  it('a ROW bloom filter proves absent rows absent and never misses a present one', async () => {
    const rows = Array.from({ length: 500 }, (_, i) => Buffer.from(`row-${i}`));
    const file = await write('bloom.sf', rows.map((r, i) => cell(r, 'q', 1, i + 1)));
    for (const r of rows) expect(file.mightContainRow(r)).toBe(true);
    let falsePositives = 0;
    for (let i = 0; i < 2000; i++) if (file.mightContainRow(Buffer.from(`absent-${i}`))) falsePositives++;
    expect(falsePositives).toBeLessThan(100); // ~1 % expected
    file.closeForStore();
  });

  it('a ROWCOL bloom filter answers per column, and finds family markers for any column', async () => {
    const row = Buffer.from('r');
    const file = await write('rowcol.sf', [cell(row, 'a', 1, 1)], 'ROWCOL');
    expect(file.mightContainColumns(row, [Buffer.from('a')])).toBe(true);
    const marker = await write('fam.sf', [{ ...cell(row, '', 5, 2), type: CellType.DeleteFamily, value: Buffer.alloc(0) }], 'ROWCOL');
    expect(marker.mightContainColumns(row, [Buffer.from('zzz')])).toBe(true);
    const bloom = BloomFilter.create(1);
    bloom.add(rowBloomKey(row));
    expect(bloom.mightContain(rowBloomKey(row))).toBe(true);
    file.closeForStore();
    marker.closeForStore();
  });

  it('a file without its completeness record, or with damaged bytes, is CORRUPT_STORE_FILE', async () => {
    const good = await write('good.sf', [cell(Buffer.from('a'), 'q', 1, 1)]);
    good.closeForStore();
    // Garbage.
    writeFileSync(join(dir, 'garbage.sf'), Buffer.alloc(8192, 7));
    // Truncated copy.
    writeFileSync(join(dir, 'half.sf'), readFileSync(join(dir, 'good.sf')).subarray(0, 4096));
    // A writer that never finished: the temp file has cells but no completeness record.
    const unfinished = new StoreFileWriter({ tmpPath: join(dir, 'unfinished.sf'), finalPath: join(dir, 'never.sf'), family: 'cf', bloomType: 'ROW', expectedCells: 1, majorCompacted: false });
    unfinished.appendChunk([cell(Buffer.from('a'), 'q', 1, 1)]);
    await unfinished.abort();
    expect(existsSync(join(dir, 'unfinished.sf'))).toBe(false);
    for (const name of ['garbage.sf', 'half.sf', 'missing.sf']) {
      let error: unknown;
      try {
        StoreFileReader.open(join(dir, name), name).closeForStore();
      } catch (err) {
        error = err;
      }
      expect(isBasaltError(error, 'CORRUPT_STORE_FILE'), name).toBe(true);
    }
  });

  it('memstore snapshot keeps serving reads until cleared, and sizes add up', () => {
    const m = new MemStore();
    m.add(cell(Buffer.from('a'), 'q', 1, 1));
    const before = m.sizeBytes;
    expect(before).toBeGreaterThan(0);
    const snap = m.snapshot();
    m.add(cell(Buffer.from('b'), 'q', 1, 2));
    expect(m.trees().length).toBe(2);
    expect(snap.tree.size).toBe(1);
    m.clearSnapshot();
    expect(m.trees().length).toBe(1);
    expect(m.sizeBytes).toBeLessThan(before * 2);
  });
});
