/**
 * Filters that decide by family, qualifier, column position or timestamp, and the two that
 * shape cells (FirstKeyOnlyFilter, KeyOnlyFilter). Where HBase seeks, these seek: a qualifier
 * before the wanted range hints at its start; past it, the filter hints at the next family
 * (see position.ts for why not NEXT_ROW).
 */
import { compareBytes } from '../../common/bytes.js';
import type { Cell } from '../../common/cell.js';
import type { CompareOperator } from '../../common/filter/spec.js';
import { compareFails, type ByteComparator } from './comparators.js';
import { FilterReturnCode, type CellPosition } from './filter.js';
import { FilterBase } from './filter-base.js';
import { columnPosition, nextFamilyPosition } from './position.js';

export class FamilyFilter extends FilterBase {
  private lastFamily: string | undefined;
  private lastFails = false;

  constructor(
    private readonly op: CompareOperator,
    private readonly comparator: ByteComparator,
  ) {
    super();
  }

  filterCell(cell: Cell): FilterReturnCode {
    if (cell.family !== this.lastFamily) {
      this.lastFamily = cell.family;
      this.lastFails = compareFails(this.op, this.comparator.compareTo(Buffer.from(cell.family, 'utf8')));
    }
    // A failing family fails for every cell of it in this row: jump to the next family.
    return this.lastFails ? FilterReturnCode.SeekNextUsingHint : FilterReturnCode.Include;
  }

  override getNextCellHint(cell: Cell): CellPosition {
    return nextFamilyPosition(cell);
  }
}

export class QualifierFilter extends FilterBase {
  constructor(
    private readonly op: CompareOperator,
    private readonly comparator: ByteComparator,
  ) {
    super();
  }

  filterCell(cell: Cell): FilterReturnCode {
    // HBase answers SKIP; every version of the column has the same qualifier, so NEXT_COL
    // excludes exactly the same cells without visiting the older versions.
    return compareFails(this.op, this.comparator.compareTo(cell.qualifier)) ? FilterReturnCode.NextCol : FilterReturnCode.Include;
  }
}

/** Compares the first prefix.length bytes of the qualifier with the prefix (shorter: whole qualifier). */
function comparePrefix(qualifier: Buffer, prefix: Buffer): number {
  return compareBytes(qualifier.subarray(0, Math.min(qualifier.length, prefix.length)), prefix);
}

export class ColumnPrefixFilter extends FilterBase {
  constructor(private readonly prefix: Buffer) {
    super();
  }

  filterCell(cell: Cell): FilterReturnCode {
    const cmp = comparePrefix(cell.qualifier, this.prefix);
    if (cmp === 0) return FilterReturnCode.Include;
    return FilterReturnCode.SeekNextUsingHint;
  }

  override getNextCellHint(cell: Cell): CellPosition {
    // Before the prefix: seek to it. After it: nothing more in this family.
    return comparePrefix(cell.qualifier, this.prefix) < 0 ? columnPosition(cell, this.prefix) : nextFamilyPosition(cell);
  }
}

export class MultipleColumnPrefixFilter extends FilterBase {
  /** Sorted, distinct. */
  private readonly prefixes: Buffer[];
  /** latin1 keys of the prefixes, to test each prefix of a qualifier in O(1). */
  private readonly keys: Set<string>;
  private readonly minLength: number;
  private readonly maxLength: number;

  constructor(prefixes: readonly Buffer[]) {
    super();
    const sorted = [...prefixes].sort(compareBytes);
    this.prefixes = sorted.filter((p, i) => i === 0 || compareBytes(p, sorted[i - 1]!) !== 0);
    this.keys = new Set(this.prefixes.map((p) => p.toString('latin1')));
    this.minLength = Math.min(...this.prefixes.map((p) => p.length));
    this.maxLength = Math.max(...this.prefixes.map((p) => p.length));
  }

  private matches(qualifier: Buffer): boolean {
    const longest = Math.min(this.maxLength, qualifier.length);
    for (let length = this.minLength; length <= longest; length++) {
      if (this.keys.has(qualifier.toString('latin1', 0, length))) return true;
    }
    return false;
  }

  /** The smallest prefix greater than the qualifier, if any. */
  private nextPrefix(qualifier: Buffer): Buffer | undefined {
    let lo = 0;
    let hi = this.prefixes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareBytes(this.prefixes[mid]!, qualifier) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return this.prefixes[lo];
  }

  filterCell(cell: Cell): FilterReturnCode {
    return this.matches(cell.qualifier) ? FilterReturnCode.Include : FilterReturnCode.SeekNextUsingHint;
  }

  override getNextCellHint(cell: Cell): CellPosition {
    const next = this.nextPrefix(cell.qualifier);
    return next ? columnPosition(cell, next) : nextFamilyPosition(cell);
  }
}

