/**
 * The public client types (client/api.ts) → the region server's wire messages, with every input
 * checked first. A bad input throws INVALID_ARGUMENT naming its field (or FILTER_PARSE_ERROR)
 * before anything is sent, so a refused call never changed anything.
 */
import { basalt } from '../proto/generated/basalt.js';
import { CellType, EVERY_FAMILY, isValidFamilyName, MAX_CELL_TTL_MS, MAX_TIMESTAMP } from '../common/cell.js';
import { invalidArgument } from '../common/errors.js';
import { encodeFilterSpec, validateFilterSpec, type FilterSpec } from '../common/filter-spec.js';
import { parseFilter } from '../common/filter-language.js';
import type {
  Append,
  CheckAndMutate,
  ColumnInput,
  CompareOperator,
  Delete,
  Get,
  Increment,
  Put,
  RowMutation,
  Scan,
  TimeRangeInput,
} from './api.js';

import pb = basalt.regionserver;

const EMPTY = Buffer.alloc(0);

/** A string (UTF-8), Buffer or Uint8Array as a Buffer; anything else is INVALID_ARGUMENT. */
export function toBuffer(value: unknown, field: string): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw invalidArgument(field, 'must be a string, Buffer or Uint8Array');
}

export function rowKey(value: unknown, field: string): Buffer {
  const row = toBuffer(value, field);
  if (row.length === 0) throw invalidArgument(field, 'a row key must not be empty');
  return row;
}

function optionalKey(value: unknown, field: string): Buffer | undefined {
  if (value === undefined || value === null) return undefined;
  const key = toBuffer(value, field);
  return key.length > 0 ? key : undefined;
}

export function family(value: unknown, field: string): string {
  if (typeof value !== 'string' || !isValidFamilyName(value)) throw invalidArgument(field, 'not a valid column family name ([A-Za-z0-9_.-]+)');
  return value;
}

function timestamp(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > MAX_TIMESTAMP) {
    throw invalidArgument(field, 'a timestamp is an integer number of ms in [0, 2^53 - 1]');
  }
  return value;
}

function positiveInt(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) throw invalidArgument(field, 'must be a positive integer');
  return value;
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidArgument(field, 'must be an object');
  return value as Record<string, unknown>;
}

function array(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw invalidArgument(field, 'must be an array');
  return value;
}

/** A filter object (validated) or HBase's filter language (parsed) → its encoded wire form. */
export function filterBytes(value: FilterSpec | string | undefined, field: string): Uint8Array | undefined {
  if (value === undefined) return undefined;
  const spec = typeof value === 'string' ? parseFilter(value) : validateFilterSpec(value, field);
  return encodeFilterSpec(spec);
}

export function columns(value: ColumnInput[] | undefined, field: string): pb.IColumn[] | undefined {
  if (value === undefined) return undefined;
  return array(value, field).map((c, i) => {
    const at = `${field}[${i}]`;
    if (typeof c === 'string') {
      const colon = c.indexOf(':');
      if (colon < 0) return { family: family(c, at) };
      return { family: family(c.slice(0, colon), at), qualifier: Buffer.from(c.slice(colon + 1), 'utf8') };
    }
    const o = object(c, at);
    const f = family(o.family, `${at}.family`);
    return o.qualifier === undefined ? { family: f } : { family: f, qualifier: toBuffer(o.qualifier, `${at}.qualifier`) };
  });
}

export function timeRange(range: TimeRangeInput | undefined, exact: number | undefined, field: string): pb.ITimeRange | undefined {
  if (exact !== undefined) {
    if (range !== undefined) throw invalidArgument(field, 'give timestamp or timeRange, not both');
    const ts = timestamp(exact, 'timestamp');
    return { min: ts, max: ts + 1 };
  }
  if (range === undefined) return undefined;
  const o = object(range, field);
  const min = o.min === undefined ? 0 : timestamp(o.min, `${field}.min`);
  const max = o.max === undefined ? 0 : timestamp(o.max, `${field}.max`);
  if (max !== 0 && max < min) throw invalidArgument(field, 'max is below min');
  return { min, max };
}

