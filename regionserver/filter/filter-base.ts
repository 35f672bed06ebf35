/**
 * Defaults shared by every filter (HBase's FilterBase): pass every row and cell, no row-level
 * step, no hints, every family essential.
 */
import type { Cell } from '../../common/cell.js';
import { FilterReturnCode, type CellPosition, type Filter } from './filter.js';

export abstract class FilterBase implements Filter {
  reset(): void {}

  filterAllRemaining(): boolean {
    return false;
  }

  filterRowKey(_row: Buffer): boolean {
    return false;
  }

  abstract filterCell(cell: Cell): FilterReturnCode;

  transformCell(cell: Cell): Cell {
    return cell;
  }

  hasFilterRow(): boolean {
    return false;
  }

  filterRowCells(cells: Cell[]): Cell[] {
    return cells;
  }

  filterRow(): boolean {
    return false;
  }

  getNextCellHint(_cell: Cell): CellPosition | undefined {
    return undefined;
  }

  isFamilyEssential(_family: string): boolean {
    return true;
  }
}

/** The codes that put the cell in the result. */
export function isIncludeCode(code: FilterReturnCode): boolean {
  return (
    code === FilterReturnCode.Include ||
    code === FilterReturnCode.IncludeAndNextCol ||
    code === FilterReturnCode.IncludeAndSeekNextRow
  );
}

/**
 * A filter that decides whole rows by their key. The decision is made in filterRowKey; if a
 * caller skips that call, the first filterCell of the row makes it, so the filter never applies
 * a stale decision from the previous row.
 */
export abstract class RowKeyFilter extends FilterBase {
  private decided = false;
  private filterOut = false;

  /** True to drop the row. */
  protected abstract decideRow(row: Buffer): boolean;

  override reset(): void {
    this.decided = false;
    this.filterOut = false;
  }

  override filterRowKey(row: Buffer): boolean {
    this.filterOut = this.decideRow(row);
    this.decided = true;
    return this.filterOut;
  }

  filterCell(cell: Cell): FilterReturnCode {
    if (!this.decided) this.filterRowKey(cell.row);
    return this.filterOut ? FilterReturnCode.NextRow : FilterReturnCode.Include;
  }

  override filterRow(): boolean {
    return this.decided && this.filterOut;
  }
}