/** Qualifiers between minColumn and maxColumn (an empty bound is no bound). */
export class ColumnRangeFilter extends FilterBase {
  constructor(
    private readonly minColumn: Buffer,
    private readonly minColumnInclusive: boolean,
    private readonly maxColumn: Buffer,
    private readonly maxColumnInclusive: boolean,
  ) {
    super();
  }

  filterCell(cell: Cell): FilterReturnCode {
    const cmpMin = this.minColumn.length === 0 ? 1 : compareBytes(cell.qualifier, this.minColumn);
    if (cmpMin < 0) return FilterReturnCode.SeekNextUsingHint;
    if (cmpMin === 0 && !this.minColumnInclusive) return FilterReturnCode.NextCol;
    if (this.maxColumn.length === 0) return FilterReturnCode.Include;
    const cmpMax = compareBytes(cell.qualifier, this.maxColumn);
    if (cmpMax < 0 || (cmpMax === 0 && this.maxColumnInclusive)) return FilterReturnCode.Include;
    return FilterReturnCode.SeekNextUsingHint;
  }

  override getNextCellHint(cell: Cell): CellPosition {
    const beforeMin = this.minColumn.length > 0 && compareBytes(cell.qualifier, this.minColumn) < 0;
    return beforeMin ? columnPosition(cell, this.minColumn) : nextFamilyPosition(cell);
  }
}

/**
 * `limit` columns per row, after skipping `offset` columns or starting at the first qualifier
 * ≥ columnOffset. Columns are counted across the families of the row, as in HBase.
 */
export class ColumnPaginationFilter extends FilterBase {
  private count = 0;

  constructor(
    private readonly limit: number,
    private readonly offset: number,
    private readonly columnOffset: Buffer | undefined,
  ) {
    super();
  }

  override reset(): void {
    this.count = 0;
  }

  filterCell(cell: Cell): FilterReturnCode {
    if (this.columnOffset !== undefined) {
      if (this.count >= this.limit) return FilterReturnCode.NextRow;
      if (this.count === 0 && compareBytes(cell.qualifier, this.columnOffset) < 0) {
        return FilterReturnCode.SeekNextUsingHint;
      }
      this.count++;
      return FilterReturnCode.IncludeAndNextCol;
    }
    if (this.count >= this.offset + this.limit) return FilterReturnCode.NextRow;
    const code = this.count < this.offset ? FilterReturnCode.NextCol : FilterReturnCode.IncludeAndNextCol;
    this.count++;
    return code;
  }

  override getNextCellHint(cell: Cell): CellPosition | undefined {
    return this.columnOffset ? columnPosition(cell, this.columnOffset) : undefined;
  }
}

/**
 * The first `limit` columns. HBase meant it for Gets: once a row has more than `limit` columns
 * filterAllRemaining turns true, which ends a scan after that row (kept as in HBase).
 */
export class ColumnCountGetFilter extends FilterBase {
  private count = 0;

  constructor(private readonly limit: number) {
    super();
  }

  override reset(): void {
    this.count = 0;
  }

  override filterAllRemaining(): boolean {
    return this.count > this.limit;
  }

  filterCell(_cell: Cell): FilterReturnCode {
    this.count++;
    return this.filterAllRemaining() ? FilterReturnCode.NextCol : FilterReturnCode.IncludeAndNextCol;
  }
}

/** Only cells whose timestamp is in the list. */
export class TimestampsFilter extends FilterBase {
  private readonly timestamps: Set<number>;
  private readonly minTimestamp: number;

  constructor(timestamps: readonly number[]) {
    super();
    this.timestamps = new Set(timestamps);
    this.minTimestamp = timestamps.length === 0 ? Infinity : Math.min(...timestamps);
  }

  filterCell(cell: Cell): FilterReturnCode {
    if (this.timestamps.has(cell.timestamp)) return FilterReturnCode.Include;
    // Versions come newest first: below the smallest wanted timestamp nothing else can match.
    if (cell.timestamp < this.minTimestamp) return FilterReturnCode.NextCol;
    return FilterReturnCode.Skip;
  }
}

/** Only the first cell of each row (row counting). */
export class FirstKeyOnlyFilter extends FilterBase {
  private foundCell = false;

  override reset(): void {
    this.foundCell = false;
  }

  filterCell(_cell: Cell): FilterReturnCode {
    if (this.foundCell) return FilterReturnCode.NextRow;
    this.foundCell = true;
    return FilterReturnCode.Include;
  }
}

/** Drops values (or replaces them by their length as a 4-byte big-endian integer). */
export class KeyOnlyFilter extends FilterBase {
  constructor(private readonly lenAsVal: boolean) {
    super();
  }

  filterCell(_cell: Cell): FilterReturnCode {
    return FilterReturnCode.Include;
  }

  override transformCell(cell: Cell): Cell {
    let value = Buffer.alloc(0);
    if (this.lenAsVal) {
      value = Buffer.alloc(4);
      value.writeInt32BE(cell.value.length);
    }
    return { ...cell, value };
  }
}
