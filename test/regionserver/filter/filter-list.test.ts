// Proves FilterList (AND / OR, nested), WhileMatchFilter and SkipFilter: HBase's merge of return
// codes and hints, members that seek while others do not, and wrappers ending the row or the scan.
import { describe, expect, it } from 'vitest';
import type { Cell } from '../../../common/cell.js';
import type { FilterSpec } from '../../../common/filter/spec.js';
import { createFilter } from '../../../regionserver/filter/create-filter.js';
import { FilterReturnCode, type Filter } from '../../../regionserver/filter/filter.js';
import { b, fruitTable, scan } from './fixtures.js';
import { cellDescriptions, cellKeys, put, rowKeys, scanWithFilter } from './scan-driver.js';

const wideRow = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((q) => put('r', 'cf', q, 10, `v${q}`));

describe('FilterList MUST_PASS_ALL', () => {
  it('keeps cells that pass every member', () => {
    const trace = scan({
      type: 'FilterList',
      operator: 'MUST_PASS_ALL',
      filters: [
        { type: 'ColumnPrefixFilter', prefix: b('a') },
        { type: 'ValueFilter', op: 'EQUAL', comparator: { type: 'binary', value: b('apple') } },
      ],
    });
    expect(cellKeys(trace)).toEqual(['row1/cf:a', 'row5/cf:a']);
  });

  it('follows the farthest hint of its members', () => {
    const trace = scan(
      {
        type: 'FilterList',
        operator: 'MUST_PASS_ALL',
        filters: [
          { type: 'ColumnRangeFilter', minColumn: b('b'), minColumnInclusive: true, maxColumn: b(''), maxColumnInclusive: false },
          { type: 'ColumnRangeFilter', minColumn: b('e'), minColumnInclusive: true, maxColumn: b(''), maxColumnInclusive: false },
        ],
      },
      wideRow,
    );
    expect(cellKeys(trace)).toEqual(['r/cf:e', 'r/cf:f', 'r/cf:g']);
    expect(trace.cellsExamined).toBe(4);
  });

  it('applies every member transformation', () => {
    const trace = scan({
      type: 'FilterList',
      operator: 'MUST_PASS_ALL',
      filters: [{ type: 'KeyOnlyFilter', lenAsVal: true }, { type: 'FirstKeyOnlyFilter' }],
    });
    expect(trace.rows.map((r) => r.cells.map((c) => c.value.readInt32BE()))).toEqual([[5], [7], [7], [1], [5]]);
  });

  it('ends the scan when one member has nothing more to return', () => {
    const trace = scan({
      type: 'FilterList',
      operator: 'MUST_PASS_ALL',
      filters: [{ type: 'PageFilter', pageSize: 1 }, { type: 'FirstKeyOnlyFilter' }],
    });
    expect(rowKeys(trace)).toEqual(['row1']);
    expect(trace.endedByFilter).toBe(true);
  });
});

describe('FilterList MUST_PASS_ONE', () => {
  it('keeps cells that pass any member', () => {
    const trace = scan({
      type: 'FilterList',
      operator: 'MUST_PASS_ONE',
      filters: [
        { type: 'QualifierFilter', op: 'EQUAL', comparator: { type: 'binary', value: b('c') } },
        { type: 'ValueFilter', op: 'EQUAL', comparator: { type: 'binary', value: b('x') } },
      ],
    });
    expect(cellKeys(trace)).toEqual(['row1/cf:c', 'row1/meta:m', 'row3/cf:c', 'row5/cf:ab']);
  });

  it('does not seek when only some members seek, yet keeps honouring the seeking member', () => {
    // ColumnPrefixFilter('f') alone would seek to f; ValueFilter wants to see everything.
    const trace = scan(
      {
        type: 'FilterList',
        operator: 'MUST_PASS_ONE',
        filters: [
          { type: 'ColumnPrefixFilter', prefix: b('f') },
          { type: 'ValueFilter', op: 'EQUAL', comparator: { type: 'binary', value: b('vb') } },
        ],
      },
      wideRow,
    );
    expect(cellKeys(trace)).toEqual(['r/cf:b', 'r/cf:f']);
    expect(trace.cellsExamined).toBe(7);
  });

  it('does not show a stateful member the cells it asked to skip', () => {
    // ColumnPaginationFilter(1, 2) alone returns the third column. Inside OR with a member that
    // includes nothing, it must count columns exactly as it would alone.
    const versions = [
      put('r', 'cf', 'a', 3, 'a3'),
      put('r', 'cf', 'a', 2, 'a2'),
      put('r', 'cf', 'b', 3, 'b3'),
      put('r', 'cf', 'b', 2, 'b2'),
      put('r', 'cf', 'c', 3, 'c3'),
      put('r', 'cf', 'c', 2, 'c2'),
    ];
    const alone = cellDescriptions(scan({ type: 'ColumnPaginationFilter', limit: 1, offset: 2 }, versions));
    const inList = cellDescriptions(
      scan(
        {
          type: 'FilterList',
          operator: 'MUST_PASS_ONE',
          filters: [
            { type: 'ColumnPaginationFilter', limit: 1, offset: 2 },
            { type: 'ValueFilter', op: 'EQUAL', comparator: { type: 'binary', value: b('nothing') } },
          ],
        },
        versions,
      ),
    );
    expect(alone).toEqual(['r/cf:c@3=c3']);
    expect(inList).toEqual(alone);
  });

  it('seeks to the nearest hint when every member seeks', () => {
    const trace = scan(
      {
        type: 'FilterList',
        operator: 'MUST_PASS_ONE',
        filters: [
          { type: 'ColumnPrefixFilter', prefix: b('c') },
          { type: 'ColumnPrefixFilter', prefix: b('f') },
        ],
      },
      wideRow,
    );
    expect(cellKeys(trace)).toEqual(['r/cf:c', 'r/cf:f']);
    // a (seek to c), c, d (seek to f), f, g.
    expect(trace.cellsExamined).toBe(5);
  });

  it('transforms a cell only by the members that included it', () => {
    const trace = scan(
      {
        type: 'FilterList',
        operator: 'MUST_PASS_ONE',
        filters: [
          { type: 'FilterList', operator: 'MUST_PASS_ALL', filters: [{ type: 'ColumnPrefixFilter', prefix: b('a') }, { type: 'KeyOnlyFilter', lenAsVal: false }] },
          { type: 'ColumnPrefixFilter', prefix: b('b') },
        ],
      },
      wideRow,
    );
    expect(cellDescriptions(trace)).toEqual(['r/cf:a@10=', 'r/cf:b@10=vb']);
  });

  it('ends the scan only when every member is done', () => {
    const spec: FilterSpec = {
      type: 'FilterList',
      operator: 'MUST_PASS_ONE',
      filters: [
        { type: 'PrefixFilter', prefix: b('row1') },
        { type: 'InclusiveStopFilter', stopRow: b('row2') },
      ],
    };
    const trace = scan(spec);
    expect(rowKeys(trace)).toEqual(['row1', 'row2']);
    expect(trace.endedByFilter).toBe(true);
  });
});

