/**
 * Turns a Get or Scan request into a read plan: which stores, which qualifiers, and the options
 * of the query matcher. Bad input is INVALID_ARGUMENT / NO_SUCH_FAMILY naming the field.
 */
import type { Cell } from '../../common/cell.js';
import { cellSize } from '../../common/cell.js';
import { invalidArgument } from '../../common/errors.js';
import type { Filter } from '../filter/filter.js';
import type { Store } from '../storage/store.js';
import { readRowFromSources, type StoreView } from '../storage/store.js';
import { filterRowCells } from '../storage/row-filter.js';
import type { ReadOptions } from '../storage/versions.js';
import type { ColumnSelector, TimeRange } from './api.js';
import { checkFamily, checkTimestamp } from './validation.js';

export interface StorePlan {
  store: Store;
  /** Requested qualifiers (for bloom probes); undefined = the whole family. */
  qualifiers?: Buffer[] | undefined;
  options: ReadOptions;
}

export interface ReadPlan {
  stores: StorePlan[];
  filter?: Filter | undefined;
  /** With a filter: the request's versions per column, cut after the filter (HBASE-17125). */
  maxVersions: number;
  /** Cells per family per row: skip `offset`, then keep at most `max` (after versions and filter). */
  perFamily?: { offset: number; max: number } | undefined;
}

export interface ReadShape {
  columns?: ColumnSelector[] | undefined;
  timeRange?: TimeRange | undefined;
  maxVersions?: number | undefined;
  raw?: boolean | undefined;
  filter?: Filter | undefined;
  maxResultsPerColumnFamily?: number | undefined;
  rowOffsetPerColumnFamily?: number | undefined;
}

export function planRead(stores: ReadonlyMap<string, Store>, request: ReadShape, nowMs: number): ReadPlan {
  const maxVersions = request.maxVersions ?? 1;
  if (!Number.isInteger(maxVersions) || maxVersions < 1) throw invalidArgument('maxVersions', 'must be a positive integer');
  let timeRange: TimeRange | undefined;
  if (request.timeRange !== undefined) {
    checkTimestamp(request.timeRange.min, 'timeRange.min');
    checkTimestamp(request.timeRange.max, 'timeRange.max');
    if (request.timeRange.min > request.timeRange.max) throw invalidArgument('timeRange', 'min must not exceed max');
    timeRange = request.timeRange;
  }
  const raw = request.raw === true;
  // HBase refuses this too ("Cannot specify any column for a raw scan"): whole families only.
  if (raw && request.columns?.some((c) => c.qualifier !== undefined)) {
    throw invalidArgument('columns', 'a raw read cannot name columns (qualifiers); select whole families');
  }
  // With a filter, each store returns every version its family keeps; the filter chooses among
  // them and readPlannedRow cuts to maxVersions afterwards.
  const filterFirst = request.filter !== undefined && !raw;
  // family → qualifiers (undefined = whole family)
  const selection = new Map<string, Buffer[] | undefined>();
  if (request.columns && request.columns.length > 0) {
    request.columns.forEach((c, i) => {
      checkFamily(stores, c.family, `columns[${i}].family`);
      if (c.qualifier === undefined) {
        selection.set(c.family, undefined);
      } else {
        if (!Buffer.isBuffer(c.qualifier)) throw invalidArgument(`columns[${i}].qualifier`, 'must be bytes');
        if (selection.has(c.family) && selection.get(c.family) === undefined) return;
        const list = selection.get(c.family) ?? [];
        list.push(c.qualifier);
        selection.set(c.family, list);
      }
    });
  } else {
    for (const name of stores.keys()) selection.set(name, undefined);
  }
  const plans: StorePlan[] = [];
  for (const name of [...selection.keys()].sort()) {
    const qualifiers = selection.get(name);
    plans.push({
      store: stores.get(name)!,
      qualifiers,
      options: {
        nowMs,
        timeRange,
        maxVersions: filterFirst ? Math.max(maxVersions, stores.get(name)!.family.maxVersions) : maxVersions,
        raw,
        qualifiers: qualifiers ? new Set(qualifiers.map((q) => q.toString('latin1'))) : undefined,
      },
    });
  }
  const max = request.maxResultsPerColumnFamily ?? Infinity;
  const offset = request.rowOffsetPerColumnFamily ?? 0;
  if (!(max >= 1) || (Number.isFinite(max) && !Number.isInteger(max))) throw invalidArgument('maxResultsPerColumnFamily', 'must be a positive integer');
  if (!Number.isInteger(offset) || offset < 0) throw invalidArgument('rowOffsetPerColumnFamily', 'must be a non-negative integer');
  const perFamily = max !== Infinity || offset > 0 ? { offset, max } : undefined;
  return { stores: plans, filter: request.filter, maxVersions: filterFirst ? maxVersions : Infinity, perFamily };
}

/**
 * Reads one row through a plan: each store's visible cells (family order), then the filter.
 * `views` (same order as plan.stores) pins the sources of a scanner; a Get reads live sources.
 */
export function readPlannedRow(
  plan: ReadPlan,
  row: Buffer,
  readPoint: number,
  views?: readonly StoreView[],
): { cells: Cell[]; seekRow?: Buffer | undefined } {
  const filter = plan.filter;
  if (filter) {
    filter.reset();
    if (filter.filterRowKey(row)) return { cells: [] };
  }
  let cells: Cell[] = [];
  plan.stores.forEach((p, i) => {
    const view = views?.[i];
    const got = view
      ? readRowFromSources(p.store, view.trees, view.files, row, readPoint, p.options, p.qualifiers)
      : p.store.readRow(row, readPoint, p.options, p.qualifiers);
    if (got.length > 0) cells = cells.length === 0 ? got : cells.concat(got);
  });
  if (!filter) return { cells: plan.perFamily ? limitPerFamily(cells, plan.perFamily) : cells };
  const filtered = filterRowCells(filter, row, cells, plan.maxVersions);
  return plan.perFamily ? { ...filtered, cells: limitPerFamily(filtered.cells, plan.perFamily) } : filtered;
}

/** Per family of one row (cells in family order): skip the first `offset` cells, keep at most `max`. */
function limitPerFamily(cells: readonly Cell[], limits: { offset: number; max: number }): Cell[] {
  const out: Cell[] = [];
  let family: string | undefined;
  let seen = 0;
  for (const c of cells) {
    if (c.family !== family) {
      family = c.family;
      seen = 0;
    }
    seen++;
    if (seen > limits.offset && seen <= limits.offset + limits.max) out.push(c);
  }
  return out;
}

export function resultSize(cells: readonly Cell[]): number {
  let n = 0;
  for (const c of cells) n += cellSize(c);
  return n;
}
