/** fast-check generators of valid, canonical FilterSpecs (every field present, as validation leaves them). */
import fc from 'fast-check';
import { MAX_TIMESTAMP } from '../../../common/cell.js';
import type { ComparatorSpec, CompareOperator, FilterSpec, RowRange } from '../../../common/filter/spec.js';

const bytes = fc.uint8Array({ maxLength: 6 }).map((a) => Buffer.from(a));
const family = fc
  .string({ unit: fc.constantFrom(...'abcXYZ019_.-'.split('')), minLength: 1, maxLength: 6 })
  .filter((f) => f !== '.' && f !== '..');
const text = fc.string({ unit: 'grapheme', maxLength: 6 });
const PATTERNS = ['', 'a.c', '^row[0-9]+$', '(?:x|y)*', "it's", '\\d{2,}', '[\\x00-\\x1f]', 'é+'];

export function comparatorArbitrary(): fc.Arbitrary<ComparatorSpec> {
  return fc.oneof(
    bytes.map((value): ComparatorSpec => ({ type: 'binary', value })),
    bytes.map((value): ComparatorSpec => ({ type: 'binaryPrefix', value })),
    fc.constantFrom(...PATTERNS).map((pattern): ComparatorSpec => ({ type: 'regexString', pattern })),
    text.map((substring): ComparatorSpec => ({ type: 'substring', substring })),
    fc.constant<ComparatorSpec>({ type: 'null' }),
  );
}

const rowRange: fc.Arbitrary<RowRange> = fc
  .record({ startRow: bytes, startRowInclusive: fc.boolean(), stopRow: bytes, stopRowInclusive: fc.boolean() })
  .map((r) => (r.stopRow.length > 0 && Buffer.compare(r.startRow, r.stopRow) > 0 ? { ...r, startRow: r.stopRow, stopRow: r.startRow } : r));

/** Random valid FilterSpecs. `withNoOp` includes the NO_OP operator (which the language cannot write). */
export function filterSpecArbitrary(withNoOp: boolean): fc.Arbitrary<FilterSpec> {
  const ops: CompareOperator[] = ['LESS', 'LESS_OR_EQUAL', 'EQUAL', 'NOT_EQUAL', 'GREATER_OR_EQUAL', 'GREATER'];
  if (withNoOp) ops.push('NO_OP');
  const op = fc.constantFrom(...ops);
  const comparator = comparatorArbitrary();
  const compare = <T extends 'RowFilter' | 'FamilyFilter' | 'QualifierFilter' | 'ValueFilter'>(type: T) =>
    fc.record({ type: fc.constant(type), op, comparator }).map((s) => s as FilterSpec);
  const singleColumn = <T extends 'SingleColumnValueFilter' | 'SingleColumnValueExcludeFilter'>(type: T) =>
    fc
      .record({ type: fc.constant(type), family, qualifier: bytes, op, comparator, filterIfMissing: fc.boolean(), latestVersionOnly: fc.boolean() })
      .map((s) => s as FilterSpec);
  const count = fc.integer({ min: 0, max: 2 ** 31 - 1 });
  const leaf: fc.Arbitrary<FilterSpec> = fc.oneof(
    bytes.map((prefix): FilterSpec => ({ type: 'PrefixFilter', prefix })),
    compare('RowFilter'),
    compare('FamilyFilter'),
    compare('QualifierFilter'),
    compare('ValueFilter'),
    singleColumn('SingleColumnValueFilter'),
    singleColumn('SingleColumnValueExcludeFilter'),
    bytes.map((prefix): FilterSpec => ({ type: 'ColumnPrefixFilter', prefix })),
    fc.array(bytes, { minLength: 1, maxLength: 4 }).map((prefixes): FilterSpec => ({ type: 'MultipleColumnPrefixFilter', prefixes })),
    fc
      .record({ minColumn: bytes, minColumnInclusive: fc.boolean(), maxColumn: bytes, maxColumnInclusive: fc.boolean() })
      .map((r): FilterSpec => ({ type: 'ColumnRangeFilter', ...r })),
    fc.record({ limit: count, offset: count }).map((r): FilterSpec => ({ type: 'ColumnPaginationFilter', ...r })),
    fc.record({ limit: count, columnOffset: bytes }).map((r): FilterSpec => ({ type: 'ColumnPaginationFilter', limit: r.limit, offset: 0, columnOffset: r.columnOffset })),
    count.map((limit): FilterSpec => ({ type: 'ColumnCountGetFilter', limit })),
    fc.array(fc.integer({ min: 0, max: MAX_TIMESTAMP }), { maxLength: 4 }).map((timestamps): FilterSpec => ({ type: 'TimestampsFilter', timestamps })),
    count.map((pageSize): FilterSpec => ({ type: 'PageFilter', pageSize })),
    fc.constant<FilterSpec>({ type: 'FirstKeyOnlyFilter' }),
    fc.boolean().map((lenAsVal): FilterSpec => ({ type: 'KeyOnlyFilter', lenAsVal })),
    bytes.map((stopRow): FilterSpec => ({ type: 'InclusiveStopFilter', stopRow })),
    fc.array(rowRange, { minLength: 1, maxLength: 3 }).map((ranges): FilterSpec => ({ type: 'MultiRowRangeFilter', ranges })),
    fc
      .double({ noNaN: true, noDefaultInfinity: true })
      .map((chance): FilterSpec => ({ type: 'RandomRowFilter', chance: chance === 0 ? 0 : chance })),
    fc
      .record({ family, qualifier: bytes, dropDependentColumn: fc.boolean(), test: fc.option(fc.record({ op, comparator }), { nil: undefined }) })
      .map(({ test, ...rest }): FilterSpec => ({ type: 'DependentColumnFilter', ...rest, ...(test ?? {}) })),
  );
  return fc.letrec<{ node: FilterSpec }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true, maxDepth: 8 },
      leaf,
      tie('node').map((filter): FilterSpec => ({ type: 'WhileMatchFilter', filter })),
      tie('node').map((filter): FilterSpec => ({ type: 'SkipFilter', filter })),
      fc
        .record({
          operator: fc.constantFrom('MUST_PASS_ALL' as const, 'MUST_PASS_ONE' as const),
          filters: fc.array(tie('node'), { minLength: 1, maxLength: 3 }),
        })
        .map((r): FilterSpec => ({ type: 'FilterList', ...r })),
    ),
  })).node;
}
