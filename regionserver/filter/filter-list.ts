/**
 * FilterList: MUST_PASS_ALL (AND) and MUST_PASS_ONE (OR) over member filters, nested freely.
 *
 * Return codes merge on two axes: does the cell go in (include / exclude), and how far may the
 * scan skip (nothing, the rest of the column, the rest of the row). AND includes only if every
 * member includes and skips as far as the farthest member; OR includes if any member includes and
 * skips only as far as the nearest. A seek hint wins in AND (the farthest hint), and in OR only
 * when every member asked for one (the nearest hint). These are HBase's merge tables
 * (FilterListWithAND / FilterListWithOR) in closed form.
 *
 * In OR, a member that asked to skip ahead is not shown the cells it skipped (HBase's
 * prevFilterRCList): until the scan passes the point it asked for, its previous answer stands, so
 * stateful members (counters, pagination) see the same cells as they would alone.
 */
import { bytesEqual } from '../../common/bytes.js';
import type { Cell } from '../../common/cell.js';
import type { FilterListOperator } from '../../common/filter/spec.js';
import { FilterReturnCode, type CellPosition, type Filter } from './filter.js';
import { isIncludeCode } from './filter-base.js';
import { compareCellToPosition, comparePositions } from './position.js';

/** 0: this cell only, 1: the rest of the column, 2: the rest of the row. */
type SkipLevel = 0 | 1 | 2;

function skipLevel(code: FilterReturnCode): SkipLevel {
  switch (code) {
    case FilterReturnCode.IncludeAndNextCol:
    case FilterReturnCode.NextCol:
      return 1;
    case FilterReturnCode.IncludeAndSeekNextRow:
    case FilterReturnCode.NextRow:
      return 2;
    default:
      return 0;
  }
}

function codeOf(include: boolean, level: SkipLevel): FilterReturnCode {
  if (include) {
    return level === 0 ? FilterReturnCode.Include : level === 1 ? FilterReturnCode.IncludeAndNextCol : FilterReturnCode.IncludeAndSeekNextRow;
  }
  return level === 0 ? FilterReturnCode.Skip : level === 1 ? FilterReturnCode.NextCol : FilterReturnCode.NextRow;
}

abstract class FilterListBase implements Filter {
  constructor(protected readonly filters: Filter[]) {}

  reset(): void {
    for (const filter of this.filters) filter.reset();
  }

  abstract filterAllRemaining(): boolean;
  abstract filterRowKey(row: Buffer): boolean;
  abstract filterCell(cell: Cell): FilterReturnCode;
  abstract transformCell(cell: Cell): Cell;
  abstract filterRow(): boolean;
  abstract getNextCellHint(cell: Cell): CellPosition | undefined;

  hasFilterRow(): boolean {
    return this.filters.some((f) => f.hasFilterRow());
  }

  filterRowCells(cells: Cell[]): Cell[] {
    let result = cells;
    for (const filter of this.filters) result = filter.filterRowCells(result);
    return result;
  }

  isFamilyEssential(family: string): boolean {
    return this.filters.some((f) => f.isFamilyEssential(family));
  }
}

/** MUST_PASS_ALL. */
export class FilterListWithAnd extends FilterListBase {
  /** Hints of the members that answered SEEK_NEXT_USING_HINT for the last cell. */
  private hints: CellPosition[] = [];

  filterAllRemaining(): boolean {
    return this.filters.some((f) => f.filterAllRemaining());
  }

  filterRowKey(row: Buffer): boolean {
    // Every member sees the row key (no short cut), as in HBase, so each keeps its own state.
    let filtered = false;
    for (const filter of this.filters) {
      if (filter.filterAllRemaining() || filter.filterRowKey(row)) filtered = true;
    }
    return filtered;
  }

  filterCell(cell: Cell): FilterReturnCode {
    this.hints = [];
    let include = true;
    let level: SkipLevel = 0;
    for (const filter of this.filters) {
      if (filter.filterAllRemaining()) return FilterReturnCode.NextRow;
      const code = filter.filterCell(cell);
      if (code === FilterReturnCode.SeekNextUsingHint) {
        const hint = filter.getNextCellHint(cell);
        if (hint !== undefined) this.hints.push(hint);
        include = false;
        continue;
      }
      include &&= isIncludeCode(code);
      level = Math.max(level, skipLevel(code)) as SkipLevel;
      // Nothing else of this row can pass: the remaining members need not see the cell.
      if (!include && level === 2) return FilterReturnCode.NextRow;
    }
    if (this.hints.length > 0) return FilterReturnCode.SeekNextUsingHint;
    return codeOf(include, level);
  }

  transformCell(cell: Cell): Cell {
    let result = cell;
    for (const filter of this.filters) result = filter.transformCell(result);
    return result;
  }

  filterRow(): boolean {
    for (const filter of this.filters) if (filter.filterRow()) return true;
    return false;
  }