/** A Put as a wire Mutation; cells without a timestamp get `now` (set once, so a retry writes the same cells). */
export function putMutation(put: Put, field: string, now: number): pb.IMutation {
  const p = object(put, field);
  const row = rowKey(p.row, `${field}.row`);
  const cells = array(p.cells, `${field}.cells`);
  if (cells.length === 0) throw invalidArgument(`${field}.cells`, 'a put needs at least one cell');
  const ttlMs = p.ttlMs === undefined ? undefined : cellTtl(p.ttlMs, `${field}.ttlMs`);
  return {
    row,
    cells: cells.map((raw, i) => {
      const at = `${field}.cells[${i}]`;
      const c = object(raw, at);
      const cell: pb.IMutationCell = {
        family: family(c.family, `${at}.family`),
        qualifier: toBuffer(c.qualifier, `${at}.qualifier`),
        timestamp: c.timestamp === undefined ? now : timestamp(c.timestamp, `${at}.timestamp`),
        type: CellType.Put,
        value: toBuffer(c.value, `${at}.value`),
      };
      if (ttlMs !== undefined) cell.ttlMs = ttlMs;
      return cell;
    }),
  };
}

function cellTtl(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > MAX_CELL_TTL_MS) {
    throw invalidArgument(field, `a per-cell TTL is an integer number of ms in [1, ${MAX_CELL_TTL_MS}]`);
  }
  return value;
}

/**
 * A Delete as a wire Mutation. A whole-row delete is one DeleteFamily cell of family '*': the
 * region writes a DeleteFamily marker per family of the table (HBase's Delete without columns),
 * so the client neither reads the row nor asks for the table's families. Whole-row, whole-family
 * and all-versions deletes without a timestamp remove what exists when they apply ("latest"); a
 * single-version delete without a timestamp removes the newest version, which is the one case a
 * blind retry could repeat (see isIdempotentMutation).
 */
export function deleteMutation(del: Delete, field: string): pb.IMutation {
  const d = object(del, field);
  const row = rowKey(d.row, `${field}.row`);
  const rowTs = d.timestamp === undefined ? undefined : timestamp(d.timestamp, `${field}.timestamp`);
  const withTs = (cell: pb.IMutationCell, ts: number | undefined): pb.IMutationCell => (ts === undefined ? cell : { ...cell, timestamp: ts });
  if (d.columns === undefined || array(d.columns, `${field}.columns`).length === 0) {
    return { row, cells: [withTs({ family: EVERY_FAMILY, type: CellType.DeleteFamily }, rowTs)] };
  }
  return {
    row,
    cells: (d.columns as unknown[]).map((raw, i) => {
      const at = `${field}.columns[${i}]`;
      const c = object(raw, at);
      const f = family(c.family, `${at}.family`);
      const ts = c.timestamp === undefined ? rowTs : timestamp(c.timestamp, `${at}.timestamp`);
      if (c.qualifier === undefined) return withTs({ family: f, type: CellType.DeleteFamily }, ts);
      const qualifier = toBuffer(c.qualifier, `${at}.qualifier`);
      return withTs({ family: f, qualifier, type: c.allVersions === true ? CellType.DeleteColumn : CellType.Delete }, ts);
    }),
  };
}

/** A delete is safe to resend unless it removes "the newest version" of a column (a resend would remove the next one). */
export function isIdempotentMutation(mutation: pb.IMutation): boolean {
  return (mutation.cells ?? []).every((c) => c.type !== CellType.Delete || (c.timestamp !== undefined && c.timestamp !== null));
}

export function getMessage(get: Get, field: string): pb.IGet {
  const g = object(get, field);
  const out: pb.IGet = { row: rowKey(g.row, `${field}.row`) };
  const cols = columns(g.columns as ColumnInput[] | undefined, `${field}.columns`);
  if (cols) out.columns = cols;
  const range = timeRange(g.timeRange as TimeRangeInput | undefined, g.timestamp as number | undefined, `${field}.timeRange`);
  if (range) out.timeRange = range;
  if (g.maxVersions !== undefined) out.maxVersions = positiveInt(g.maxVersions, `${field}.maxVersions`);
  const filter = filterBytes(g.filter as FilterSpec | string | undefined, `${field}.filter`);
  if (filter) out.filter = filter;
  if (g.raw === true) out.raw = true;
  return out;
}

