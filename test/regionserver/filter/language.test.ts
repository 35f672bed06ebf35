// Proves the filter-language parser: HBase's grammar and precedence (SKIP/WHILE, then AND, then
// OR, parentheses), every filter's argument forms, errors with their character positions, and
// that formatFilter writes back a string that parses to the same spec.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isBasaltError } from '../../../common/errors.js';
import { formatFilter, normalizeFilterSpec, parseFilter } from '../../../common/filter-language.js';
import type { FilterSpec } from '../../../common/filter/spec.js';
import { filterSpecArbitrary } from './arbitraries.js';
import { b } from './fixtures.js';

const A: FilterSpec = { type: 'PrefixFilter', prefix: b('a') };
const B: FilterSpec = { type: 'PrefixFilter', prefix: b('b') };
const C: FilterSpec = { type: 'PrefixFilter', prefix: b('c') };
const and = (...filters: FilterSpec[]): FilterSpec => ({ type: 'FilterList', operator: 'MUST_PASS_ALL', filters });
const or = (...filters: FilterSpec[]): FilterSpec => ({ type: 'FilterList', operator: 'MUST_PASS_ONE', filters });

function parseError(text: string): { position: unknown; field: unknown; message: string } {
  try {
    parseFilter(text);
  } catch (err) {
    if (isBasaltError(err, ErrorCodes.FILTER_PARSE_ERROR)) {
      return { position: err.details['position'], field: err.details['field'], message: err.message };
    }
    throw err;
  }
  throw new Error(`expected ${text} to fail`);
}

describe('precedence and grouping', () => {
  it('AND binds tighter than OR', () => {
    expect(parseFilter("PrefixFilter('a') AND PrefixFilter('b') OR PrefixFilter('c')")).toEqual(or(and(A, B), C));
    expect(parseFilter("PrefixFilter('a') OR PrefixFilter('b') AND PrefixFilter('c')")).toEqual(or(A, and(B, C)));
  });

  it('a chain of one operator becomes one list', () => {
    expect(parseFilter("PrefixFilter('a') AND PrefixFilter('b') AND PrefixFilter('c')")).toEqual(and(A, B, C));
  });

  it('parentheses override precedence and keep their grouping', () => {
    expect(parseFilter("(PrefixFilter('a') OR PrefixFilter('b')) AND PrefixFilter('c')")).toEqual(and(or(A, B), C));
    expect(parseFilter("(PrefixFilter('a') AND PrefixFilter('b')) AND PrefixFilter('c')")).toEqual(and(and(A, B), C));
    expect(parseFilter("((PrefixFilter('a')))")).toEqual(A);
  });

  it('SKIP and WHILE bind tighter than AND', () => {
    expect(parseFilter("SKIP PrefixFilter('a') AND PrefixFilter('b')")).toEqual(and({ type: 'SkipFilter', filter: A }, B));
    expect(parseFilter("WHILE (PrefixFilter('a') OR PrefixFilter('b'))")).toEqual({ type: 'WhileMatchFilter', filter: or(A, B) });
    expect(parseFilter("SKIP WHILE PrefixFilter('a')")).toEqual({ type: 'SkipFilter', filter: { type: 'WhileMatchFilter', filter: A } });
  });

  it("parses the reference guide's example with spaces before the parentheses", () => {
    expect(parseFilter("(PrefixFilter ('Row') AND PageFilter (1)) OR KeyOnlyFilter ()")).toEqual(
      or(and({ type: 'PrefixFilter', prefix: b('Row') }, { type: 'PageFilter', pageSize: 1 }), { type: 'KeyOnlyFilter', lenAsVal: false }),
    );
  });
});

