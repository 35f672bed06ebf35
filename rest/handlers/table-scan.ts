/**
 * HBase REST's stateless scanner (TableScanResource): `GET /T/prefix*?startrow=&endrow=&column=cf:q
 * &limit=&maxversions=&batchsize=&starttime=&endtime=&reversed=&filter=<filter language>` answers
 * the rows as one CellSet. Parameters are plain text (not base64), as in hbase-rest; the filter is
 * HBase's filter language, parsed here so a bad one is a 400 before anything is read.
 */
import type { ColumnInput, ResultCell, Scan } from '../../client/api.js';
import { isBasaltError } from '../../common/errors.js';
import { parseFilter } from '../../common/filter-language.js';
import type { FilterSpec } from '../../common/filter-spec.js';
import { ok, type RestContext, type RestReply, type RestRequest } from '../context.js';
import { cellSetJson, parseColumn } from '../cellset.js';
import { badRequest, notFound } from '../http-error.js';
import type { RowSpec } from '../row-spec.js';

const MAX_INT = 2 ** 31 - 1;
const PARAMS = new Set(['startrow', 'endrow', 'column', 'limit', 'maxversions', 'batchsize', 'starttime', 'endtime', 'reversed', 'filter', 'cacheblocks', 'v']);

function int(query: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) throw badRequest(`${name} must be an integer in ${min}..${max}, got '${raw}'`);
  return n;
}

export async function tableScan(ctx: RestContext, req: RestRequest, table: string, spec: RowSpec): Promise<RestReply> {
  const q = req.query;
  for (const name of q.keys()) if (!PARAMS.has(name)) throw badRequest(`unknown scan parameter '${name}'`);
  const scan: Scan = {};
  const prefix = spec.prefix ?? Buffer.alloc(0);
  const startRow = q.get('startrow');
  const endRow = q.get('endrow');
  if (startRow) scan.start = Buffer.from(startRow, 'utf8');
  if (endRow) scan.stop = Buffer.from(endRow, 'utf8');
  // Without explicit bounds the prefix is the scan's range; with them, a PrefixFilter keeps it.
  const prefixAsFilter = prefix.length > 0 && Boolean(startRow || endRow);
  if (prefix.length > 0 && !prefixAsFilter) scan.prefix = prefix;
  const columns: ColumnInput[] = q.getAll('column').flatMap((c) =>
    c
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map((s, i) => {
        const parsed = parseColumn(Buffer.from(s, 'utf8'), `column ${i + 1}`);
        return parsed.qualifier === undefined || parsed.qualifier.length === 0 ? { family: parsed.family } : { family: parsed.family, qualifier: parsed.qualifier };
      }),
  );
  if (columns.length) scan.columns = columns;
  scan.maxVersions = int(q, 'maxversions', 1, MAX_INT) ?? int(q, 'v', 1, MAX_INT) ?? 1;
  const limit = int(q, 'limit', 0, MAX_INT);
  if (limit) scan.limit = limit;
  const start = int(q, 'starttime', 0, Number.MAX_SAFE_INTEGER);
  const end = int(q, 'endtime', 0, Number.MAX_SAFE_INTEGER);
  if (start !== undefined || end !== undefined) {
    if (end !== undefined && end <= (start ?? 0)) throw badRequest('endtime must be greater than starttime');
    scan.timeRange = { min: start ?? 0, ...(end !== undefined ? { max: end } : {}) };
  }
  const reversed = q.get('reversed');
  if (reversed !== null && reversed !== 'true' && reversed !== 'false') throw badRequest('reversed must be true or false');
  if (reversed === 'true') scan.reversed = true;
  const filterText = q.get('filter');
  let filter: FilterSpec | undefined;
  if (filterText) {
    try {
      filter = parseFilter(filterText);
    } catch (err) {
      if (isBasaltError(err)) throw badRequest(err.message);
      throw err;
    }
  }
  if (prefixAsFilter) {
    const prefixFilter = { type: 'PrefixFilter' as const, prefix };
    filter = filter ? { type: 'FilterList', operator: 'MUST_PASS_ALL', filters: [prefixFilter, filter] } : prefixFilter;
  }
  if (filter) scan.filter = filter;
  const batch = int(q, 'batchsize', -1, MAX_INT);
  const maxCells = ctx.limits.maxCellsPerResponse;
  scan.batch = batch && batch > 0 ? Math.min(batch, maxCells) : maxCells;
  const cells: ResultCell[] = [];
  for await (const result of ctx.connection.table(table).scan(scan)) {
    if (cells.length + result.cells.length > maxCells) {
      throw badRequest(`the scan returns more than ${maxCells} cells (the gateway's per-response limit); use limit= or a scanner`);
    }
    cells.push(...result.cells);
  }
  if (cells.length === 0) throw notFound();
  return ok(cellSetJson(cells));
}