  getNextCellHint(_cell: Cell): CellPosition | undefined {
    // Every member must pass, so the farthest hint is safe.
    let farthest: CellPosition | undefined;
    for (const hint of this.hints) if (!farthest || comparePositions(hint, farthest) > 0) farthest = hint;
    return farthest;
  }
}

/** What an OR member answered last, and for which cell, so its skip can be honoured. */
interface PreviousAnswer {
  code: FilterReturnCode;
  cell: Cell;
  hint: CellPosition | undefined;
}

/** MUST_PASS_ONE. */
export class FilterListWithOr extends FilterListBase {
  private previous: Array<PreviousAnswer | undefined>;
  private includedBy: boolean[];
  private hints: CellPosition[] = [];

  constructor(filters: Filter[]) {
    super(filters);
    this.previous = filters.map(() => undefined);
    this.includedBy = filters.map(() => false);
  }

  override reset(): void {
    super.reset();
    this.previous.fill(undefined);
    this.includedBy.fill(false);
  }

  filterAllRemaining(): boolean {
    return this.filters.every((f) => f.filterAllRemaining());
  }

  filterRowKey(row: Buffer): boolean {
    let filtered = true;
    for (const filter of this.filters) {
      if (!filter.filterAllRemaining() && !filter.filterRowKey(row)) filtered = false;
    }
    return filtered;
  }

  /** The member's standing answer for `cell` if its last answer skipped past it, else undefined. */
  private standingAnswer(previous: PreviousAnswer | undefined, cell: Cell): FilterReturnCode | undefined {
    if (!previous) return undefined;
    switch (previous.code) {
      case FilterReturnCode.SeekNextUsingHint:
        return previous.hint && compareCellToPosition(cell, previous.hint) < 0 ? FilterReturnCode.SeekNextUsingHint : undefined;
      case FilterReturnCode.NextCol:
      case FilterReturnCode.IncludeAndNextCol:
        return previous.cell.family === cell.family && bytesEqual(previous.cell.qualifier, cell.qualifier)
          ? FilterReturnCode.NextCol
          : undefined;
      case FilterReturnCode.NextRow:
      case FilterReturnCode.IncludeAndSeekNextRow:
        // reset() clears the answers at each row, so this is the same row.
        return FilterReturnCode.NextRow;
      default:
        return undefined;
    }
  }

  filterCell(cell: Cell): FilterReturnCode {
    this.hints = [];
    let include = false;
    let level: SkipLevel = 2;
    let answered = false;
    let everyMemberHinted = true;
    for (let i = 0; i < this.filters.length; i++) {
      const filter = this.filters[i]!;
      this.includedBy[i] = false;
      if (filter.filterAllRemaining()) continue;
      const previous = this.previous[i];
      let code = this.standingAnswer(previous, cell);
      let hint = code === FilterReturnCode.SeekNextUsingHint ? previous!.hint : undefined;
      if (code === undefined) {
        code = filter.filterCell(cell);
        hint = code === FilterReturnCode.SeekNextUsingHint ? filter.getNextCellHint(cell) : undefined;
        this.previous[i] = code === FilterReturnCode.Include || code === FilterReturnCode.Skip ? undefined : { code, cell, hint };
      }
      answered = true;
      if (code === FilterReturnCode.SeekNextUsingHint) {
        if (hint === undefined) everyMemberHinted = false;
        else this.hints.push(hint);
        // Against members that do not seek, a hint counts as SKIP.
        level = 0;
        continue;
      }
      everyMemberHinted = false;
      if (isIncludeCode(code)) {
        include = true;
        this.includedBy[i] = true;
      }
      level = Math.min(level, skipLevel(code)) as SkipLevel;
    }
    if (!answered) return FilterReturnCode.Skip;
    if (everyMemberHinted) return FilterReturnCode.SeekNextUsingHint;
    this.hints = [];
    return codeOf(include, level);
  }

  transformCell(cell: Cell): Cell {
    // Only the members that included the cell shape it.
    let result = cell;
    for (let i = 0; i < this.filters.length; i++) {
      if (this.includedBy[i]) result = this.filters[i]!.transformCell(result);
    }
    return result;
  }

  filterRow(): boolean {
    for (const filter of this.filters) if (!filter.filterRow()) return false;
    return true;
  }

  getNextCellHint(_cell: Cell): CellPosition | undefined {
    // Any member may pass a cell before the farthest hint: only the nearest one is safe.
    let nearest: CellPosition | undefined;
    for (const hint of this.hints) if (!nearest || comparePositions(hint, nearest) < 0) nearest = hint;
    return nearest;
  }
}

export function createFilterList(operator: FilterListOperator, filters: Filter[]): Filter {
  return operator === 'MUST_PASS_ALL' ? new FilterListWithAnd(filters) : new FilterListWithOr(filters);
}
