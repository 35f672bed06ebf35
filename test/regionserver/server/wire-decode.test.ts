/**
 * The bulk-write fast path (regionserver/server/wire-decode.ts) must mean exactly what protobufjs's
 * decode followed by RequestDecoder.mutation means: for random Multi requests (valid and invalid
 * cells, odd field orders, unknown fields) both paths give the same region mutations or the same
 * typed error naming the same field. Seeded by fast-check; a failure prints its seed.
 */
import fc from 'fast-check';
import * as protobuf from 'protobufjs/minimal.js';
import { describe, expect, it } from 'vitest';
import { basalt } from '../../../proto/generated/basalt.js';
import { CellType } from '../../../common/cell.js';
import { BasaltError, ErrorCodes } from '../../../common/errors.js';
import { noFilters, RequestDecoder, type RequestLimits } from '../../../regionserver/server/conversions.js';
import { QualifierCache } from '../../../regionserver/server/qualifier-cache.js';
import { decodeRequestItem, WireMutation } from '../../../regionserver/server/wire-decode.js';
import type { Mutation } from '../../../regionserver/region/api.js';

import pb = basalt.regionserver;

const LIMITS: RequestLimits = { maxRowKeyBytes: 64, maxCellBytes: 200, maxRequestBytes: 1 << 20, maxRowsPerRequest: 1000 };

type Outcome = { ok: Mutation } | { code: string; message: string };

function outcome(f: () => Mutation): Outcome {
  try {
    return { ok: f() };
  } catch (err) {
    if (!(err instanceof BasaltError)) throw err;
    return { code: err.code, message: err.message };
  }
}

/** Both paths over the same encoded item: [protobufjs + RequestDecoder, wire-decode + RequestDecoder]. */
function bothPaths(bytes: Buffer): { slow: Outcome[]; fast: Outcome[]; fastItem: pb.IRequestItem; slowItem: pb.RequestItem } {
  const slowItem = pb.RequestItem.decode(bytes);
  const fastItem = decodeRequestItem(bytes);
  const slowDecoder = new RequestDecoder(LIMITS, noFilters);
  const fastDecoder = new RequestDecoder(LIMITS, noFilters, new QualifierCache());
  const slow = (slowItem.multi?.actions ?? []).map((a, i) => outcome(() => slowDecoder.mutation(a.mutation, `multi.actions[${i}].mutation`)));
  const fast = (fastItem.multi?.actions ?? []).map((a, i) => outcome(() => fastDecoder.mutation(a.mutation, `multi.actions[${i}].mutation`)));
  return { slow, fast, fastItem, slowItem };
}

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
const cellArb = fc.record(
  {
    family: fc.constantFrom('cf', 'f2', '', '*', 'bad name', 'é'),
    qualifier: bytes(12),
    timestamp: fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }), fc.constant(2 ** 53 + 10), fc.constant(Number.MAX_SAFE_INTEGER)),
    type: fc.constantFrom(CellType.Put, CellType.Delete, CellType.DeleteColumn, CellType.DeleteFamily, CellType.DeleteFamilyVersion, 0, 99),
    value: bytes(150),
    ttlMs: fc.integer({ min: 0, max: 2 ** 40 }),
  },
  { requiredKeys: ['type'] },
);
const mutationArb = fc.record({ row: bytes(80), cells: fc.array(cellArb, { maxLength: 6 }) }, { requiredKeys: ['cells'] });

function sameOutcomes(slow: Outcome[], fast: Outcome[]): void {
  expect(fast.length).toBe(slow.length);
  slow.forEach((s, i) => {
    const f = fast[i]!;
    if ('ok' in s) {
      expect('ok' in f ? f.ok : f).toEqual(s.ok);
    } else {
      expect(f).toEqual(s);
    }
  });
}