/** A validated scan: the spec sent to every region, and the row bounds the client routes by. */
export interface ScanPlan {
  spec: pb.IScanSpec;
  reversed: boolean;
  limit: number;
  caching: number;
  /** Rows ≥ low (forward: from start/prefix; reversed: after stop/prefix). */
  low: Buffer | undefined;
  lowInclusive: boolean;
  /** Rows < high (forward: stop/prefix end) or ≤ high when highInclusive (reversed start). */
  high: Buffer | undefined;
  highInclusive: boolean;
}

function prefixEnd(prefix: Buffer): Buffer | undefined {
  const out = Buffer.from(prefix);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 0xff) {
      out[i] = out[i]! + 1;
      return out.subarray(0, i + 1);
    }
  }
  return undefined;
}

export function scanPlan(scan: Scan | undefined): ScanPlan {
  const s = scan === undefined ? {} : object(scan, 'scan');
  const spec: pb.IScanSpec = {};
  const start = optionalKey(s.start, 'scan.start');
  const stop = optionalKey(s.stop, 'scan.stop');
  const prefix = optionalKey(s.prefix, 'scan.prefix');
  const reversed = s.reversed === true;
  if (s.reversed !== undefined && typeof s.reversed !== 'boolean') throw invalidArgument('scan.reversed', 'must be a boolean');
  if (start) spec.startRow = start;
  if (stop) spec.stopRow = stop;
  if (prefix) spec.prefix = prefix;
  if (reversed) spec.reversed = true;
  const limit = s.limit === undefined ? Infinity : positiveInt(s.limit, 'scan.limit');
  if (s.batch !== undefined) spec.batch = positiveInt(s.batch, 'scan.batch');
  const caching = s.caching === undefined ? 100 : positiveInt(s.caching, 'scan.caching');
  const cols = columns(s.columns as ColumnInput[] | undefined, 'scan.columns');
  if (cols) spec.columns = cols;
  const range = timeRange(s.timeRange as TimeRangeInput | undefined, s.timestamp as number | undefined, 'scan.timeRange');
  if (range) spec.timeRange = range;
  if (s.maxVersions !== undefined) spec.maxVersions = positiveInt(s.maxVersions, 'scan.maxVersions');
  const filter = filterBytes(s.filter as FilterSpec | string | undefined, 'scan.filter');
  if (filter) spec.filter = filter;
  if (s.raw === true) spec.raw = true;

  // Routing bounds: the key range the scan can return, whatever its direction.
  const pEnd = prefix ? prefixEnd(prefix) : undefined;
  let low: Buffer | undefined;
  let lowInclusive = true;
  let high: Buffer | undefined;
  let highInclusive = false;
  const raiseLow = (key: Buffer | undefined, inclusive: boolean): void => {
    if (!key) return;
    const c = low ? Buffer.compare(key, low) : 1;
    if (c > 0 || (c === 0 && !inclusive)) {
      low = key;
      lowInclusive = inclusive;
    }
  };
  const lowerHigh = (key: Buffer | undefined, inclusive: boolean): void => {
    if (!key) return;
    const c = high ? Buffer.compare(key, high) : -1;
    if (c < 0 || (c === 0 && !inclusive)) {
      high = key;
      highInclusive = inclusive;
    }
  };
  if (reversed) {
    lowerHigh(start, true);
    raiseLow(stop, false);
  } else {
    raiseLow(start, true);
    lowerHigh(stop, false);
  }
  raiseLow(prefix, true);
  lowerHigh(pEnd, false);
  return { spec, reversed, limit, caching, low, lowInclusive, high, highInclusive };
}

function amount(value: unknown, field: string): number {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || (typeof value === 'bigint' && BigInt(n) !== value)) {
    throw invalidArgument(field, 'an increment amount is an integer in ±(2^53 - 1)');
  }
  return n;
}

export function incrementMessage(inc: Increment, field: string): pb.IIncrement {
  const o = object(inc, field);
  const cols = array(o.columns, `${field}.columns`);
  if (cols.length === 0) throw invalidArgument(`${field}.columns`, 'at least one column');
  return {
    row: rowKey(o.row, `${field}.row`),
    columns: cols.map((raw, i) => {
      const at = `${field}.columns[${i}]`;
      const c = object(raw, at);
      return { family: family(c.family, `${at}.family`), qualifier: toBuffer(c.qualifier, `${at}.qualifier`), amount: amount(c.amount, `${at}.amount`) };
    }),
    ...(o.ttlMs === undefined ? {} : { ttlMs: cellTtl(o.ttlMs, `${field}.ttlMs`) }),
  };
}

