// Proves the row-key filters (Prefix, Row, InclusiveStop, MultiRowRange, Random, Page) keep and drop
// the rows HBase would, seek where HBase seeks and end the scan when nothing more can pass.
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../common/random.js';
import { createFilter } from '../../../regionserver/filter/create-filter.js';
import { b, fruitTable, scan } from './fixtures.js';
import { put, rowKeys, scanWithFilter } from './scan-driver.js';
import type { FilterSpec } from '../../../common/filter/spec.js';

const manyRows = Array.from({ length: 20 }, (_, i) => put(`r${String(i).padStart(2, '0')}`, 'cf', 'q', 1, `v${i}`));

describe('PrefixFilter', () => {
  it('keeps only rows starting with the prefix and ends the scan once past it', () => {
    const trace = scan({ type: 'PrefixFilter', prefix: b('r0') }, manyRows);
    expect(rowKeys(trace)).toEqual(['r00', 'r01', 'r02', 'r03', 'r04', 'r05', 'r06', 'r07', 'r08', 'r09']);
    expect(trace.endedByFilter).toBe(true);
  });

  it('treats a row shorter than the prefix as not matching', () => {
    const cells = [put('r', 'cf', 'q', 1, 'v'), put('r1x', 'cf', 'q', 1, 'v')];
    expect(rowKeys(scan({ type: 'PrefixFilter', prefix: b('r1') }, cells))).toEqual(['r1x']);
  });

  it('in a reversed scan ends once below the prefix', () => {
    const filter = createFilter({ type: 'PrefixFilter', prefix: b('r1') }, { reversed: true });
    const decisions: Array<[string, boolean, boolean]> = [];
    for (const row of ['r20', 'r15', 'r10', 'r09']) {
      filter.reset();
      const dropped = filter.filterRowKey(b(row));
      decisions.push([row, dropped, filter.filterAllRemaining()]);
    }
    expect(decisions).toEqual([
      ['r20', true, false],
      ['r15', false, false],
      ['r10', false, false],
      ['r09', true, true],
    ]);
  });
});

describe('RowFilter', () => {
  it('reads the operator as "row op operand": LESS keeps rows below the operand', () => {
    const trace = scan({ type: 'RowFilter', op: 'LESS', comparator: { type: 'binary', value: b('row3') } });
    expect(rowKeys(trace)).toEqual(['row1', 'row2']);
  });

  it('GREATER_OR_EQUAL, NOT_EQUAL and EQUAL pick the complementary sets', () => {
    const at = (op: 'GREATER_OR_EQUAL' | 'NOT_EQUAL' | 'EQUAL' | 'LESS_OR_EQUAL' | 'GREATER') =>
      rowKeys(scan({ type: 'RowFilter', op, comparator: { type: 'binary', value: b('row3') } }));
    expect(at('GREATER_OR_EQUAL')).toEqual(['row3', 'row4', 'row5']);
    expect(at('GREATER')).toEqual(['row4', 'row5']);
    expect(at('LESS_OR_EQUAL')).toEqual(['row1', 'row2', 'row3']);
    expect(at('NOT_EQUAL')).toEqual(['row1', 'row2', 'row4', 'row5']);
    expect(at('EQUAL')).toEqual(['row3']);
  });

  it('NO_OP passes nothing', () => {
    expect(rowKeys(scan({ type: 'RowFilter', op: 'NO_OP', comparator: { type: 'binary', value: b('row3') } }))).toEqual([]);
  });

  it('regexstring searches anywhere in the key', () => {
    const trace = scan({ type: 'RowFilter', op: 'EQUAL', comparator: { type: 'regexString', pattern: '[24]' } });
    expect(rowKeys(trace)).toEqual(['row2', 'row4']);
  });

  it('binaryprefix compares only the first operand-length bytes', () => {
    const cells = [put('ab', 'cf', 'q', 1, 'v'), put('abc', 'cf', 'q', 1, 'v'), put('b', 'cf', 'q', 1, 'v'), put('a', 'cf', 'q', 1, 'v')];
    const trace = scan({ type: 'RowFilter', op: 'EQUAL', comparator: { type: 'binaryPrefix', value: b('ab') } }, cells);
    expect(rowKeys(trace)).toEqual(['ab', 'abc']);
    const greater = scan({ type: 'RowFilter', op: 'GREATER', comparator: { type: 'binaryPrefix', value: b('ab') } }, cells);
    expect(rowKeys(greater)).toEqual(['b']);
  });
});

describe('InclusiveStopFilter', () => {
  it('includes the stop row and ends the scan after it', () => {
    const trace = scan({ type: 'InclusiveStopFilter', stopRow: b('row3') });
    expect(rowKeys(trace)).toEqual(['row1', 'row2', 'row3']);
    expect(trace.endedByFilter).toBe(true);
  });
});

