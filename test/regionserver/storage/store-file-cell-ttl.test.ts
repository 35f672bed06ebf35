/** Proves that store files keep a cell's per-cell TTL, including in a wide row cut into several entries, and that a row entry in the layout written before per-cell TTL existed (built here byte by byte) is exactly what a cell without a TTL still writes, so older files read unchanged. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CellType, compareCells, type Cell } from '../../../common/cell.js';
import { encodeFamilyPrefix } from '../../../common/keycodec.js';
import { StoreFileReader, StoreFileWriter } from '../../../regionserver/storage/store-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'basalt-sf-ttl-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function cell(row: string, qualifier: string, extra: Partial<Cell> = {}): Cell {
  return { row: Buffer.from(row), family: 'cf', qualifier: Buffer.from(qualifier), timestamp: 1_700_000_000_000, type: CellType.Put, value: Buffer.from(`v-${qualifier}`), sequenceId: 7, ...extra };
}

async function write(name: string, cells: Cell[]): Promise<StoreFileReader> {
  const w = new StoreFileWriter({ tmpPath: join(dir, 'tmp', name), finalPath: join(dir, name), family: 'cf', bloomType: 'ROW', expectedCells: cells.length, majorCompacted: false });
  w.appendChunk([...cells].sort(compareCells));
  await w.finish(1);
  return StoreFileReader.open(join(dir, name), name);
}

/** The pre-TTL entry of a one-entry row: flags u8 | cellCount u32 | (qLen u32 | q | ts hi,lo u32 | type u8 | seq hi,lo u32 | vLen u32 | value)*. */
function oldLayoutEntry(cells: Cell[]): Buffer {
  const parts: Buffer[] = [Buffer.from([0])];
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  parts.push(u32(cells.length));
  for (const c of cells) {
    parts.push(u32(c.qualifier.length), c.qualifier, u32(Math.floor(c.timestamp / 2 ** 32)), u32(c.timestamp % 2 ** 32), Buffer.from([c.type]));
    parts.push(u32(Math.floor(c.sequenceId / 2 ** 32)), u32(c.sequenceId % 2 ** 32), u32(c.value.length), c.value);
  }
  return Buffer.concat(parts);
}

describe('store files and per-cell TTL', () => {
  it('write a row of cells without a TTL byte for byte as before', async () => {
    const cells = [cell('r', 'a'), cell('r', 'b', { sequenceId: 2 ** 40 + 3, timestamp: 5 })];
    const file = await write('plain.sf', cells);
    file.closeForStore();
    await file.closed;
    const env = open<Buffer, string>({ path: join(dir, 'plain.sf'), noSubdir: true, maxDbs: 2, readOnly: true, encoding: 'binary', compression: false });
    try {
      const db = env.openDB<Buffer, Buffer>('cells', { keyEncoding: 'binary', encoding: 'binary', compression: false });
      expect(Buffer.from(db.get(encodeFamilyPrefix(Buffer.from('r'), 'cf'))!)).toEqual(oldLayoutEntry([...cells].sort(compareCells)));
    } finally {
      await env.close();
    }
  });

  it('keep the TTL of the cells that have one, next to cells without, in narrow and wide rows', async () => {
    const wideValue = Buffer.alloc(300_000, 0x61);
    const cells = [
      cell('r1', 'a', { ttlMs: 5_000 }),
      cell('r1', 'b'),
      cell('r1', '', { type: CellType.DeleteFamily, value: Buffer.alloc(0), timestamp: 1 }),
      ...[0, 1, 2, 3, 4, 5].map((i) => cell('wide', `q${i}`, { value: wideValue, ...(i % 2 === 0 ? { ttlMs: 1_000 + i } : {}) })),
    ];
    const file = await write('mixed.sf', cells);
    try {
      const got: Cell[] = [];
      for (const { cells: rowCells } of file.rows(Buffer.alloc(0))) got.push(...rowCells);
      const expected = [...cells].sort(compareCells);
      expect(got.map((c) => [c.row.toString(), c.qualifier.toString(), c.type, c.ttlMs, c.value.length])).toEqual(
        expected.map((c) => [c.row.toString(), c.qualifier.toString(), c.type, c.ttlMs, c.value.length]),
      );
      const one: Cell[] = [];
      file.readRow(Buffer.from('r1'), encodeFamilyPrefix(Buffer.from('r1'), 'cf'), one);
      expect(one.map((c) => c.ttlMs)).toEqual([undefined, 5_000, undefined]);
    } finally {
      file.closeForStore();
      await file.closed;
    }
  });
});
