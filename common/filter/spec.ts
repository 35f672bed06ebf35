/**
 * FilterSpec: the plain-data description of a server-side filter (HBase's filter catalogue).
 * The client builds it, the shell's filter language parses into it, the wire carries it
 * (proto/filter.proto) and the region server instantiates it (regionserver/filter/create-filter.ts).
 * Only plain objects, arrays, strings, numbers, booleans and Buffers: no classes, no functions, so
 * a spec can be compared, logged, stored and sent as is.
 */

/**
 * HBase's CompareOperator. The comparison reads "cell op operand": `ValueFilter(LESS, binary:m)`
 * keeps cells whose value is less than `m`. NO_OP matches nothing (HBase filters everything out).
 */
export type CompareOperator =
  | 'LESS'
  | 'LESS_OR_EQUAL'
  | 'EQUAL'
  | 'NOT_EQUAL'
  | 'GREATER_OR_EQUAL'
  | 'GREATER'
  | 'NO_OP';

export const COMPARE_OPERATORS: readonly CompareOperator[] = [
  'LESS',
  'LESS_OR_EQUAL',
  'EQUAL',
  'NOT_EQUAL',
  'GREATER_OR_EQUAL',
  'GREATER',
  'NO_OP',
];

/** What a compare filter compares the cell's row, family, qualifier or value with. */
export type ComparatorSpec =
  /** Unsigned lexicographic comparison with `value`. */
  | { type: 'binary'; value: Buffer }
  /** Compares `value` with the first value.length bytes of the cell's bytes. */
  | { type: 'binaryPrefix'; value: Buffer }
  /** Equal when the pattern is found anywhere in the bytes read as latin1 (JS RegExp, dotAll). */
  | { type: 'regexString'; pattern: string }
  /** Equal when the bytes read as UTF-8 contain `substring`, ignoring case. */
  | { type: 'substring'; substring: string }
  /** Equal when the bytes are empty (a cell value can never be null in Basalt). */
  | { type: 'null' };

export type ComparatorType = ComparatorSpec['type'];

/** One [startRow, stopRow) range of MultiRowRangeFilter; an empty bound is unbounded. */
export interface RowRange {
  startRow: Buffer;
  startRowInclusive: boolean;
  stopRow: Buffer;
  stopRowInclusive: boolean;
}

export type FilterListOperator = 'MUST_PASS_ALL' | 'MUST_PASS_ONE';

interface CompareFields {
  op: CompareOperator;
  comparator: ComparatorSpec;
}

interface SingleColumnValueFields extends CompareFields {
  family: string;
  qualifier: Buffer;
  /** Drop rows that lack the column (default false: such rows pass). */
  filterIfMissing: boolean;
  /** Test only the newest version of the column (default true). */
  latestVersionOnly: boolean;
}

export type FilterSpec =
  | { type: 'PrefixFilter'; prefix: Buffer }
  | ({ type: 'RowFilter' } & CompareFields)
  | ({ type: 'FamilyFilter' } & CompareFields)
  | ({ type: 'QualifierFilter' } & CompareFields)
  | ({ type: 'ValueFilter' } & CompareFields)
  | ({ type: 'SingleColumnValueFilter' } & SingleColumnValueFields)
  | ({ type: 'SingleColumnValueExcludeFilter' } & SingleColumnValueFields)
  | { type: 'ColumnPrefixFilter'; prefix: Buffer }
  | { type: 'MultipleColumnPrefixFilter'; prefixes: Buffer[] }
  | {
      type: 'ColumnRangeFilter';
      /** Empty = no lower bound. */
      minColumn: Buffer;
      minColumnInclusive: boolean;
      /** Empty = no upper bound. */
      maxColumn: Buffer;
      maxColumnInclusive: boolean;
    }
  /** `limit` columns per row starting at the `offset`-th column, or at the first column ≥ columnOffset. */
  | { type: 'ColumnPaginationFilter'; limit: number; offset: number; columnOffset?: Buffer }
  | { type: 'ColumnCountGetFilter'; limit: number }
  | { type: 'TimestampsFilter'; timestamps: number[] }
  | { type: 'PageFilter'; pageSize: number }
  | { type: 'FirstKeyOnlyFilter' }
  | { type: 'KeyOnlyFilter'; lenAsVal: boolean }
  | { type: 'InclusiveStopFilter'; stopRow: Buffer }
  | { type: 'MultiRowRangeFilter'; ranges: RowRange[] }
  /** Keeps each row with probability `chance` (the server's random source, injectable in tests). */
  | { type: 'RandomRowFilter'; chance: number }
  | {
      type: 'DependentColumnFilter';
      family: string;
      qualifier: Buffer;
      dropDependentColumn: boolean;
      /** Optional value test on the reference column: both or neither. */
      op?: CompareOperator;
      comparator?: ComparatorSpec;
    }
  | { type: 'WhileMatchFilter'; filter: FilterSpec }
  | { type: 'SkipFilter'; filter: FilterSpec }
  | { type: 'FilterList'; operator: FilterListOperator; filters: FilterSpec[] };

export type FilterType = FilterSpec['type'];
export type FilterSpecOf<T extends FilterType> = Extract<FilterSpec, { type: T }>;

export const FILTER_TYPES: readonly FilterType[] = [
  'PrefixFilter',
  'RowFilter',
  'FamilyFilter',
  'QualifierFilter',
  'ValueFilter',
  'SingleColumnValueFilter',
  'SingleColumnValueExcludeFilter',
  'ColumnPrefixFilter',
  'MultipleColumnPrefixFilter',
  'ColumnRangeFilter',
  'ColumnPaginationFilter',
  'ColumnCountGetFilter',
  'TimestampsFilter',
  'PageFilter',
  'FirstKeyOnlyFilter',
  'KeyOnlyFilter',
  'InclusiveStopFilter',
  'MultiRowRangeFilter',
  'RandomRowFilter',
  'DependentColumnFilter',
  'WhileMatchFilter',
  'SkipFilter',
  'FilterList',
];

/**
 * Bounds on a filter (STYLE.md §8): a filter arrives from the network, so its size, nesting and
 * the cost of its regular expressions are capped before the server builds anything from it.
 */
export const FILTER_LIMITS = {
  /** Nesting of FilterList / WhileMatchFilter / SkipFilter. */
  maxDepth: 16,
  /** Filters in the whole tree. */
  maxNodes: 1024,
  /** Members of one FilterList. */
  maxListMembers: 256,
  /** Prefixes, timestamps or row ranges of one filter. */
  maxListEntries: 10_000,
  /** Bytes of any one key, prefix or comparator operand. */
  maxBytesLength: 64 * 1024,
  /** Characters of a regular expression (JS RegExp backtracks: keep patterns small). */
  maxPatternLength: 1024,
  /** Characters of a filter-language string. */
  maxFilterStringLength: 256 * 1024,
} as const;

/** Convenience builders for the common cases (the client and tests use them). */
export const Filters = {
  binary: (value: Buffer): ComparatorSpec => ({ type: 'binary', value }),
  binaryPrefix: (value: Buffer): ComparatorSpec => ({ type: 'binaryPrefix', value }),
  regexString: (pattern: string): ComparatorSpec => ({ type: 'regexString', pattern }),
  substring: (substring: string): ComparatorSpec => ({ type: 'substring', substring }),
  and: (...filters: FilterSpec[]): FilterSpec => ({ type: 'FilterList', operator: 'MUST_PASS_ALL', filters }),
  or: (...filters: FilterSpec[]): FilterSpec => ({ type: 'FilterList', operator: 'MUST_PASS_ONE', filters }),
};
