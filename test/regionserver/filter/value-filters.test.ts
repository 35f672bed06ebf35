// Proves ValueFilter, SingleColumnValueFilter (missing column, filterIfMissing, latestVersionOnly),
// SingleColumnValueExcludeFilter and DependentColumnFilter return HBase's rows and cells.
import { describe, expect, it } from 'vitest';
import type { ComparatorSpec, CompareOperator, FilterSpec } from '../../../common/filter/spec.js';
import { createFilter } from '../../../regionserver/filter/create-filter.js';
import { b, scan } from './fixtures.js';
import { cellDescriptions, cellKeys, put, rowKeys } from './scan-driver.js';

const binary = (text: string): ComparatorSpec => ({ type: 'binary', value: b(text) });

describe('ValueFilter', () => {
  it("ValueFilter(<, 'binary:m') keeps cells whose value is less than 'm'", () => {
    const trace = scan({ type: 'ValueFilter', op: 'LESS', comparator: binary('m') });
    const values = trace.rows.flatMap((r) => r.cells.map((c) => c.value.toString()));
    expect(values).toEqual(['apple', 'banana', 'cherry', 'avocado', 'apricot', 'blueberry', 'coconut', 'apple', '']);
    expect(values.every((v) => v < 'm')).toBe(true);
  });

  it("ValueFilter(>, 'binary:m') keeps the others", () => {
    const trace = scan({ type: 'ValueFilter', op: 'GREATER', comparator: binary('m') });
    expect(trace.rows.flatMap((r) => r.cells.map((c) => c.value.toString()))).toEqual(['x', 'y', 'z', 'x']);
  });

  it('regexstring finds the pattern anywhere, dot matching newlines, on latin1 bytes', () => {
    const cells = [
      put('r', 'cf', 'a', 1, 'line1\nline2'),
      put('r', 'cf', 'b', 1, Buffer.from([0x00, 0xff, 0x41])),
      put('r', 'cf', 'c', 1, 'no'),
    ];
    const newline = scan({ type: 'ValueFilter', op: 'EQUAL', comparator: { type: 'regexString', pattern: '1.line' } }, cells);
    expect(cellKeys(newline)).toEqual(['r/cf:a']);
    const binaryBytes = scan({ type: 'ValueFilter', op: 'EQUAL', comparator: { type: 'regexString', pattern: '\\xffA' } }, cells);
    expect(cellKeys(binaryBytes)).toEqual(['r/cf:b']);
    const notMatching = scan({ type: 'ValueFilter', op: 'NOT_EQUAL', comparator: { type: 'regexString', pattern: 'line' } }, cells);
    expect(cellKeys(notMatching)).toEqual(['r/cf:b', 'r/cf:c']);
  });

  it('the null comparator matches empty values', () => {
    const trace = scan({ type: 'ValueFilter', op: 'EQUAL', comparator: { type: 'null' } });
    expect(cellKeys(trace)).toEqual(['row5/cf:b']);
  });
});

function scvf(op: CompareOperator, value: string, filterIfMissing: boolean, latestVersionOnly = true): FilterSpec {
  return {
    type: 'SingleColumnValueFilter',
    family: 'cf',
    qualifier: b('a'),
    op,
    comparator: binary(value),
    filterIfMissing,
    latestVersionOnly,
  };
}

describe('SingleColumnValueFilter', () => {
  it('keeps whole rows whose column passes, and rows missing the column when filterIfMissing is false', () => {
    const trace = scan(scvf('EQUAL', 'apple', false));
    // row1 and row5 pass; row3 and row4 lack cf:a and pass; row2's cf:a is avocado.
    expect(rowKeys(trace)).toEqual(['row1', 'row3', 'row4', 'row5']);
    expect(trace.rows[0]!.cells).toHaveLength(4);
  });

  it('drops rows missing the column when filterIfMissing is true', () => {
    expect(rowKeys(scan(scvf('EQUAL', 'apple', true)))).toEqual(['row1', 'row5']);
  });

  it('tests only the newest version unless latestVersionOnly is false', () => {
    expect(rowKeys(scan(scvf('EQUAL', 'apricot', true)))).toEqual([]);
    const anyVersion = scan(scvf('EQUAL', 'apricot', true, false));
    expect(rowKeys(anyVersion)).toEqual(['row2']);
    expect(cellDescriptions(anyVersion)).toEqual(['row2/cf:a@20=avocado', 'row2/cf:a@10=apricot', 'row2/cf:b@10=blueberry']);
  });

  it('marks only the tested family essential when filterIfMissing is set', () => {
    const filter = createFilter(scvf('EQUAL', 'apple', true));
    expect(filter.isFamilyEssential('cf')).toBe(true);
    expect(filter.isFamilyEssential('meta')).toBe(false);
    expect(createFilter(scvf('EQUAL', 'apple', false)).isFamilyEssential('meta')).toBe(true);
  });
});

describe('SingleColumnValueExcludeFilter', () => {
  it('selects rows like SingleColumnValueFilter but leaves the tested column out', () => {
    const spec = { ...scvf('EQUAL', 'apple', true), type: 'SingleColumnValueExcludeFilter' } as FilterSpec;
    const trace = scan(spec);
    expect(cellKeys(trace)).toEqual(['row1/cf:b', 'row1/cf:c', 'row1/meta:m', 'row5/cf:ab', 'row5/cf:b']);
  });
});

describe('DependentColumnFilter', () => {
  const cells = [
    put('r1', 'cf', 'ref', 100, 'on'),
    put('r1', 'cf', 'ref', 50, 'off'),
    put('r1', 'cf', 'x', 100, 'x100'),
    put('r1', 'cf', 'x', 70, 'x70'),
    put('r1', 'meta', 'y', 50, 'y50'),
    put('r2', 'cf', 'x', 100, 'no ref'),
  ];
  const dependent = (drop: boolean, compare?: { op: CompareOperator; comparator: ComparatorSpec }): FilterSpec => ({
    type: 'DependentColumnFilter',
    family: 'cf',
    qualifier: b('ref'),
    dropDependentColumn: drop,
    ...(compare ?? {}),
  });

  it('keeps only cells whose timestamp matches a version of the reference column', () => {
    expect(cellDescriptions(scan(dependent(false), cells))).toEqual([
      'r1/cf:ref@100=on',
      'r1/cf:ref@50=off',
      'r1/cf:x@100=x100',
      'r1/meta:y@50=y50',
    ]);
  });

  it('can drop the reference column itself', () => {
    expect(cellDescriptions(scan(dependent(true), cells))).toEqual(['r1/cf:x@100=x100', 'r1/meta:y@50=y50']);
  });

  it('with a value test only the passing reference versions count', () => {
    const trace = scan(dependent(false, { op: 'EQUAL', comparator: binary('on') }), cells);
    expect(cellDescriptions(trace)).toEqual(['r1/cf:ref@100=on', 'r1/cf:x@100=x100']);
  });
});