describe('WhileMatchFilter', () => {
  it('ends the whole scan at the first row its filter rejects', () => {
    const trace = scan({
      type: 'WhileMatchFilter',
      filter: { type: 'RowFilter', op: 'NOT_EQUAL', comparator: { type: 'binary', value: b('row3') } },
    });
    expect(rowKeys(trace)).toEqual(['row1', 'row2']);
    expect(trace.endedByFilter).toBe(true);
  });

  it('ends the scan at the first rejected cell, keeping what came before', () => {
    const trace = scan({
      type: 'WhileMatchFilter',
      filter: { type: 'ValueFilter', op: 'NOT_EQUAL', comparator: { type: 'binary', value: b('x') } },
    });
    expect(cellKeys(trace)).toEqual(['row1/cf:a', 'row1/cf:b', 'row1/cf:c']);
    expect(trace.endedByFilter).toBe(true);
  });
});

describe('SkipFilter', () => {
  it('drops a whole row when any of its cells is rejected', () => {
    const trace = scan({
      type: 'SkipFilter',
      filter: { type: 'ValueFilter', op: 'NOT_EQUAL', comparator: { type: 'binary', value: b('x') } },
    });
    // row1 and row5 hold a value 'x'.
    expect(rowKeys(trace)).toEqual(['row2', 'row3', 'row4']);
    expect(trace.endedByFilter).toBe(false);
  });
});

describe('the call order a scan follows', () => {
  /** Wraps a filter and logs the calls the driver makes. */
  function recording(inner: Filter, log: string[]): Filter {
    return {
      reset: () => (log.push('reset'), inner.reset()),
      filterAllRemaining: () => (log.push('filterAllRemaining'), inner.filterAllRemaining()),
      filterRowKey: (row) => (log.push(`filterRowKey ${row}`), inner.filterRowKey(row)),
      filterCell: (cell: Cell) => {
        const code = inner.filterCell(cell);
        log.push(`filterCell ${cell.qualifier} ${code}`);
        return code;
      },
      transformCell: (cell) => inner.transformCell(cell),
      hasFilterRow: () => inner.hasFilterRow(),
      filterRowCells: (cells) => (log.push(`filterRowCells ${cells.length}`), inner.filterRowCells(cells)),
      filterRow: () => (log.push('filterRow'), inner.filterRow()),
      getNextCellHint: (cell) => inner.getNextCellHint(cell),
      isFamilyEssential: (family) => inner.isFamilyEssential(family),
    };
  }

  it('asks about the row key, then cells, then the row, and never about skipped cells', () => {
    const log: string[] = [];
    const spec: FilterSpec = {
      type: 'SingleColumnValueFilter',
      family: 'cf',
      qualifier: b('a'),
      op: 'EQUAL',
      comparator: { type: 'binary', value: b('avocado') },
      filterIfMissing: true,
      latestVersionOnly: true,
    };
    const trace = scanWithFilter(recording(createFilter(spec), log), fruitTable().filter((c) => c.row.toString() <= 'row2'));
    expect(rowKeys(trace)).toEqual(['row2']);
    expect(log).toEqual([
      'filterAllRemaining',
      'reset',
      'filterRowKey row1',
      `filterCell a ${FilterReturnCode.NextRow}`,
      'filterRowCells 0',
      'filterAllRemaining',
      'reset',
      'filterRowKey row2',
      `filterCell a ${FilterReturnCode.Include}`,
      `filterCell a ${FilterReturnCode.Include}`,
      `filterCell b ${FilterReturnCode.Include}`,
      'filterRowCells 3',
      'filterRow',
    ]);
  });
});