describe("the reference guide's individual filter examples", () => {
  const examples: Array<[string, FilterSpec['type']]> = [
    ['KeyOnlyFilter ()', 'KeyOnlyFilter'],
    ['FirstKeyOnlyFilter ()', 'FirstKeyOnlyFilter'],
    ["PrefixFilter ('Row')", 'PrefixFilter'],
    ["ColumnPrefixFilter ('Col')", 'ColumnPrefixFilter'],
    ["MultipleColumnPrefixFilter ('Col1', 'Col2')", 'MultipleColumnPrefixFilter'],
    ['ColumnCountGetFilter (4)', 'ColumnCountGetFilter'],
    ['PageFilter (2)', 'PageFilter'],
    ['ColumnPaginationFilter (3, 5)', 'ColumnPaginationFilter'],
    ["InclusiveStopFilter ('Row')", 'InclusiveStopFilter'],
    ['TimestampsFilter (5985489, 48895495, 58489845945)', 'TimestampsFilter'],
    ["RowFilter (<=, 'binary:xyz')", 'RowFilter'],
    ["FamilyFilter (>=, 'binaryprefix:FamilyB')", 'FamilyFilter'],
    ["QualifierFilter (=, 'substring:Column1')", 'QualifierFilter'],
    ["ValueFilter (!=, 'binary:Value')", 'ValueFilter'],
    ["DependentColumnFilter ('conf', 'blacklist', false, >=, 'binary:zebra')", 'DependentColumnFilter'],
    ["SingleColumnValueFilter ('FamilyA', 'Column1', <=, 'binary:abc', true, false)", 'SingleColumnValueFilter'],
    ["SingleColumnValueExcludeFilter ('FamilyA', 'Column1', <=, 'binary:abc', false, true)", 'SingleColumnValueExcludeFilter'],
    ["ColumnRangeFilter ('abc', true, 'xyz', false)", 'ColumnRangeFilter'],
  ];
  for (const [text, type] of examples) {
    it(`parses ${text}`, () => {
      expect(parseFilter(text).type).toBe(type);
    });
  }
});

describe('arguments', () => {
  it('reads compare operators and comparators', () => {
    expect(parseFilter("ValueFilter(<, 'binary:m')")).toEqual({ type: 'ValueFilter', op: 'LESS', comparator: { type: 'binary', value: b('m') } });
    expect(parseFilter("RowFilter(>=, 'binaryprefix:row')")).toEqual({
      type: 'RowFilter',
      op: 'GREATER_OR_EQUAL',
      comparator: { type: 'binaryPrefix', value: b('row') },
    });
    expect(parseFilter("QualifierFilter(!=, 'regexstring:^a:b$')")).toEqual({
      type: 'QualifierFilter',
      op: 'NOT_EQUAL',
      comparator: { type: 'regexString', pattern: '^a:b$' },
    });
    expect(parseFilter("FamilyFilter(=, 'substring:Meta')")).toEqual({
      type: 'FamilyFilter',
      op: 'EQUAL',
      comparator: { type: 'substring', substring: 'Meta' },
    });
  });

  it("unescapes '' inside quotes and \\xNN in byte arguments", () => {
    expect(parseFilter("PrefixFilter('it''s')")).toEqual({ type: 'PrefixFilter', prefix: b("it's") });
    expect(parseFilter("PrefixFilter('\\x00\\xFFa')")).toEqual({ type: 'PrefixFilter', prefix: Buffer.from([0, 255, 97]) });
  });

  it('reads the optional arguments of SingleColumnValueFilter, DependentColumnFilter and KeyOnlyFilter', () => {
    expect(parseFilter("SingleColumnValueFilter('cf', 'q', =, 'binary:v')")).toMatchObject({ filterIfMissing: false, latestVersionOnly: true });
    expect(parseFilter("SingleColumnValueFilter('cf', 'q', =, 'binary:v', TRUE, false)")).toMatchObject({ filterIfMissing: true, latestVersionOnly: false });
    expect(parseFilter("DependentColumnFilter('cf', 'q')")).toEqual({ type: 'DependentColumnFilter', family: 'cf', qualifier: b('q'), dropDependentColumn: false });
    expect(parseFilter("DependentColumnFilter('cf', 'q', true, =, 'binary:x')")).toMatchObject({ op: 'EQUAL', dropDependentColumn: true });
    expect(parseFilter('KeyOnlyFilter(true)')).toEqual({ type: 'KeyOnlyFilter', lenAsVal: true });
  });

  it('reads numbers, lists and ranges', () => {
    expect(parseFilter('TimestampsFilter(5985489, 48895495)')).toEqual({ type: 'TimestampsFilter', timestamps: [5985489, 48895495] });
    expect(parseFilter('ColumnPaginationFilter(4, 2)')).toEqual({ type: 'ColumnPaginationFilter', limit: 4, offset: 2 });
    expect(parseFilter("ColumnPaginationFilter(4, 'q5')")).toEqual({ type: 'ColumnPaginationFilter', limit: 4, offset: 0, columnOffset: b('q5') });
    expect(parseFilter("MultipleColumnPrefixFilter('a', 'b')")).toEqual({ type: 'MultipleColumnPrefixFilter', prefixes: [b('a'), b('b')] });
    expect(parseFilter("ColumnRangeFilter('a', true, '', false)")).toMatchObject({ minColumn: b('a'), maxColumn: b('') });
    expect(parseFilter("MultiRowRangeFilter('a', true, 'c', false, 'x', false, '', false)")).toMatchObject({
      ranges: [
        { startRow: b('a'), startRowInclusive: true, stopRow: b('c'), stopRowInclusive: false },
        { startRow: b('x'), startRowInclusive: false, stopRow: b(''), stopRowInclusive: false },
      ],
    });
    expect(parseFilter('RandomRowFilter(0.25)')).toEqual({ type: 'RandomRowFilter', chance: 0.25 });
  });
});

