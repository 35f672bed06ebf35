/** Proves the key codec's byte order equals compareCells and that decode inverts encode, on random cells with 0x00/0xFF bytes, empty parts and extreme values. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CellType, MAX_TIMESTAMP, compareCells, type Cell } from '../../../common/cell.js';
import { compareBytes } from '../../../common/bytes.js';
import {
  MAX_SEQUENCE_ID,
  decodeKey,
  decodeRow,
  encodeColumnPrefix,
  encodeFamilyPrefix,
  encodeKey,
  encodeKeyString,
  encodeRowPrefix,
  prefixUpperBound,
} from '../../../common/keycodec.js';

// Bytes biased towards the troublesome values 0x00, 0x01 and 0xFF.
const byte = fc.oneof(fc.constantFrom(0x00, 0x01, 0xff, 0xfe), fc.integer({ min: 0, max: 255 }));
const bytes = (max: number) => fc.array(byte, { maxLength: max }).map((a) => Buffer.from(a));
const timestamp = fc.oneof(fc.constantFrom(0, 1, MAX_TIMESTAMP, MAX_TIMESTAMP - 1, 2 ** 32, 2 ** 32 - 1), fc.integer({ min: 0, max: MAX_TIMESTAMP }));
const sequenceId = fc.oneof(fc.constantFrom(0, 1, MAX_SEQUENCE_ID, 2 ** 32), fc.integer({ min: 0, max: MAX_SEQUENCE_ID }));
const cellType = fc.constantFrom(CellType.Put, CellType.Delete, CellType.DeleteColumn, CellType.DeleteFamily, CellType.DeleteFamilyVersion);
const familyName = fc.constantFrom('a', 'b', 'cf', 'cf1', 'cf-2', 'c.f', 'A', 'Z_');

const cellArb: fc.Arbitrary<Cell> = fc.record({
  row: bytes(6).filter((r) => r.length > 0),
  family: familyName,
  qualifier: bytes(5),
  timestamp,
  type: cellType,
  value: fc.constant(Buffer.alloc(0)),
  sequenceId,
});

const params = { numRuns: 300, seed: Number(process.env.BASALT_SEED ?? Date.now() % 2 ** 31) };

describe('key codec', () => {
  it('sorting by encoded bytes equals sorting by compareCells', () => {
    console.log(`keycodec property seed ${params.seed}`);
    fc.assert(
      fc.property(fc.array(cellArb, { minLength: 2, maxLength: 40 }), (cells) => {
        const byCodec = [...cells].sort((x, y) => compareBytes(encodeKey(x), encodeKey(y)));
        const byModel = [...cells].sort(compareCells);
        for (let i = 0; i < cells.length; i++) expect(compareCells(byCodec[i]!, byModel[i]!)).toBe(0);
      }),
      params,
    );
  });

  it('pairwise: sign of byte comparison equals sign of compareCells, also for latin1 strings', () => {
    fc.assert(
      fc.property(cellArb, cellArb, (x, y) => {
        const expected = Math.sign(compareCells(x, y));
        expect(Math.sign(compareBytes(encodeKey(x), encodeKey(y)))).toBe(expected);
        const sx = encodeKeyString(x);
        const sy = encodeKeyString(y);
        expect(sx < sy ? -1 : sx > sy ? 1 : 0).toBe(expected);
      }),
      { ...params, numRuns: 2000 },
    );
  });

  it('decode inverts encode', () => {
    fc.assert(
      fc.property(cellArb, (c) => {
        const k = decodeKey(encodeKey(c));
        expect(k.row.equals(c.row)).toBe(true);
        expect(k.family).toBe(c.family);
        expect(k.qualifier.equals(c.qualifier)).toBe(true);
        expect([k.timestamp, k.type, k.sequenceId]).toEqual([c.timestamp, c.type, c.sequenceId]);
        expect(decodeRow(encodeKey(c)).equals(c.row)).toBe(true);
      }),
      params,
    );
  });

  it('every key of a row, family or column falls inside its prefix range, and keys of other rows outside', () => {
    fc.assert(
      fc.property(cellArb, cellArb, (c, other) => {
        const key = encodeKey(c);
        for (const prefix of [encodeRowPrefix(c.row), encodeFamilyPrefix(c.row, c.family), encodeColumnPrefix(c.row, c.family, c.qualifier)]) {
          expect(compareBytes(key, prefix) >= 0 && compareBytes(key, prefixUpperBound(prefix)) < 0).toBe(true);
        }
        const otherKey = encodeKey(other);
        const rowPrefix = encodeRowPrefix(c.row);
        const inside = compareBytes(otherKey, rowPrefix) >= 0 && compareBytes(otherKey, prefixUpperBound(rowPrefix)) < 0;
        expect(inside).toBe(other.row.equals(c.row));
      }),
      params,
    );
  });

  it('no encoded key is a proper prefix of another (store files rely on it)', () => {
    fc.assert(
      fc.property(cellArb, cellArb, (x, y) => {
        const a = encodeKey(x);
        const c = encodeKey(y);
        if (a.length < c.length) expect(c.subarray(0, a.length).equals(a)).toBe(false);
      }),
      params,
    );
  });
});
