// Proves, on random rows and random nested AND/OR lists of stateless filters, that what a scan
// returns through the filters (with all their skips, seeks and merged hints) equals a plain
// per-cell predicate evaluation written independently here.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Cell } from '../../../common/cell.js';
import type { CompareOperator, FilterSpec } from '../../../common/filter/spec.js';
import { b } from './fixtures.js';
import { put, scanWithFilter, sortCells } from './scan-driver.js';
import { createFilter } from '../../../regionserver/filter/create-filter.js';

const ROWS = ['a', 'ab', 'b', 'ba', 'c'];
const FAMILIES = ['f', 'g', 'h'];
const QUALIFIERS = ['', 'a', 'ab', 'b', 'ba', 'c'];
const VALUES = ['', 'a', 'm', 'z'];
const OPS: CompareOperator[] = ['LESS', 'LESS_OR_EQUAL', 'EQUAL', 'NOT_EQUAL', 'GREATER_OR_EQUAL', 'GREATER'];

/** "actual op operand", written directly (not through HBase's inverted compareTo). */
function holds(op: CompareOperator, actual: Buffer, operand: Buffer): boolean {
  const c = Buffer.compare(actual, operand);
  switch (op) {
    case 'LESS':
      return c < 0;
    case 'LESS_OR_EQUAL':
      return c <= 0;
    case 'EQUAL':
      return c === 0;
    case 'NOT_EQUAL':
      return c !== 0;
    case 'GREATER_OR_EQUAL':
      return c >= 0;
    case 'GREATER':
      return c > 0;
    case 'NO_OP':
      return false;
  }
}

function passes(spec: FilterSpec, cell: Cell): boolean {
  const startsWith = (bytes: Buffer, prefix: Buffer) => bytes.subarray(0, prefix.length).equals(prefix);
  switch (spec.type) {
    case 'RowFilter':
      return spec.comparator.type === 'binary' && holds(spec.op, cell.row, spec.comparator.value);
    case 'FamilyFilter':
      return spec.comparator.type === 'binary' && holds(spec.op, Buffer.from(cell.family), spec.comparator.value);
    case 'QualifierFilter':
      return spec.comparator.type === 'binary' && holds(spec.op, cell.qualifier, spec.comparator.value);
    case 'ValueFilter':
      return spec.comparator.type === 'binary' && holds(spec.op, cell.value, spec.comparator.value);
    case 'PrefixFilter':
      return startsWith(cell.row, spec.prefix);
    case 'ColumnPrefixFilter':
      return startsWith(cell.qualifier, spec.prefix);
    case 'MultipleColumnPrefixFilter':
      return spec.prefixes.some((p) => startsWith(cell.qualifier, p));
    case 'ColumnRangeFilter': {
      const lo = spec.minColumn.length === 0 || (spec.minColumnInclusive ? Buffer.compare(cell.qualifier, spec.minColumn) >= 0 : Buffer.compare(cell.qualifier, spec.minColumn) > 0);
      const hi = spec.maxColumn.length === 0 || (spec.maxColumnInclusive ? Buffer.compare(cell.qualifier, spec.maxColumn) <= 0 : Buffer.compare(cell.qualifier, spec.maxColumn) < 0);
      return lo && hi;
    }
    case 'TimestampsFilter':
      return spec.timestamps.includes(cell.timestamp);
    case 'InclusiveStopFilter':
      return Buffer.compare(cell.row, spec.stopRow) <= 0;
    case 'MultiRowRangeFilter':
      return spec.ranges.some((r) => {
        const lo = r.startRowInclusive ? Buffer.compare(cell.row, r.startRow) >= 0 : Buffer.compare(cell.row, r.startRow) > 0;
        const hi = r.stopRow.length === 0 || (r.stopRowInclusive ? Buffer.compare(cell.row, r.stopRow) <= 0 : Buffer.compare(cell.row, r.stopRow) < 0);
        return lo && hi;
      });
    case 'FilterList':
      return spec.operator === 'MUST_PASS_ALL' ? spec.filters.every((f) => passes(f, cell)) : spec.filters.some((f) => passes(f, cell));
    default:
      throw new Error(`no oracle for ${spec.type}`);
  }
}

