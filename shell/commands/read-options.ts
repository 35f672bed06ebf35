/**
 * The read side of the shell's syntax: column names (`'cf'`, `'cf:q'`, binary qualifiers), and the
 * option hashes of get, scan and count turned into the client's Get and Scan.
 */
import { invalidArgument } from '../../common/errors.js';
import type { ColumnInput, Get, Scan, TimeRangeInput } from '../../client/api.js';
import { asBytes, asInteger, asOptions, type Options } from '../args.js';
import type { Value } from '../parser.js';

export interface ParsedColumn {
  family: string;
  /** Undefined for `'cf'` and `'cf:'`. */
  qualifier: Buffer | undefined;
}

/** `cf:qualifier` split at the first colon (the qualifier may hold more colons or any byte). */
export function parseColumn(bytes: Buffer, field = 'column'): ParsedColumn {
  const colon = bytes.indexOf(0x3a);
  const family = (colon < 0 ? bytes : bytes.subarray(0, colon)).toString('utf8');
  if (family.length === 0) throw invalidArgument(field, `'${bytes.toString('utf8')}' has no column family (expected 'family:qualifier')`);
  const qualifier = colon < 0 ? undefined : bytes.subarray(colon + 1);
  return { family, qualifier: qualifier && qualifier.length > 0 ? qualifier : undefined };
}

/** A column for a write: `'cf'` alone means the empty qualifier, as in HBase's put. */
export function writeColumn(value: Value, field = 'column'): { family: string; qualifier: Buffer } {
  const column = parseColumn(asBytes(value, field), field);
  return { family: column.family, qualifier: column.qualifier ?? Buffer.alloc(0) };
}

export function toColumnInput(column: ParsedColumn): ColumnInput {
  return column.qualifier === undefined ? { family: column.family } : { family: column.family, qualifier: column.qualifier };
}

export function columnsFrom(value: Value, field: string): ColumnInput[] {
  const items = value.kind === 'array' ? value.items : [value];
  return items.map((item, k) => toColumnInput(parseColumn(asBytes(item, `${field}[${k}]`), field)));
}

function timeRange(options: Options): TimeRangeInput | undefined {
  const value = options.value('TIMERANGE');
  if (value === undefined) return undefined;
  if (value.kind !== 'array' || value.items.length !== 2) throw invalidArgument('TIMERANGE', 'expected [minStamp, maxStamp]');
  return { min: asInteger(value.items[0]!, 'TIMERANGE[0]', 0), max: asInteger(value.items[1]!, 'TIMERANGE[1]', 0) };
}

function filter(options: Options): string | undefined {
  const value = options.value('FILTER');
  if (value === undefined) return undefined;
  if (value.kind !== 'string') throw invalidArgument('FILTER', 'expected a filter string such as "PrefixFilter(\'r\')"');
  return value.bytes.toString('utf8');
}

export const GET_OPTIONS = ['COLUMN', 'COLUMNS', 'TIMESTAMP', 'TIMERANGE', 'VERSIONS', 'FILTER', 'RAW', 'MAXLENGTH'] as const;

/** `get 't', 'r', …`: the extra arguments (columns as strings or an array, or an options hash). */
export function buildGet(row: Buffer, extra: Value[]): { get: Get; maxLength: number } {
  const get: Get = { row };
  let maxLength = -1;
  if (extra.length === 1 && extra[0]!.kind === 'hash') {
    const o = asOptions(extra[0]!, 'options');
    o.only(GET_OPTIONS, 'get');
    const columns = o.value('COLUMNS') ?? o.value('COLUMN');
    if (columns) get.columns = columnsFrom(columns, 'COLUMNS');
    const ts = o.integer('TIMESTAMP', 0);
    if (ts !== undefined) get.timestamp = ts;
    const tr = timeRange(o);
    if (tr) get.timeRange = tr;
    const versions = o.integer('VERSIONS', 1);
    if (versions !== undefined) get.maxVersions = versions;
    const f = filter(o);
    if (f !== undefined) get.filter = f;
    const raw = o.boolean('RAW');
    if (raw !== undefined) get.raw = raw;
    maxLength = o.integer('MAXLENGTH', 1) ?? -1;
  } else if (extra.length > 0) {
    get.columns = extra.flatMap((value, k) => columnsFrom(value, `column ${k + 1}`));
  }
  return { get, maxLength };
}

export const SCAN_OPTIONS = [
  'COLUMNS', 'COLUMN', 'STARTROW', 'STOPROW', 'ROWPREFIXFILTER', 'LIMIT', 'FILTER', 'TIMERANGE', 'TIMESTAMP',
  'REVERSED', 'RAW', 'VERSIONS', 'CACHE', 'CACHE_BLOCKS', 'BATCH', 'MAXLENGTH',
] as const;

/** `scan 't', {…}` (and count's hash): the client's Scan. */
export function buildScan(options: Options, allowed: readonly string[] = SCAN_OPTIONS, what = 'scan'): { scan: Scan; maxLength: number } {
  options.only(allowed, what);
  const scan: Scan = {};
  const columns = options.value('COLUMNS') ?? options.value('COLUMN');
  if (columns) scan.columns = columnsFrom(columns, 'COLUMNS');
  const start = options.bytes('STARTROW');
  if (start !== undefined && start.length > 0) scan.start = start;
  const stop = options.bytes('STOPROW');
  if (stop !== undefined && stop.length > 0) scan.stop = stop;
  const prefix = options.bytes('ROWPREFIXFILTER');
  if (prefix !== undefined) scan.prefix = prefix;
  const limit = options.integer('LIMIT', 1);
  if (limit !== undefined) scan.limit = limit;
  const f = filter(options);
  if (f !== undefined) scan.filter = f;
  const tr = timeRange(options);
  if (tr) scan.timeRange = tr;
  const ts = options.integer('TIMESTAMP', 0);
  if (ts !== undefined) scan.timestamp = ts;
  const reversed = options.boolean('REVERSED');
  if (reversed) scan.reversed = true;
  const raw = options.boolean('RAW');
  if (raw) scan.raw = true;
  const versions = options.integer('VERSIONS', 1);
  if (versions !== undefined) scan.maxVersions = versions;
  const cache = options.integer('CACHE', 1);
  if (cache !== undefined) scan.caching = cache;
  const batch = options.integer('BATCH', 1);
  if (batch !== undefined) scan.batch = batch;
  options.boolean('CACHE_BLOCKS'); // Accepted and type-checked; LMDB has no block cache to bypass.
  return { scan, maxLength: options.integer('MAXLENGTH', 1) ?? -1 };
}
