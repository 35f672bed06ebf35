/** Proves that the data plane's hand-written encoders (a get's ResponseItem, a BatchResponse frame) produce exactly the bytes protobufjs produces, for random rows including empty parts and timestamps and sequence ids up to 2^53 − 1. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CellType, type Cell } from '../../../common/cell.js';
import { basalt } from '../../../proto/generated/basalt.js';
import type { RowResult } from '../../../regionserver/region/api.js';
import { rowToProto } from '../../../regionserver/server/conversions.js';
import { encodeGetResponseItem } from '../../../regionserver/server/dispatcher.js';
import { encodeFrame } from '../../../regionserver/server/stream.js';

const pb = basalt.regionserver;
const SEED = Number(process.env.BASALT_FUZZ_SEED ?? 20261122);

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
const cellTypes = fc.constantFrom(CellType.Put, CellType.Delete, CellType.DeleteColumn, CellType.DeleteFamily, CellType.DeleteFamilyVersion);
const wideNumber = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 300 }), fc.maxSafeNat());

const rowArbitrary: fc.Arbitrary<RowResult> = fc
  .record({
    row: bytes(40),
    partial: fc.boolean(),
    cells: fc.array(
      fc.record({
        family: fc.stringMatching(/^[A-Za-z0-9_.-]{0,12}$/),
        qualifier: bytes(20),
        timestamp: wideNumber,
        type: cellTypes,
        value: bytes(300),
        sequenceId: wideNumber,
      }),
      { maxLength: 12 },
    ),
  })
  .map(({ row, partial, cells }) => ({
    row,
    ...(partial ? { partial: true } : {}),
    cells: cells.map((c): Cell => ({ ...c, row })),
  }));

function reference(id: number, row: RowResult | undefined): Buffer {
  const get = row && row.cells.length > 0 ? { row: rowToProto(row) } : {};
  return Buffer.from(pb.ResponseItem.encode({ id, get }).finish());
}

describe('hand-written wire encoders', () => {
  it('a get ResponseItem is byte-identical to protobufjs and decodes to the same row', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2 ** 32 - 1 })), fc.option(rowArbitrary, { nil: undefined }), (id, row) => {
        const fast = Buffer.from(encodeGetResponseItem(id, row));
        expect(fast.equals(reference(id, row))).toBe(true);
        const decoded = pb.ResponseItem.decode(fast);
        expect(decoded.id).toBe(id);
        expect(decoded.get?.row?.cells?.length ?? 0).toBe(row?.cells.length ?? 0);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('a frame of items is byte-identical to BatchResponse.encode', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 1_000_000 }), rowArbitrary), { maxLength: 20 }), (pairs) => {
        const items = pairs.map(([id, row]) => encodeGetResponseItem(id, row));
        const frame = encodeFrame(items);
        const expected = Buffer.from(pb.BatchResponse.encode({ items: items.map((bytes) => pb.ResponseItem.decode(bytes)) }).finish());
        expect(frame.equals(expected)).toBe(true);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});