const pick = <T>(values: readonly T[]) => fc.constantFrom(...values);
const bytesOf = (values: readonly string[]) => pick(values).map(b);

const leaf: fc.Arbitrary<FilterSpec> = fc.oneof(
  fc.record({ type: fc.constant('RowFilter' as const), op: pick(OPS), comparator: fc.record({ type: fc.constant('binary' as const), value: bytesOf(ROWS) }) }),
  fc.record({ type: fc.constant('FamilyFilter' as const), op: pick(OPS), comparator: fc.record({ type: fc.constant('binary' as const), value: bytesOf(FAMILIES) }) }),
  fc.record({ type: fc.constant('QualifierFilter' as const), op: pick(OPS), comparator: fc.record({ type: fc.constant('binary' as const), value: bytesOf(QUALIFIERS) }) }),
  fc.record({ type: fc.constant('ValueFilter' as const), op: pick(OPS), comparator: fc.record({ type: fc.constant('binary' as const), value: bytesOf(VALUES) }) }),
  fc.record({ type: fc.constant('PrefixFilter' as const), prefix: bytesOf(ROWS) }),
  fc.record({ type: fc.constant('ColumnPrefixFilter' as const), prefix: bytesOf(QUALIFIERS) }),
  fc.record({ type: fc.constant('MultipleColumnPrefixFilter' as const), prefixes: fc.array(bytesOf(QUALIFIERS), { minLength: 1, maxLength: 3 }) }),
  fc.record({
    type: fc.constant('ColumnRangeFilter' as const),
    minColumn: bytesOf(QUALIFIERS),
    minColumnInclusive: fc.boolean(),
    maxColumn: bytesOf(QUALIFIERS),
    maxColumnInclusive: fc.boolean(),
  }),
  fc.record({ type: fc.constant('TimestampsFilter' as const), timestamps: fc.uniqueArray(fc.integer({ min: 1, max: 3 }), { maxLength: 3 }) }),
  fc.record({ type: fc.constant('InclusiveStopFilter' as const), stopRow: bytesOf(ROWS) }),
  fc
    .array(
      fc.tuple(bytesOf(ROWS), fc.boolean(), bytesOf(['', ...ROWS]), fc.boolean()).filter(([start, , stop]) => stop.length === 0 || Buffer.compare(start, stop) <= 0),
      { minLength: 1, maxLength: 3 },
    )
    .map((ranges) => ({
      type: 'MultiRowRangeFilter' as const,
      ranges: ranges.map(([startRow, startRowInclusive, stopRow, stopRowInclusive]) => ({ startRow, startRowInclusive, stopRow, stopRowInclusive })),
    })),
);

const filterTree: fc.Arbitrary<FilterSpec> = fc.letrec<{ node: FilterSpec }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({
      type: fc.constant('FilterList' as const),
      operator: pick(['MUST_PASS_ALL', 'MUST_PASS_ONE'] as const),
      filters: fc.array(tie('node'), { minLength: 1, maxLength: 3 }),
    }),
  ),
})).node;

const table: fc.Arbitrary<Cell[]> = fc
  .uniqueArray(fc.tuple(pick(ROWS), pick(FAMILIES), pick(QUALIFIERS), fc.integer({ min: 1, max: 3 }), pick(VALUES)), {
    maxLength: 40,
    selector: ([row, family, qualifier, ts]) => `${row}/${family}/${qualifier}/${ts}`,
  })
  .map((tuples) => tuples.map(([row, family, qualifier, ts, value]) => put(row, family, qualifier, ts, value)));

function describeCells(cells: Cell[]): string[] {
  return cells.map((c) => `${c.row}/${c.family}:${c.qualifier}@${c.timestamp}=${c.value}`);
}

describe('filters against a per-cell oracle', () => {
  it('a scan through random nested stateless filters returns exactly the cells the predicate accepts', () => {
    fc.assert(
      fc.property(filterTree, table, (spec, cells) => {
        const trace = scanWithFilter(createFilter(spec), cells);
        const got = describeCells(trace.rows.flatMap((r) => r.cells));
        const expected = describeCells(sortCells(cells).filter((cell) => passes(spec, cell)));
        expect(got).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });
});
