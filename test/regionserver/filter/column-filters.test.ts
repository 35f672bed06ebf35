// Proves the family, qualifier, column-range, pagination, timestamp and key-shaping filters return
// HBase's cells, and that the seeking ones examine fewer cells without skipping other families.
import { describe, expect, it } from 'vitest';
import { b, fruitTable, scan } from './fixtures.js';
import { cellDescriptions, cellKeys, put, rowKeys } from './scan-driver.js';

/** One row with many qualifiers in two families, three versions of cf:d. */
const wideRow = [
  ...['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((q) => put('r', 'cf', q, 10, `v${q}`)),
  put('r', 'cf', 'd', 9, 'old-d'),
  put('r', 'cf', 'd', 8, 'older-d'),
  ...['a', 'b', 'c'].map((q) => put('r', 'zz', q, 10, `z${q}`)),
];

describe('FamilyFilter', () => {
  it('keeps the families that pass and still reaches the families after a failing one', () => {
    const trace = scan({ type: 'FamilyFilter', op: 'GREATER', comparator: { type: 'binary', value: b('cf') } });
    expect(cellKeys(trace)).toEqual(['row1/meta:m', 'row3/meta:m', 'row4/meta:m']);
  });

  it('seeks past a failing family instead of visiting its cells', () => {
    const trace = scan({ type: 'FamilyFilter', op: 'EQUAL', comparator: { type: 'binary', value: b('zz') } }, wideRow);
    expect(cellKeys(trace)).toEqual(['r/zz:a', 'r/zz:b', 'r/zz:c']);
    expect(trace.cellsExamined).toBe(4);
  });
});

describe('QualifierFilter', () => {
  it('keeps the columns whose qualifier passes, with all their versions', () => {
    const trace = scan({ type: 'QualifierFilter', op: 'LESS_OR_EQUAL', comparator: { type: 'binary', value: b('a') } });
    expect(cellDescriptions(trace)).toEqual([
      'row1/cf:a@10=apple',
      'row2/cf:a@20=avocado',
      'row2/cf:a@10=apricot',
      'row5/cf:a@10=apple',
    ]);
  });

  it('substring compares case-insensitively', () => {
    const cells = [put('r', 'cf', 'UserName', 1, 'v'), put('r', 'cf', 'email', 1, 'v')];
    const trace = scan({ type: 'QualifierFilter', op: 'EQUAL', comparator: { type: 'substring', substring: 'name' } }, cells);
    expect(cellKeys(trace)).toEqual(['r/cf:UserName']);
  });
});

describe('ColumnPrefixFilter', () => {
  it('keeps qualifiers with the prefix in every family', () => {
    const trace = scan({ type: 'ColumnPrefixFilter', prefix: b('a') });
    expect(cellKeys(trace)).toEqual(['row1/cf:a', 'row2/cf:a', 'row2/cf:a', 'row5/cf:a', 'row5/cf:ab']);
  });

  it('seeks to the prefix and past the family once beyond it', () => {
    const trace = scan({ type: 'ColumnPrefixFilter', prefix: b('d') }, wideRow);
    expect(cellDescriptions(trace)).toEqual(['r/cf:d@10=vd', 'r/cf:d@9=old-d', 'r/cf:d@8=older-d']);
    // cf:a (seek to d), three versions of d, cf:e (seek to next family), zz:a (seek), done.
    expect(trace.cellsExamined).toBe(6);
  });
});

describe('MultipleColumnPrefixFilter', () => {
  it('keeps qualifiers with any of the prefixes, even overlapping ones', () => {
    const cells = ['a', 'ab', 'ac', 'b', 'ba', 'c', 'x'].map((q) => put('r', 'cf', q, 1, 'v'));
    const trace = scan({ type: 'MultipleColumnPrefixFilter', prefixes: [b('x'), b('ab'), b('a')] }, cells);
    expect(cellKeys(trace)).toEqual(['r/cf:a', 'r/cf:ab', 'r/cf:ac', 'r/cf:x']);
  });

  it('seeks between prefixes', () => {
    const trace = scan({ type: 'MultipleColumnPrefixFilter', prefixes: [b('b'), b('f')] }, wideRow);
    expect(cellKeys(trace)).toEqual(['r/cf:b', 'r/cf:f', 'r/zz:b']);
    // cf:a→b, b, c→f, f, g→next family, zz:a→b, zz:b, zz:c→next family.
    expect(trace.cellsExamined).toBe(8);
  });
});

describe('ColumnRangeFilter', () => {
  it('keeps qualifiers inside the range with inclusive and exclusive bounds', () => {
    const range = (minInclusive: boolean, maxInclusive: boolean) =>
      cellKeys(
        scan(
          {
            type: 'ColumnRangeFilter',
            minColumn: b('b'),
            minColumnInclusive: minInclusive,
            maxColumn: b('d'),
            maxColumnInclusive: maxInclusive,
          },
          wideRow.filter((c) => c.timestamp === 10),
        ),
      );
    expect(range(true, true)).toEqual(['r/cf:b', 'r/cf:c', 'r/cf:d', 'r/zz:b', 'r/zz:c']);
    expect(range(false, false)).toEqual(['r/cf:c', 'r/zz:c']);
  });

  it('an empty bound is no bound', () => {
    const trace = scan(
      { type: 'ColumnRangeFilter', minColumn: b(''), minColumnInclusive: true, maxColumn: b('b'), maxColumnInclusive: false },
      wideRow,
    );
    expect(cellKeys(trace)).toEqual(['r/cf:a', 'r/zz:a']);
  });
});

describe('ColumnPaginationFilter', () => {
  it('returns limit columns after offset columns, counting columns not versions', () => {
    const trace = scan({ type: 'ColumnPaginationFilter', limit: 2, offset: 3 }, wideRow);
    expect(cellDescriptions(trace)).toEqual(['r/cf:d@10=vd', 'r/cf:e@10=ve']);
  });

  it('counts columns across families of the row', () => {
    const trace = scan({ type: 'ColumnPaginationFilter', limit: 3, offset: 6 }, wideRow);
    expect(cellKeys(trace)).toEqual(['r/cf:g', 'r/zz:a', 'r/zz:b']);
  });

  it('with a column offset starts at the first qualifier at or after it', () => {
    const trace = scan({ type: 'ColumnPaginationFilter', limit: 2, offset: 0, columnOffset: b('cc') }, wideRow);
    expect(cellKeys(trace)).toEqual(['r/cf:d', 'r/cf:e']);
  });

  it('paginates each row separately', () => {
    const trace = scan({ type: 'ColumnPaginationFilter', limit: 1, offset: 1 });
    expect(cellKeys(trace)).toEqual(['row1/cf:b', 'row2/cf:b', 'row3/meta:m', 'row5/cf:ab']);
  });
});

describe('ColumnCountGetFilter', () => {
  it('returns the first limit columns of a row and, as in HBase, ends a scan after a wider row', () => {
    const trace = scan({ type: 'ColumnCountGetFilter', limit: 2 });
    expect(cellKeys(trace)).toEqual(['row1/cf:a', 'row1/cf:b']);
    expect(trace.endedByFilter).toBe(true);
  });

  it('keeps scanning while rows are narrow enough', () => {
    const trace = scan({ type: 'ColumnCountGetFilter', limit: 4 });
    expect(rowKeys(trace)).toEqual(['row1', 'row2', 'row3', 'row4', 'row5']);
  });
});

describe('TimestampsFilter', () => {
  it('keeps only the listed timestamps', () => {
    const trace = scan({ type: 'TimestampsFilter', timestamps: [9, 10] }, wideRow);
    expect(cellDescriptions(trace)).toContain('r/cf:d@9=old-d');
    expect(cellDescriptions(trace)).not.toContain('r/cf:d@8=older-d');
    expect(trace.rows[0]!.cells).toHaveLength(11);
  });

  it('an empty list keeps nothing', () => {
    expect(rowKeys(scan({ type: 'TimestampsFilter', timestamps: [] }))).toEqual([]);
  });
});

describe('FirstKeyOnlyFilter', () => {
  it('returns the first cell of every row', () => {
    const trace = scan({ type: 'FirstKeyOnlyFilter' });
    expect(cellKeys(trace)).toEqual(['row1/cf:a', 'row2/cf:a', 'row3/cf:c', 'row4/meta:m', 'row5/cf:a']);
  });
});

describe('KeyOnlyFilter', () => {
  it('strips values', () => {
    const trace = scan({ type: 'KeyOnlyFilter', lenAsVal: false });
    expect(trace.rows.flatMap((r) => r.cells).every((c) => c.value.length === 0)).toBe(true);
    expect(cellKeys(trace)).toHaveLength(fruitTable().length);
  });

  it('with lenAsVal replaces the value by its length as a 4-byte big-endian integer', () => {
    const trace = scan({ type: 'KeyOnlyFilter', lenAsVal: true });
    const first = trace.rows[0]!.cells[0]!;
    expect(first.value).toEqual(Buffer.from([0, 0, 0, 5]));
  });
});