describe('MultiRowRangeFilter', () => {
  it('returns rows of every range, merging overlaps and honouring inclusive bounds', () => {
    const trace = scan(
      {
        type: 'MultiRowRangeFilter',
        ranges: [
          { startRow: b('r15'), startRowInclusive: false, stopRow: b('r17'), stopRowInclusive: true },
          { startRow: b('r02'), startRowInclusive: true, stopRow: b('r04'), stopRowInclusive: false },
          { startRow: b('r03'), startRowInclusive: true, stopRow: b('r05'), stopRowInclusive: false },
        ],
      },
      manyRows,
    );
    expect(rowKeys(trace)).toEqual(['r02', 'r03', 'r04', 'r16', 'r17']);
    expect(trace.endedByFilter).toBe(true);
  });

  it('seeks over the gap between ranges instead of examining every row', () => {
    const trace = scan(
      {
        type: 'MultiRowRangeFilter',
        ranges: [
          { startRow: b('r01'), startRowInclusive: true, stopRow: b('r02'), stopRowInclusive: false },
          { startRow: b('r18'), startRowInclusive: true, stopRow: b(''), stopRowInclusive: false },
        ],
      },
      manyRows,
    );
    expect(rowKeys(trace)).toEqual(['r01', 'r18', 'r19']);
    // r00 (seek), r01, r02 (seek to r18), r18, r19.
    expect(trace.cellsExamined).toBe(5);
  });

  it('in a reversed scan skips row by row and ends below the first range', () => {
    const filter = createFilter(
      {
        type: 'MultiRowRangeFilter',
        ranges: [
          { startRow: b('r02'), startRowInclusive: true, stopRow: b('r04'), stopRowInclusive: false },
          { startRow: b('r08'), startRowInclusive: true, stopRow: b('r09'), stopRowInclusive: true },
        ],
      },
      { reversed: true },
    );
    const seen: Array<[string, boolean, boolean]> = [];
    for (const row of ['r10', 'r09', 'r05', 'r03', 'r02', 'r01']) {
      filter.reset();
      seen.push([row, filter.filterRowKey(b(row)), filter.filterAllRemaining()]);
    }
    expect(seen).toEqual([
      ['r10', true, false],
      ['r09', false, false],
      ['r05', true, false],
      ['r03', false, false],
      ['r02', false, false],
      ['r01', true, true],
    ]);
  });
});

describe('RandomRowFilter', () => {
  it('keeps the rows its injected random source picks, reproducibly per seed', () => {
    const seed = 42;
    const first = rowKeys(scan({ type: 'RandomRowFilter', chance: 0.5 }, manyRows, { random: new SeededRandom(seed) }));
    const again = rowKeys(scan({ type: 'RandomRowFilter', chance: 0.5 }, manyRows, { random: new SeededRandom(seed) }));
    expect(again, `seed ${seed}`).toEqual(first);
    const expected: string[] = [];
    const random = new SeededRandom(seed);
    for (let i = 0; i < 20; i++) if (random.next() < 0.5) expected.push(`r${String(i).padStart(2, '0')}`);
    expect(first, `seed ${seed}`).toEqual(expected);
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(20);
  });

  it('keeps nothing below 0 and everything above 1', () => {
    expect(rowKeys(scan({ type: 'RandomRowFilter', chance: -1 }, manyRows))).toEqual([]);
    expect(rowKeys(scan({ type: 'RandomRowFilter', chance: 2 }, manyRows))).toHaveLength(20);
  });
});

describe('PageFilter', () => {
  it('returns pageSize rows and then ends the scan', () => {
    const trace = scan({ type: 'PageFilter', pageSize: 2 });
    expect(rowKeys(trace)).toEqual(['row1', 'row2']);
    expect(trace.endedByFilter).toBe(true);
  });

  it('counts rows per region: two regions each return a full page, the client caps the total', () => {
    const cells = fruitTable();
    const regionA = cells.filter((c) => c.row.toString() < 'row3');
    const regionB = cells.filter((c) => c.row.toString() >= 'row3');
    const spec = { type: 'PageFilter', pageSize: 2 } as const;
    const perRegion = [rowKeys(scan(spec, regionA)), rowKeys(scan(spec, regionB))];
    expect(perRegion).toEqual([
      ['row1', 'row2'],
      ['row3', 'row4'],
    ]);
    // The client's share: stop after pageSize rows in total.
    expect(perRegion.flat().slice(0, 2)).toEqual(['row1', 'row2']);
  });

  it('does not count rows that other filters emptied', () => {
    const trace = scan({
      type: 'FilterList',
      operator: 'MUST_PASS_ALL',
      filters: [
        { type: 'FamilyFilter', op: 'EQUAL', comparator: { type: 'binary', value: b('meta') } },
        { type: 'PageFilter', pageSize: 2 },
      ],
    });
    expect(rowKeys(trace)).toEqual(['row1', 'row3']);
  });

  it('is not counted for an emptied row even by a scan that asks filterRow about empty rows', () => {
    const spec: FilterSpec = {
      type: 'FilterList',
      operator: 'MUST_PASS_ALL',
      filters: [
        { type: 'FamilyFilter', op: 'EQUAL', comparator: { type: 'binary', value: b('meta') } },
        { type: 'PageFilter', pageSize: 2 },
      ],
    };
    const trace = scanWithFilter(createFilter(spec), fruitTable(), { askFilterRowOnEmptyRows: true });
    expect(rowKeys(trace)).toEqual(['row1', 'row3']);
  });

  it('a page of 0 returns nothing', () => {
    expect(rowKeys(scan({ type: 'PageFilter', pageSize: 0 }))).toEqual([]);
  });
});
