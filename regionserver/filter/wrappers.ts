/** WhileMatchFilter and SkipFilter: wrappers that widen one failure to the scan or the row. */
import type { Cell } from '../../common/cell.js';
import { FilterReturnCode, type CellPosition, type Filter } from './filter.js';
import { isIncludeCode } from './filter-base.js';

/**
 * Returns rows until the wrapped filter first rejects something, then ends the whole scan.
 * "Rejects" is HBase's rule: a row key it filters, a cell it does not include, a row it drops.
 * (HBase counts only INCLUDE as a pass; Basalt also counts INCLUDE_AND_NEXT_COL and
 * INCLUDE_AND_SEEK_NEXT_ROW, which include the cell too.)
 */
export class WhileMatchFilter implements Filter {
  private done = false;

  constructor(private readonly filter: Filter) {}

  reset(): void {
    this.filter.reset();
  }

  filterAllRemaining(): boolean {
    return this.done || this.filter.filterAllRemaining();
  }

  filterRowKey(row: Buffer): boolean {
    if (this.done) return true;
    const filtered = this.filter.filterRowKey(row);
    if (filtered) this.done = true;
    return filtered;
  }

  filterCell(cell: Cell): FilterReturnCode {
    if (this.done) return FilterReturnCode.NextRow;
    const code = this.filter.filterCell(cell);
    if (!isIncludeCode(code)) this.done = true;
    return code;
  }

  transformCell(cell: Cell): Cell {
    return this.filter.transformCell(cell);
  }

  hasFilterRow(): boolean {
    return this.filter.hasFilterRow();
  }

  filterRowCells(cells: Cell[]): Cell[] {
    return this.filter.filterRowCells(cells);
  }

  filterRow(): boolean {
    const filtered = this.filter.filterRow();
    if (filtered) this.done = true;
    return filtered;
  }

  getNextCellHint(cell: Cell): CellPosition | undefined {
    return this.filter.getNextCellHint(cell);
  }

  isFamilyEssential(family: string): boolean {
    return this.filter.isFamilyEssential(family);
  }
}

/** Drops a whole row as soon as the wrapped filter rejects any one of its cells. */
export class SkipFilter implements Filter {
  private rowRejected = false;

  constructor(private readonly filter: Filter) {}

  reset(): void {
    this.filter.reset();
    this.rowRejected = false;
  }

  filterAllRemaining(): boolean {
    return this.filter.filterAllRemaining();
  }

  /** HBase's SkipFilter does not ask the wrapped filter about row keys; its cells decide. */
  filterRowKey(_row: Buffer): boolean {
    return false;
  }

  filterCell(cell: Cell): FilterReturnCode {
    const code = this.filter.filterCell(cell);
    if (!isIncludeCode(code)) this.rowRejected = true;
    return code;
  }

  transformCell(cell: Cell): Cell {
    return this.filter.transformCell(cell);
  }

  hasFilterRow(): boolean {
    return true;
  }

  filterRowCells(cells: Cell[]): Cell[] {
    return this.filter.filterRowCells(cells);
  }

  filterRow(): boolean {
    return this.rowRejected;
  }

  getNextCellHint(cell: Cell): CellPosition | undefined {
    return this.filter.getNextCellHint(cell);
  }

  isFamilyEssential(family: string): boolean {
    return this.filter.isFamilyEssential(family);
  }
}