describe('wire decode of bulk writes', () => {
  it('gives the same mutations or the same typed errors as protobufjs + RequestDecoder (random requests)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.string({ maxLength: 20 }), fc.array(mutationArb, { maxLength: 5 }), (id, region, mutations) => {
        const encoded = Buffer.from(pb.RequestItem.encode({ id, multi: { region, actions: mutations.map((mutation) => ({ mutation })) } }).finish());
        const { slow, fast, fastItem, slowItem } = bothPaths(encoded);
        expect(fastItem.id ?? 0).toBe(slowItem.id);
        expect(fastItem.multi?.region ?? '').toBe(slowItem.multi?.region);
        for (const a of fastItem.multi?.actions ?? []) expect(a.mutation).toBeInstanceOf(WireMutation);
        sameOutcomes(slow, fast);
      }),
      { numRuns: 400 },
    );
  });

  it('reads fields in any order and skips unknown ones, as protobuf does', () => {
    // A cell written with value before family, an unknown varint (field 9) and an unknown bytes field (12).
    const cell = protobuf.Writer.create();
    cell.uint32(42).bytes(Buffer.from('v'));
    cell.uint32(72).uint64(12345);
    cell.uint32(10).string('cf');
    cell.uint32(98).bytes(Buffer.from('ignored'));
    cell.uint32(18).bytes(Buffer.from('q'));
    cell.uint32(32).uint32(CellType.Put);
    cell.uint32(24).uint64(77);
    // The mutation lists its cell before its row, and its row twice (the last wins).
    const mutation = protobuf.Writer.create();
    mutation.uint32(18).bytes(cell.finish());
    mutation.uint32(10).bytes(Buffer.from('first'));
    mutation.uint32(10).bytes(Buffer.from('row1'));
    const action = protobuf.Writer.create().uint32(10).bytes(mutation.finish()).finish();
    const multi = protobuf.Writer.create().uint32(18).bytes(action).uint32(10).string('r1').uint32(800).uint32(5).finish();
    const item = Buffer.from(protobuf.Writer.create().uint32(34).bytes(multi).uint32(8).uint32(9).finish());
    const { slow, fast, fastItem } = bothPaths(item);
    expect(fastItem.id).toBe(9);
    expect(fastItem.multi?.region).toBe('r1');
    expect(slow[0]).toEqual({ ok: { row: Buffer.from('row1'), cells: [{ family: 'cf', qualifier: Buffer.from('q'), timestamp: 77, type: CellType.Put, value: Buffer.from('v') }] } });
    sameOutcomes(slow, fast);
  });

  it('leaves every other request to protobufjs, and turns malformed bytes into INVALID_ARGUMENT', () => {
    const get = Buffer.from(pb.RequestItem.encode({ id: 3, get: { region: 'r1', get: { row: Buffer.from('a') } } }).finish());
    expect(decodeRequestItem(get)).toEqual(pb.RequestItem.decode(get));
    const mixed = Buffer.from(pb.RequestItem.encode({ id: 4, multi: { region: 'r', actions: [{ get: { row: Buffer.from('a') } }, { mutation: { row: Buffer.from('b'), cells: [] } }] } }).finish());
    const decoded = decodeRequestItem(mixed);
    expect(decoded.multi?.actions?.[0]).toEqual(pb.MultiAction.decode(pb.MultiAction.encode({ get: { row: Buffer.from('a') } }).finish()));
    expect(decoded.multi?.actions?.[1]?.mutation).toBeInstanceOf(WireMutation);
    fc.assert(
      fc.property(bytes(64), (junk) => {
        try {
          decodeRequestItem(junk);
        } catch (err) {
          expect(err).toBeInstanceOf(BasaltError);
          expect((err as BasaltError).code).toBe(ErrorCodes.INVALID_ARGUMENT);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a WireMutation still reads as a decoded message for code that treats it as one', () => {
    const m = { row: Buffer.from('r'), cells: [{ family: 'cf', qualifier: Buffer.from('q'), type: CellType.Put, value: Buffer.from('v') }] };
    const wire = new WireMutation(Buffer.from(pb.Mutation.encode(m).finish()));
    expect(Buffer.from(wire.row)).toEqual(m.row);
    expect(wire.cells[0]?.family).toBe('cf');
  });
});
