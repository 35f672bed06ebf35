/**
 * The server-side filter contract, shaped after HBase's Filter: the scan asks a filter about
 * each row key, then each cell (in cell order), then the whole row. Return codes let a filter
 * skip ahead (next column, next row, or a seek hint) instead of seeing every cell.
 */
import type { Cell } from '../../common/cell.js';

export enum FilterReturnCode {
  /** Include the cell. */
  Include = 'INCLUDE',
  /** Include the cell and skip the remaining versions of its column. */
  IncludeAndNextCol = 'INCLUDE_AND_NEXT_COL',
  /** Include the cell and skip the rest of the row. */
  IncludeAndSeekNextRow = 'INCLUDE_AND_SEEK_NEXT_ROW',
  /** Skip this cell, look at the next one. */
  Skip = 'SKIP',
  /** Skip the remaining versions of this column. */
  NextCol = 'NEXT_COL',
  /** Skip the rest of this row. */
  NextRow = 'NEXT_ROW',
  /** Seek to the key returned by getNextCellHint. */
  SeekNextUsingHint = 'SEEK_NEXT_USING_HINT',
}

/** Where a SeekNextUsingHint answer asks the scan to go: the first cell ≥ this position. */
export interface CellPosition {
  row: Buffer;
  family: string;
  qualifier: Buffer;
  /** Defaults to the newest timestamp. */
  timestamp?: number;
}

export interface Filter {
  /** Called before each row. */
  reset(): void;
  /** True once no further row can pass (ends the whole scan, e.g. PageFilter, WhileMatchFilter). */
  filterAllRemaining(): boolean;
  /** True to drop the whole row by its key alone. */
  filterRowKey(row: Buffer): boolean;
  /** Decides one cell that survived versions, deletes, TTL and time range. */
  filterCell(cell: Cell): FilterReturnCode;
  /** Rewrites an included cell (KeyOnlyFilter drops the value). */
  transformCell(cell: Cell): Cell;
  /** True if filterRowCells / filterRow must see the whole row before it is returned. */
  hasFilterRow(): boolean;
  /** May drop cells from the assembled row (DependentColumnFilter). */
  filterRowCells(cells: Cell[]): Cell[];
  /** Last chance to drop the whole row (SingleColumnValueFilter with filterIfMissing). */
  filterRow(): boolean;
  /** For SeekNextUsingHint. */
  getNextCellHint(cell: Cell): CellPosition | undefined;
  /** A family that is not essential may be loaded only for rows that pass (joined scanners). */
  isFamilyEssential(family: string): boolean;
}