describe('errors', () => {
  const cases: Array<[string, string, number]> = [
    ['an unknown filter name', "PrefixFilter('a') AND BogusFilter()", "PrefixFilter('a') AND ".length],
    ['a missing closing parenthesis', "PrefixFilter('abc'", "PrefixFilter('abc'".length],
    ['an unterminated quote', "PrefixFilter('abc)", 'PrefixFilter('.length],
    ['a dangling operator', "PrefixFilter('a') AND", "PrefixFilter('a') AND".length],
    ['an unknown operator word', "PrefixFilter('a') XOR PrefixFilter('b')", "PrefixFilter('a') ".length],
    ['an unknown comparator type', "ValueFilter(<, 'foo:bar')", 'ValueFilter(<, '.length],
    ['a comparator without a type', "ValueFilter(<, 'bar')", 'ValueFilter(<, '.length],
    ['a string where a number goes', "PageFilter('x')", 'PageFilter('.length],
    ['a missing compare operator', "ValueFilter('binary:a', 'binary:b')", 'ValueFilter('.length],
    ['too many arguments', "PrefixFilter('a', 'b')", "PrefixFilter('a', ".length],
    ['a negative page size', 'PageFilter(-1)', 0],
    ['an invalid regular expression', "  ValueFilter(=, 'regexstring:(')", 2],
    ['a bad family name', "SingleColumnValueFilter('c f', 'q', =, 'binary:v')", 0],
    ['a stray character', "PrefixFilter('a') & PrefixFilter('b')", "PrefixFilter('a') ".length],
    ['an empty string', '   ', 0],
    ['an unbalanced closing parenthesis', "PrefixFilter('a'))", "PrefixFilter('a')".length],
  ];
  for (const [what, text, position] of cases) {
    it(`reports ${what} at its position`, () => {
      const error = parseError(text);
      expect(error.field).toBe('filter');
      expect(error.position, error.message).toBe(position);
    });
  }

  it('rejects nesting beyond the bound without exhausting the stack', () => {
    const deep = '('.repeat(5000) + "PrefixFilter('a')" + ')'.repeat(5000);
    expect(typeof parseError(deep).position).toBe('number');
    const deepSkip = 'SKIP '.repeat(20) + "PrefixFilter('a')";
    expect(parseError(deepSkip).message).toMatch(/deeper/);
  });
});

describe('formatFilter', () => {
  it('writes the HBase syntax', () => {
    const spec = or(and(A, { type: 'ValueFilter', op: 'LESS', comparator: { type: 'binary', value: b("it's") } }), { type: 'SkipFilter', filter: or(B, C) });
    expect(formatFilter(spec)).toBe(
      "(PrefixFilter('a') AND ValueFilter(<, 'binary:it''s')) OR SKIP (PrefixFilter('b') OR PrefixFilter('c'))",
    );
  });

  it('refuses NO_OP, which the language cannot express', () => {
    expect(() => formatFilter({ type: 'RowFilter', op: 'NO_OP', comparator: { type: 'null' } })).toThrow(/NO_OP/);
  });

  it('round trip: parseFilter(formatFilter(spec)) equals the spec without single-member lists', () => {
    fc.assert(
      fc.property(filterSpecArbitrary(false), (spec) => {
        expect(parseFilter(formatFilter(spec))).toEqual(normalizeFilterSpec(spec));
      }),
      { numRuns: 300 },
    );
  });
});
