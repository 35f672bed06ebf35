/**
 * A reference scan for filter tests: feeds sorted cells to a Filter in exactly the order the
 * contract (regionserver/filter/filter.ts) prescribes and honours every skip and seek, so a test
 * sees what a region scan would return. Also records the calls, for tests about call order.
 *
 * Per row: filterAllRemaining (stop?) → reset → filterRowKey (skip the row?) → filterCell for each
 * cell not skipped (transformCell on included ones) → filterRowCells (when hasFilterRow) →
 * filterRow (only for a row that still has cells) → the row is returned unless filterRow said drop.
 */
import { compareBytes } from '../../../common/bytes.js';
import { CellType, compareCells, sameColumn, type Cell } from '../../../common/cell.js';
import { FilterReturnCode, type Filter } from '../../../regionserver/filter/filter.js';
import { compareCellToPosition } from '../../../regionserver/filter/position.js';

export interface ScannedRow {
  row: string;
  cells: Cell[];
}

export interface ScanTrace {
  rows: ScannedRow[];
  /** How many cells filterCell was asked about (fewer when seeks work). */
  cellsExamined: number;
  /** True when filterAllRemaining ended the scan before the input ran out. */
  endedByFilter: boolean;
}

/** A Put cell; rows, families and qualifiers as text for readable tests. */
export function put(row: string | Buffer, family: string, qualifier: string | Buffer, timestamp: number, value: string | Buffer): Cell {
  return {
    row: Buffer.isBuffer(row) ? row : Buffer.from(row),
    family,
    qualifier: Buffer.isBuffer(qualifier) ? qualifier : Buffer.from(qualifier),
    timestamp,
    type: CellType.Put,
    value: Buffer.isBuffer(value) ? value : Buffer.from(value),
    sequenceId: 0,
  };
}

export function sortCells(cells: Cell[]): Cell[] {
  return [...cells].sort(compareCells);
}

export interface ScanOptions {
  /**
   * Ask filterRow even about a row that filterRowCells left empty (a scan that does not check);
   * createFilter's FilterWrapper must then keep the row from being counted.
   */
  askFilterRowOnEmptyRows?: boolean;
}

export function scanWithFilter(filter: Filter, input: Cell[], options: ScanOptions = {}): ScanTrace {
  const cells = sortCells(input);
  const rows: ScannedRow[] = [];
  let cellsExamined = 0;
  let position = 0;
  let endedByFilter = false;

  const rowEndFrom = (start: number): number => {
    let end = start;
    while (end < cells.length && compareBytes(cells[end]!.row, cells[start]!.row) === 0) end++;
    return end;
  };
  const nextColumn = (index: number): number => {
    let next = index + 1;
    while (next < cells.length && sameColumn(cells[next]!, cells[index]!)) next++;
    return next;
  };

  while (position < cells.length) {
    if (filter.filterAllRemaining()) {
      endedByFilter = true;
      break;
    }
    const row = cells[position]!.row;
    const rowEnd = rowEndFrom(position);
    filter.reset();
    if (filter.filterRowKey(row)) {
      position = rowEnd;
      continue;
    }
    let kept: Cell[] = [];
    let index = position;
    let nextPosition = rowEnd;
    while (index < rowEnd) {
      const cell = cells[index]!;
      cellsExamined++;
      const code = filter.filterCell(cell);
      switch (code) {
        case FilterReturnCode.Include:
          kept.push(filter.transformCell(cell));
          index++;
          break;
        case FilterReturnCode.IncludeAndNextCol:
          kept.push(filter.transformCell(cell));
          index = nextColumn(index);
          break;
        case FilterReturnCode.IncludeAndSeekNextRow:
          kept.push(filter.transformCell(cell));
          index = rowEnd;
          break;
        case FilterReturnCode.Skip:
          index++;
          break;
        case FilterReturnCode.NextCol:
          index = nextColumn(index);
          break;
        case FilterReturnCode.NextRow:
          index = rowEnd;
          break;
        case FilterReturnCode.SeekNextUsingHint: {
          const hint = filter.getNextCellHint(cell);
          if (!hint) throw new Error('SEEK_NEXT_USING_HINT without a hint');
          if (compareCellToPosition(cell, hint) >= 0) throw new Error('a hint must point past the current cell');
          let target = index + 1;
          while (target < cells.length && compareCellToPosition(cells[target]!, hint) < 0) target++;
          if (target >= rowEnd) {
            nextPosition = Math.max(target, rowEnd);
            index = rowEnd;
          } else {
            index = target;
          }
          break;
        }
      }
    }
    if (filter.hasFilterRow()) kept = filter.filterRowCells(kept);
    const ask = kept.length > 0 || (options.askFilterRowOnEmptyRows === true && filter.hasFilterRow());
    if (ask && !filter.filterRow() && kept.length > 0) rows.push({ row: row.toString('latin1'), cells: kept });
    position = nextPosition;
  }
  return { rows, cellsExamined, endedByFilter };
}

/** Row keys of the returned rows. */
export function rowKeys(trace: ScanTrace): string[] {
  return trace.rows.map((r) => r.row);
}

/** `row/family:qualifier` of every returned cell. */
export function cellKeys(trace: ScanTrace): string[] {
  return trace.rows.flatMap((r) => r.cells.map((c) => `${r.row}/${c.family}:${c.qualifier.toString('latin1')}`));
}

/** `row/family:qualifier@timestamp=value` of every returned cell. */
export function cellDescriptions(trace: ScanTrace): string[] {
  return trace.rows.flatMap((r) =>
    r.cells.map((c) => `${r.row}/${c.family}:${c.qualifier.toString('latin1')}@${c.timestamp}=${c.value.toString('latin1')}`),
  );
}
