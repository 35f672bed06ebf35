/** Proves that the WAL codec keeps a cell's per-cell TTL and that an entry in the layout written before per-cell TTL existed (built here byte by byte) still decodes, and is exactly what a cell without a TTL encodes to today. */
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CellType, type Cell } from '../../../common/cell.js';
import { decodeEntryRecord, decodeFrameIndex, encodeFrame } from '../../../regionserver/wal/codec.js';

/** The pre-TTL entry record: length u32 | crc32 u32 | regionId | sequenceId u48 | openEpoch u32 | cellCount u32 | cells. */
function oldLayoutRecord(regionId: string, sequenceId: number, openEpoch: number, cells: Cell[]): Buffer {
  const parts: Buffer[] = [];
  const u16 = (n: number): Buffer => {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(n);
    return b;
  };
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const u48 = (n: number): Buffer => {
    const b = Buffer.alloc(6);
    b.writeUIntBE(n, 0, 6);
    return b;
  };
  const f64 = (n: number): Buffer => {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(n);
    return b;
  };
  parts.push(u16(Buffer.byteLength(regionId)), Buffer.from(regionId), u48(sequenceId), u32(openEpoch), u32(cells.length));
  for (const c of cells) {
    parts.push(u32(c.row.length), c.row, u16(Buffer.byteLength(c.family)), Buffer.from(c.family), u32(c.qualifier.length), c.qualifier);
    parts.push(f64(c.timestamp), Buffer.from([c.type]), u32(c.value.length), c.value, u48(c.sequenceId));
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([u32(body.length), u32(crc32(body)), body]);
}

const cell = (qualifier: string, extra: Partial<Cell> = {}): Cell => ({
  row: Buffer.from('row'),
  family: 'cf',
  qualifier: Buffer.from(qualifier),
  timestamp: 1_700_000_000_123,
  type: CellType.Put,
  value: Buffer.from(`v-${qualifier}`),
  sequenceId: 42,
  ...extra,
});

describe('WAL codec and per-cell TTL', () => {
  it('decodes an entry in the layout written before per-cell TTL, with no TTL on its cells', () => {
    const cells = [cell('a'), cell('', { type: CellType.DeleteFamily, value: Buffer.alloc(0) })];
    const decoded = decodeEntryRecord(oldLayoutRecord('t,r1', 42, 3, cells), 0, 'golden');
    expect(decoded).toEqual({ regionId: 't,r1', sequenceId: 42, openEpoch: 3, cells });
    expect(decoded.cells.every((c) => !('ttlMs' in c))).toBe(true);
  });

  it('encodes a cell without a TTL exactly as before, and keeps the TTL of a cell that has one', () => {
    const plain = [cell('a')];
    const { frame, locations } = encodeFrame([{ regionId: 't,r1', sequenceId: 42, openEpoch: 3, cells: plain }], []);
    const loc = locations[0]!;
    expect(frame.subarray(loc.offset, loc.offset + loc.length)).toEqual(oldLayoutRecord('t,r1', 42, 3, plain));

    const mixed = [cell('a', { ttlMs: 5_000 }), cell('b'), cell('c', { ttlMs: 2 ** 40 })];
    const encoded = encodeFrame([{ regionId: 't,r1', sequenceId: 43, openEpoch: 3, cells: mixed }], [{ regionId: 't,r1', sequenceId: 40 }]);
    const index = decodeFrameIndex(encoded.frame);
    const entry = decodeEntryRecord(encoded.frame, index.locations[0]!.offset, 'mixed');
    expect(entry.cells).toEqual(mixed);
    expect(entry.cells.map((c) => c.ttlMs)).toEqual([5_000, undefined, 2 ** 40]);
    expect(entry.cells.map((c) => c.type)).toEqual([CellType.Put, CellType.Put, CellType.Put]);
  });
});
