/**
 * Filters that decide by row key: PrefixFilter, RowFilter, InclusiveStopFilter,
 * MultiRowRangeFilter, RandomRowFilter, and PageFilter (which counts returned rows).
 */
import { compareBytes } from '../../common/bytes.js';
import type { Cell } from '../../common/cell.js';
import type { CompareOperator, RowRange } from '../../common/filter/spec.js';
import type { Random } from '../../common/random.js';
import { compareFails, type ByteComparator } from './comparators.js';
import { FilterReturnCode, type CellPosition } from './filter.js';
import { FilterBase, RowKeyFilter } from './filter-base.js';
import { rowPosition } from './position.js';
import { successor } from '../../common/bytes.js';

/** Rows starting with `prefix`; ends the scan once past the prefix. */
export class PrefixFilter extends RowKeyFilter {
  private passedPrefix = false;

  constructor(
    private readonly prefix: Buffer,
    private readonly reversed: boolean,
  ) {
    super();
  }

  protected decideRow(row: Buffer): boolean {
    const cmp = compareBytes(row.subarray(0, Math.min(row.length, this.prefix.length)), this.prefix);
    if ((!this.reversed && cmp > 0) || (this.reversed && cmp < 0)) this.passedPrefix = true;
    return cmp !== 0;
  }

  override filterAllRemaining(): boolean {
    return this.passedPrefix;
  }
}

export class RowFilter extends RowKeyFilter {
  constructor(
    private readonly op: CompareOperator,
    private readonly comparator: ByteComparator,
  ) {
    super();
  }

  protected decideRow(row: Buffer): boolean {
    return compareFails(this.op, this.comparator.compareTo(row));
  }
}

/** Like a stop row, but the stop row itself is included; ends the scan after it. */
export class InclusiveStopFilter extends RowKeyFilter {
  private done = false;

  constructor(
    private readonly stopRow: Buffer,
    private readonly reversed: boolean,
  ) {
    super();
  }

  protected decideRow(row: Buffer): boolean {
    const cmp = compareBytes(this.stopRow, row);
    this.done = this.reversed ? cmp > 0 : cmp < 0;
    return this.done;
  }

  override filterAllRemaining(): boolean {
    return this.done;
  }
}

/** Keeps each row with probability `chance` (< 0: none, > 1: all), drawn from the injected source. */
export class RandomRowFilter extends RowKeyFilter {
  constructor(
    private readonly chance: number,
    private readonly random: Random,
  ) {
    super();
  }

  protected decideRow(_row: Buffer): boolean {
    if (this.chance < 0) return true;
    if (this.chance > 1) return false;
    return !(this.random.next() < this.chance);
  }
}

/**
 * At most `pageSize` rows from this filter instance. Each region runs its own instance, so a scan
 * across regions may return up to pageSize rows per region: the client enforces the total.
 */
export class PageFilter extends FilterBase {
  private rowsAccepted = 0;

  constructor(private readonly pageSize: number) {
    super();
  }

  override filterAllRemaining(): boolean {
    return this.rowsAccepted >= this.pageSize;
  }

  override filterRowKey(_row: Buffer): boolean {
    return this.filterAllRemaining();
  }

  filterCell(_cell: Cell): FilterReturnCode {
    return FilterReturnCode.Include;
  }

  override hasFilterRow(): boolean {
    return true;
  }

  /** Called once per non-empty row that reached the end: counts it. */
  override filterRow(): boolean {
    this.rowsAccepted++;
    return this.rowsAccepted > this.pageSize;
  }
}

interface NormalizedRange {
  /** Inclusive lower bound (exclusive starts are turned into their successor). */
  start: Buffer;
  /** Exclusive upper bound; undefined = unbounded. */
  stop: Buffer | undefined;
}

/**
 * Sorts the ranges and merges overlapping or touching ones into [start, stop) form: an exclusive
 * start becomes successor(start) and an inclusive stop becomes successor(stop).
 */
export function normalizeRowRanges(ranges: readonly RowRange[]): NormalizedRange[] {
  const converted = ranges
    .map((r) => ({
      start: r.startRowInclusive ? r.startRow : successor(r.startRow),
      stop: r.stopRow.length === 0 ? undefined : r.stopRowInclusive ? successor(r.stopRow) : r.stopRow,
    }))
    .filter((r) => r.stop === undefined || compareBytes(r.start, r.stop) < 0)
    .sort((a, b) => compareBytes(a.start, b.start));
  const merged: NormalizedRange[] = [];
  for (const range of converted) {
    const last = merged[merged.length - 1];
    if (last && (last.stop === undefined || compareBytes(range.start, last.stop) <= 0)) {
      if (last.stop !== undefined && (range.stop === undefined || compareBytes(range.stop, last.stop) > 0)) {
        last.stop = range.stop;
      }
    } else {
      merged.push({ ...range });
    }
  }
  return merged;
}

/**
 * Rows inside any of several ranges. Forward scans seek to the start of the next range; the scan
 * ends after the last one. Reversed scans skip row by row (a hint cannot point backwards).
 */
export class MultiRowRangeFilter extends FilterBase {
  private readonly ranges: NormalizedRange[];
  private done = false;
  private rowCode: FilterReturnCode = FilterReturnCode.Include;
  private hint: CellPosition | undefined;
  private decided = false;

  constructor(
    ranges: readonly RowRange[],
    private readonly reversed: boolean,
  ) {
    super();
    this.ranges = normalizeRowRanges(ranges);
  }

  override reset(): void {
    this.decided = false;
    this.rowCode = FilterReturnCode.Include;
    this.hint = undefined;
  }

  override filterAllRemaining(): boolean {
    return this.done;
  }

  /** Index of the first range whose stop is after `row` (the range holding it, or the next one). */
  private rangeIndexFor(row: Buffer): number {
    let lo = 0;
    let hi = this.ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const stop = this.ranges[mid]!.stop;
      if (stop !== undefined && compareBytes(stop, row) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  override filterRowKey(row: Buffer): boolean {
    this.decided = true;
    this.hint = undefined;
    const index = this.rangeIndexFor(row);
    const range = this.ranges[index];
    if (range && compareBytes(range.start, row) <= 0) {
      this.rowCode = FilterReturnCode.Include;
      return false;
    }
    if (this.reversed) {
      // Moving towards smaller rows: nothing left once below the first range.
      if (index === 0) this.done = true;
      this.rowCode = FilterReturnCode.NextRow;
      return true;
    }
    if (!range) {
      this.done = true;
      this.rowCode = FilterReturnCode.NextRow;
      return true;
    }
    // Let the first cell of the row ask for the seek to the next range's start.
    this.rowCode = FilterReturnCode.SeekNextUsingHint;
    this.hint = rowPosition(range.start);
    return false;
  }

  filterCell(cell: Cell): FilterReturnCode {
    if (!this.decided) this.filterRowKey(cell.row);
    return this.rowCode;
  }

  override getNextCellHint(_cell: Cell): CellPosition | undefined {
    return this.hint;
  }
}
