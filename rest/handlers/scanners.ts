/**
 * Stateful scanners, as hbase-rest's ScannerResource: PUT or POST a Scanner spec to `/T/scanner`
 * → 201 with a `Location`; GET the location → the next batch of exactly `batch` cells (`?c=` for
 * another count this time, `?n=` to stop after that many rows), 204 when exhausted; DELETE → 200.
 */
import type { ColumnInput, Scan } from '../../client/api.js';
import { ok, type RestContext, type RestReply, type RestRequest } from '../context.js';
import { cellSetJson, parseColumn } from '../cellset.js';
import { parseFilterJson } from '../filter-json.js';
import { badRequest, notFound, RestError } from '../http-error.js';
import { base64, bool, integer, list, object, parseJsonBody, timestamp } from '../json-input.js';
import { methodNotAllowed } from './cluster.js';

const MAX_INT = 2 ** 31 - 1;

/** Reads HBase's ScannerModel JSON into a client Scan and the batch size (cells per GET). */
export function parseScannerSpec(body: unknown, maxCells: number): { scan: Scan; batch: number } {
  const spec = body === undefined ? {} : object(body, 'body');
  const scan: Scan = {};
  const start = base64(spec['startRow'], 'startRow');
  if (start !== undefined && start.length > 0) scan.start = start;
  const stop = base64(spec['endRow'], 'endRow');
  if (stop !== undefined && stop.length > 0) scan.stop = stop;
  const columns: ColumnInput[] = list(spec['column'], 'column').map((c, i) => {
    const bytes = base64(c, `column[${i}]`);
    if (bytes === undefined) throw badRequest(`column[${i}] must be a base64 string`);
    const parsed = parseColumn(bytes, `column[${i}]`);
    // `cf:` with an empty qualifier names the whole family in a scan, as in hbase-rest.
    return parsed.qualifier === undefined || parsed.qualifier.length === 0 ? { family: parsed.family } : { family: parsed.family, qualifier: parsed.qualifier };
  });
  if (columns.length) scan.columns = columns;
  const startTime = timestamp(spec['startTime'], 'startTime');
  const endTime = timestamp(spec['endTime'], 'endTime');
  if ((startTime ?? 0) > 0 || endTime !== undefined) {
    if (endTime !== undefined && endTime <= (startTime ?? 0)) throw badRequest('endTime must be greater than startTime');
    scan.timeRange = { min: startTime ?? 0, ...(endTime !== undefined ? { max: endTime } : {}) };
  }
  const maxVersions = integer(spec['maxVersions'], 'maxVersions', 1, MAX_INT);
  if (maxVersions !== undefined) scan.maxVersions = maxVersions;
  const caching = integer(spec['caching'], 'caching', -1, MAX_INT);
  if (caching !== undefined && caching > 0) scan.caching = Math.min(caching, maxCells);
  const limit = integer(spec['limit'], 'limit', 0, MAX_INT);
  if (limit !== undefined && limit > 0) scan.limit = limit;
  const reversed = bool(spec['reversed'], 'reversed');
  if (reversed) scan.reversed = true;
  if (spec['filter'] !== undefined && spec['filter'] !== null && spec['filter'] !== '') scan.filter = parseFilterJson(spec['filter']);
  if (list(spec['labels'], 'labels').length > 0) throw badRequest('labels: visibility labels are not supported');
  bool(spec['cacheBlocks'], 'cacheBlocks'); // accepted and ignored: there is no block cache
  // ScannerModel's batch defaults to "everything"; the gateway caps a response at maxCells.
  const batch = integer(spec['batch'], 'batch', 1, MAX_INT) ?? maxCells;
  if (batch > maxCells && spec['batch'] !== undefined && Number(spec['batch']) !== MAX_INT) {
    throw badRequest(`batch ${batch} is larger than the gateway's ${maxCells} cells per response`);
  }
  const effective = Math.min(batch, maxCells);
  // Let the cluster cut very wide rows into chunks no larger than one response.
  scan.batch = effective;
  return { scan, batch: effective };
}

export async function createScanner(ctx: RestContext, req: RestRequest, table: string, rawTable: string): Promise<RestReply> {
  if (req.method !== 'PUT' && req.method !== 'POST') throw methodNotAllowed(req.method);
  const { scan, batch } = parseScannerSpec(parseJsonBody(await req.body()), ctx.limits.maxCellsPerResponse);
  if (!(await ctx.connection.admin().tableExists(table))) throw notFound(`Not found: table '${table}' does not exist`);
  const id = ctx.scanners.open(table, batch, ctx.connection.table(table).scan(scan));
  return { status: 201, headers: { Location: `${req.baseUrl}/${rawTable}/scanner/${id}` } };
}

function count(query: URLSearchParams, name: string, max: number): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > MAX_INT) throw badRequest(`${name} must be a non-negative integer`);
  if (n > max) throw badRequest(`${name}=${n} is larger than the gateway's ${max} cells per response`);
  return n > 0 ? n : undefined;
}

export async function scannerInstance(ctx: RestContext, req: RestRequest, table: string, id: string): Promise<RestReply> {
  const scanner = ctx.scanners.describe(id);
  if (req.method === 'DELETE') {
    // hbase-rest answers 200 whether or not the scanner still existed.
    if (scanner && scanner.table === table) await ctx.scanners.delete(id);
    return ok();
  }
  if (req.method !== 'GET') throw methodNotAllowed(req.method);
  if (!scanner || scanner.table !== table) throw notFound();
  const accept = (req.headers.accept ?? '').toLowerCase();
  if (accept !== '' && !accept.includes('application/json') && !accept.includes('*/*')) {
    throw new RestError(406, `Not acceptable: scanners answer application/json, not '${accept}'`);
  }
  const maxCells = count(req.query, 'c', ctx.limits.maxCellsPerResponse) ?? scanner.batch;
  const maxRows = count(req.query, 'n', Number.MAX_SAFE_INTEGER);
  const batch = await ctx.scanners.next(id, maxCells, maxRows);
  if (!batch) throw notFound();
  if (batch.cells.length === 0) return { status: 204 };
  return { status: 200, json: cellSetJson(batch.cells), headers: { 'Cache-Control': 'no-cache' } };
}
