/**
 * Runs a server-side Filter over one row, exactly as the Filter contract describes
 * (regionserver/filter/filter.ts): the caller has called `reset()` and `filterRowKey(row)`;
 * here each cell that survived versions, deletes, TTL and time range goes through `filterCell`
 * in cell order, with the skip codes moving through the row (next column, next row, or the
 * filter's hint), included cells through `transformCell`, then `filterRowCells` (when
 * `hasFilterRow`) and `filterRow` on a row that still has cells.
 */
import { compareBytes } from '../../common/bytes.js';
import type { Cell } from '../../common/cell.js';
import { FilterReturnCode, type CellPosition, type Filter } from '../filter/filter.js';

export interface FilteredRow {
  /** The row's cells to return (empty when the row is dropped). */
  cells: Cell[];
  /** A hint pointing past this row: the scan continues at this row (forward scans). */
  seekRow?: Buffer | undefined;
}

function sameColumn(a: Cell, b: Cell): boolean {
  return a.family === b.family && a.qualifier.equals(b.qualifier);
}

/** True while `cell` sorts before `position` within the same row. */
function beforePosition(cell: Cell, position: CellPosition): boolean {
  if (cell.family !== position.family) return cell.family < position.family;
  const q = compareBytes(cell.qualifier, position.qualifier);
  if (q !== 0) return q < 0;
  return position.timestamp !== undefined && cell.timestamp > position.timestamp;
}

/**
 * `maxVersions`: the request's versions per column, counted among the cells the filter includes
 * (HBase 2, HBASE-17125: the family's VERSIONS bounds what exists, the filter chooses among those
 * versions, then the request's maxVersions cuts); a column past it moves on to the next column.
 */
export function filterRowCells(filter: Filter, row: Buffer, cells: readonly Cell[], maxVersions = Infinity): FilteredRow {
  const out: Cell[] = [];
  let seekRow: Buffer | undefined;
  let i = 0;
  let column: Cell | undefined;
  let versions = 0;
  /** Counts an included cell of its column; false once the column has maxVersions. */
  const admit = (cell: Cell): boolean => {
    if (column === undefined || !sameColumn(column, cell)) {
      column = cell;
      versions = 0;
    }
    if (versions >= maxVersions) return false;
    versions++;
    return true;
  };
  const skipColumn = (): void => {
    const current = cells[i]!;
    i++;
    while (i < cells.length && sameColumn(cells[i]!, current)) i++;
  };
  scan: while (i < cells.length) {
    const cell = cells[i]!;
    const code = filter.filterCell(cell);
    switch (code) {
      case FilterReturnCode.Include:
        if (!admit(cell)) {
          skipColumn();
          break;
        }
        out.push(filter.transformCell(cell));
        i++;
        break;
      case FilterReturnCode.IncludeAndNextCol:
        if (admit(cell)) out.push(filter.transformCell(cell));
        skipColumn();
        break;
      case FilterReturnCode.IncludeAndSeekNextRow:
        if (admit(cell)) out.push(filter.transformCell(cell));
        break scan;
      case FilterReturnCode.Skip:
        i++;
        break;
      case FilterReturnCode.NextCol:
        skipColumn();
        break;
      case FilterReturnCode.NextRow:
        break scan;
      case FilterReturnCode.SeekNextUsingHint: {
        const hint = filter.getNextCellHint(cell);
        if (!hint) {
          i++;
          break;
        }
        const byRow = compareBytes(hint.row, row);
        if (byRow > 0) {
          seekRow = hint.row;
          break scan;
        }
        if (byRow < 0) {
          // A hint backwards would loop forever; treat it as "skip this cell".
          i++;
          break;
        }
        i++;
        while (i < cells.length && beforePosition(cells[i]!, hint)) i++;
        break;
      }
      default:
        throw new Error(`invariant violated: unknown filter return code ${String(code)}`);
    }
  }
  const result = filter.hasFilterRow() ? filter.filterRowCells(out) : out;
  // filterRow is the last word on a row that still has cells (as test/regionserver/filter's
  // reference scan): an empty row is not returned anyway, and PageFilter-like filters count rows there.
  if (result.length > 0 && filter.filterRow()) return { cells: [], seekRow };
  return { cells: result, seekRow };
}
