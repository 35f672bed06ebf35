/**
 * Positions in the cell order for SEEK_NEXT_USING_HINT answers, and the helpers filters use to
 * build them. A hint means "the first cell ≥ this position": with no timestamp it is the newest
 * version of the column, so the position sorts before every cell of that column.
 */
import { compareBytes, EMPTY } from '../../common/bytes.js';
import { MAX_TIMESTAMP, type Cell } from '../../common/cell.js';
import type { CellPosition } from './filter.js';

function compareFamilies(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

/** Negative when the cell sorts before the position, else ≥ 0 (0 = exactly at the position). */
export function compareCellToPosition(cell: Cell, position: CellPosition): number {
  const positionTimestamp = position.timestamp ?? MAX_TIMESTAMP;
  return (
    compareBytes(cell.row, position.row) ||
    compareFamilies(cell.family, position.family) ||
    compareBytes(cell.qualifier, position.qualifier) ||
    (cell.timestamp === positionTimestamp ? 0 : cell.timestamp > positionTimestamp ? -1 : 1)
  );
}

export function comparePositions(a: CellPosition, b: CellPosition): number {
  const at = a.timestamp ?? MAX_TIMESTAMP;
  const bt = b.timestamp ?? MAX_TIMESTAMP;
  return (
    compareBytes(a.row, b.row) ||
    compareFamilies(a.family, b.family) ||
    compareBytes(a.qualifier, b.qualifier) ||
    (at === bt ? 0 : at > bt ? -1 : 1)
  );
}

/** The first cell of column `qualifier` in the cell's row and family. */
export function columnPosition(cell: Cell, qualifier: Buffer): CellPosition {
  return { row: cell.row, family: cell.family, qualifier };
}

/**
 * The first cell of the next family of the cell's row. HBase answers NEXT_ROW here because its
 * filters run per store; Basalt's scan merges every family of a row into one stream, where
 * NEXT_ROW would also skip the families that follow. Family names use [A-Za-z0-9_.-] only, and
 * '-' is the smallest of those characters, so `family + '-'` sorts at or before every valid
 * family name greater than `family`.
 */
export function nextFamilyPosition(cell: Cell): CellPosition {
  return { row: cell.row, family: cell.family + '-', qualifier: EMPTY };
}

/** The first cell of `row`. */
export function rowPosition(row: Buffer): CellPosition {
  return { row, family: '', qualifier: EMPTY };
}