export function appendMessage(app: Append, field: string): pb.IAppend {
  const o = object(app, field);
  const cols = array(o.columns, `${field}.columns`);
  if (cols.length === 0) throw invalidArgument(`${field}.columns`, 'at least one column');
  return {
    row: rowKey(o.row, `${field}.row`),
    columns: cols.map((raw, i) => {
      const at = `${field}.columns[${i}]`;
      const c = object(raw, at);
      return { family: family(c.family, `${at}.family`), qualifier: toBuffer(c.qualifier, `${at}.qualifier`), value: toBuffer(c.value, `${at}.value`) };
    }),
    ...(o.ttlMs === undefined ? {} : { ttlMs: cellTtl(o.ttlMs, `${field}.ttlMs`) }),
  };
}

const COMPARE: ReadonlySet<string> = new Set(['LESS', 'LESS_OR_EQUAL', 'EQUAL', 'NOT_EQUAL', 'GREATER_OR_EQUAL', 'GREATER']);

/** Puts and deletes of one row merged into one wire Mutation (applied atomically by the region). */
export function rowMutation(row: Buffer, mutations: RowMutation[], field: string, now: number): pb.IMutation {
  const list = array(mutations, field);
  if (list.length === 0) throw invalidArgument(field, 'at least one put or delete');
  const cells: pb.IMutationCell[] = [];
  list.forEach((raw, i) => {
    const m = object(raw, `${field}[${i}]`);
    let mutation: pb.IMutation;
    if (m.put !== undefined) mutation = putMutation(m.put as Put, `${field}[${i}].put`, now);
    else if (m.delete !== undefined) mutation = deleteMutation(m.delete as Delete, `${field}[${i}].delete`);
    else throw invalidArgument(`${field}[${i}]`, 'a put or a delete');
    if (!Buffer.from(mutation.row!).equals(row)) throw invalidArgument(`${field}[${i}].row`, 'every mutation must be on the same row');
    cells.push(...(mutation.cells ?? []));
  });
  return { row, cells };
}

/** The mutations a check guards, in order (put, delete, then `mutations`). */
export function checkMutations(check: CheckAndMutate): RowMutation[] {
  const out: RowMutation[] = [];
  if (check.put !== undefined) out.push({ put: check.put });
  if (check.delete !== undefined) out.push({ delete: check.delete });
  if (check.mutations !== undefined) out.push(...array(check.mutations, 'check.mutations').map((m) => m as RowMutation));
  return out;
}

export function checkAndMutateMessage(check: CheckAndMutate, now: number): Omit<pb.ICheckAndMutateRequest, 'region'> {
  const c = object(check, 'check');
  const row = rowKey(c.row, 'check.row');
  const mutation = rowMutation(row, checkMutations(check), 'check.mutations', now);
  if (c.filter !== undefined) {
    if (c.family !== undefined) throw invalidArgument('check.filter', 'give a column condition or a filter, not both');
    const out: Omit<pb.ICheckAndMutateRequest, 'region'> = { row, filter: filterBytes(c.filter as FilterSpec | string, 'check.filter')!, mutation };
    // With a filter, the time range says which versions of the row the filter sees.
    const filterRange = timeRange(c.timeRange as TimeRangeInput | undefined, undefined, 'check.timeRange');
    if (filterRange) out.timeRange = filterRange;
    return out;
  }
  const condition: pb.ICondition = { family: family(c.family, 'check.family'), qualifier: toBuffer(c.qualifier ?? EMPTY, 'check.qualifier') };
  if (c.value !== undefined) {
    const op = (c.op ?? 'EQUAL') as CompareOperator;
    if (!COMPARE.has(op)) throw invalidArgument('check.op', 'LESS | LESS_OR_EQUAL | EQUAL | NOT_EQUAL | GREATER_OR_EQUAL | GREATER');
    if (c.ifExists === true) throw invalidArgument('check.ifExists', 'give a value or ifExists, not both');
    condition.kind = 'compare';
    condition.op = op;
    condition.value = toBuffer(c.value, 'check.value');
  } else {
    condition.kind = c.ifExists === true ? 'exists' : 'not_exists';
  }
  const range = timeRange(c.timeRange as TimeRangeInput | undefined, undefined, 'check.timeRange');
  if (range) condition.timeRange = range;
  return { row, condition, mutation };
}

