/**
 * The adapter between a scan and the filter tree (HBase's FilterWrapper). HBase asks filterRow
 * only about rows that still hold cells after filterRowCells: an emptied row is dropped without
 * asking, so counting filters (PageFilter) count only rows that would be returned. This wrapper
 * gives every scan that rule, whether or not the scan checks for an empty row itself.
 */
import type { Cell } from '../../common/cell.js';
import type { CellPosition, Filter, FilterReturnCode } from './filter.js';

export class FilterWrapper implements Filter {
  /** What the last filterRowCells left: undefined until it is called for the current row. */
  private rowCellCount: number | undefined;

  constructor(readonly filter: Filter) {}

  reset(): void {
    this.rowCellCount = undefined;
    this.filter.reset();
  }

  filterAllRemaining(): boolean {
    return this.filter.filterAllRemaining();
  }

  filterRowKey(row: Buffer): boolean {
    return this.filter.filterRowKey(row);
  }

  filterCell(cell: Cell): FilterReturnCode {
    return this.filter.filterCell(cell);
  }

  transformCell(cell: Cell): Cell {
    return this.filter.transformCell(cell);
  }

  hasFilterRow(): boolean {
    return this.filter.hasFilterRow();
  }

  filterRowCells(cells: Cell[]): Cell[] {
    const result = this.filter.filterRowCells(cells);
    this.rowCellCount = result.length;
    return result;
  }

  filterRow(): boolean {
    // An empty row goes nowhere: drop it without letting the filters count it.
    if (this.rowCellCount === 0) return true;
    return this.filter.filterRow();
  }

  getNextCellHint(cell: Cell): CellPosition | undefined {
    return this.filter.getNextCellHint(cell);
  }

  isFamilyEssential(family: string): boolean {
    return this.filter.isFamilyEssential(family);
  }
}
