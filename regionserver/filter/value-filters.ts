/**
 * Filters that look at values: ValueFilter, SingleColumnValueFilter (+ Exclude) and
 * DependentColumnFilter.
 */
import { bytesEqual } from '../../common/bytes.js';
import type { Cell } from '../../common/cell.js';
import type { CompareOperator } from '../../common/filter/spec.js';
import { compareFails, type ByteComparator } from './comparators.js';
import { FilterReturnCode } from './filter.js';
import { FilterBase } from './filter-base.js';

function isColumn(cell: Cell, family: string, qualifier: Buffer): boolean {
  return cell.family === family && bytesEqual(cell.qualifier, qualifier);
}

export class ValueFilter extends FilterBase {
  constructor(
    private readonly op: CompareOperator,
    private readonly comparator: ByteComparator,
  ) {
    super();
  }

  filterCell(cell: Cell): FilterReturnCode {
    return compareFails(this.op, this.comparator.compareTo(cell.value)) ? FilterReturnCode.Skip : FilterReturnCode.Include;
  }
}

export interface SingleColumnValueOptions {
  family: string;
  qualifier: Buffer;
  op: CompareOperator;
  comparator: ByteComparator;
  filterIfMissing: boolean;
  latestVersionOnly: boolean;
}

/**
 * Keeps whole rows whose column family:qualifier passes the comparison. A row without the column
 * passes unless filterIfMissing. With latestVersionOnly only the newest visible version is
 * tested; otherwise any passing version keeps the row.
 */
export class SingleColumnValueFilter extends FilterBase {
  private foundColumn = false;
  private matchedColumn = false;

  constructor(protected readonly options: SingleColumnValueOptions) {
    super();
  }

  override reset(): void {
    this.foundColumn = false;
    this.matchedColumn = false;
  }

  filterCell(cell: Cell): FilterReturnCode {
    const o = this.options;
    if (this.matchedColumn) return FilterReturnCode.Include;
    // The newest version failed: the row is lost (filterRow says so), stop reading it.
    if (o.latestVersionOnly && this.foundColumn) return FilterReturnCode.NextRow;
    if (!isColumn(cell, o.family, o.qualifier)) return FilterReturnCode.Include;
    this.foundColumn = true;
    if (compareFails(o.op, o.comparator.compareTo(cell.value))) {
      return o.latestVersionOnly ? FilterReturnCode.NextRow : FilterReturnCode.Include;
    }
    this.matchedColumn = true;
    return FilterReturnCode.Include;
  }

  override hasFilterRow(): boolean {
    return true;
  }

  override filterRow(): boolean {
    return this.foundColumn ? !this.matchedColumn : this.options.filterIfMissing;
  }

  override isFamilyEssential(family: string): boolean {
    // Without filterIfMissing a row can pass on its other families alone.
    return !this.options.filterIfMissing || family === this.options.family;
  }
}

/** SingleColumnValueFilter that leaves the tested column out of the returned rows. */
export class SingleColumnValueExcludeFilter extends SingleColumnValueFilter {
  override filterRowCells(cells: Cell[]): Cell[] {
    return cells.filter((cell) => !isColumn(cell, this.options.family, this.options.qualifier));
  }
}

/**
 * Keeps only the cells whose timestamp equals the timestamp of a (passing) version of the
 * reference column in the same row; optionally drops the reference column itself.
 */
export class DependentColumnFilter extends FilterBase {
  private readonly stamps = new Set<number>();

  constructor(
    private readonly family: string,
    private readonly qualifier: Buffer,
    private readonly dropDependentColumn: boolean,
    private readonly compare: { op: CompareOperator; comparator: ByteComparator } | undefined,
  ) {
    super();
  }

  override reset(): void {
    this.stamps.clear();
  }

  filterCell(cell: Cell): FilterReturnCode {
    // Other columns are kept for now; filterRowCells drops them once every stamp is known.
    if (!isColumn(cell, this.family, this.qualifier)) return FilterReturnCode.Include;
    if (this.compare && compareFails(this.compare.op, this.compare.comparator.compareTo(cell.value))) {
      return FilterReturnCode.Skip;
    }
    this.stamps.add(cell.timestamp);
    return this.dropDependentColumn ? FilterReturnCode.Skip : FilterReturnCode.Include;
  }

  override hasFilterRow(): boolean {
    return true;
  }

  override filterRowCells(cells: Cell[]): Cell[] {
    return cells.filter((cell) => this.stamps.has(cell.timestamp));
  }
}
