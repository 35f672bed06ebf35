/**
 * Row resources: GET, PUT/POST and DELETE on `/T/<row>[/<columns>[/<timestamp>]]` (rowspec in
 * row-spec.ts), `?v=N` versions, suffix globbing and ranges for GET, multi-row PUT with a "false"
 * row key in the path, `/T/multiget?row=…`, and the `?check=put|delete|append|increment` forms.
 * Follows hbase-rest's RowResource: a check that fails answers 304 Not Modified; a GET that finds
 * nothing answers 404. A response never holds more than maxCellsPerResponse cells: larger reads
 * are refused with 400 naming the limit (use a scanner), never truncated silently.
 */
import type { ColumnInput, Delete, DeleteColumnSpec, Get, Put, ResultCell, Scan, Table } from '../../client/api.js';
import { ok, type RestContext, type RestReply, type RestRequest } from '../context.js';
import { cellSetJson, parseCellSet, parseColumn, type ParsedColumn, type RowInput } from '../cellset.js';
import { badRequest, notFound, RestError } from '../http-error.js';
import { parseJsonBody } from '../json-input.js';
import { isSingleRow, parseRowSpec, type RowSpec } from '../row-spec.js';
import { methodNotAllowed } from './cluster.js';
import { tableScan } from './table-scan.js';

const MAX_INT = 2 ** 31 - 1;

function versions(query: URLSearchParams): number | undefined {
  const v = query.get('v');
  if (v === null) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > MAX_INT) throw badRequest(`v must be a positive integer, got '${v}'`);
  return n;
}

function columnInputs(spec: RowSpec): ColumnInput[] {
  return spec.columns.map((c, i) => {
    const parsed = parseColumn(c, `column ${i + 1}`);
    return parsed.qualifier === undefined ? { family: parsed.family } : { family: parsed.family, qualifier: parsed.qualifier };
  });
}

function timeOf(spec: RowSpec): Pick<Get, 'timestamp' | 'timeRange'> {
  if (spec.timestamp !== undefined) return { timestamp: spec.timestamp };
  if (spec.timeRange) return { timeRange: spec.timeRange };
  return {};
}

function tooMany(limit: number): RestError {
  return badRequest(`the result holds more than ${limit} cells (the gateway's per-response limit); read it with a scanner`);
}

/** Accept negotiation: JSON unless the client asks only for raw bytes; XML and protobuf are not spoken. */
function representation(req: RestRequest): 'json' | 'binary' {
  const accept = (req.headers.accept ?? '').toLowerCase();
  if (accept === '' || accept.includes('application/json') || accept.includes('*/*')) return 'json';
  if (accept.includes('application/octet-stream')) return 'binary';
  throw new RestError(406, `Not acceptable: this gateway answers application/json (or application/octet-stream for one cell), not '${accept}'`);
}

async function readCells(ctx: RestContext, table: Table, spec: RowSpec, maxVersions: number | undefined): Promise<ResultCell[]> {
  const limit = ctx.limits.maxCellsPerResponse;
  const columns = columnInputs(spec);
  const base = { ...timeOf(spec), ...(columns.length ? { columns } : {}), ...(maxVersions ? { maxVersions } : {}) };
  if (isSingleRow(spec)) {
    const result = await table.get({ row: spec.row, ...base });
    if (result.cells.length > limit) throw tooMany(limit);
    return result.cells;
  }
  const scan: Scan = { ...base, batch: limit, caching: 100 };
  if (spec.prefix !== undefined) scan.prefix = spec.prefix;
  else {
    scan.start = spec.row;
    scan.stop = spec.endRow!;
  }
  const cells: ResultCell[] = [];
  for await (const result of table.scan(scan)) {
    if (cells.length + result.cells.length > limit) throw tooMany(limit);
    cells.push(...result.cells);
  }
  return cells;
}

export async function rowResource(ctx: RestContext, req: RestRequest, table: string, segments: string[]): Promise<RestReply> {
  const spec = parseRowSpec(segments);
  const check = req.query.get('check');
  switch (req.method) {
    case 'GET': {
      // `/T/prefix*` alone is hbase-rest's stateless table scan, with its query parameters.
      if (spec.prefix !== undefined && segments.length === 1) {
        representation(req);
        return tableScan(ctx, req, table, spec);
      }
      const form = representation(req);
      if (form === 'binary' && (spec.columns.length !== 1 || !isSingleRow(spec))) {
        throw badRequest('a raw (application/octet-stream) GET needs exactly one row and one column');
      }
      const cells = await readCells(ctx, ctx.connection.table(table), spec, versions(req.query));
      if (cells.length === 0) throw notFound();
      if (form === 'binary') return { status: 200, bytes: cells[0]!.value, headers: { 'X-Timestamp': String(cells[0]!.timestamp) } };
      return ok(cellSetJson(cells));
    }
    case 'PUT':
    case 'POST':
      return update(ctx, req, table, spec, check);
    case 'DELETE': {
      if (check !== null && check !== '') {
        if (check.toLowerCase() !== 'delete') throw badRequest(`Invalid check value '${check}'`);
        return checkAndDelete(ctx, table, spec, parseCellSet(requireBody(parseJsonBody(await req.body()))));
      }
      return deleteRow(ctx, table, spec);
    }
    default:
      throw methodNotAllowed(req.method);
  }
}

function requireBody(body: unknown): unknown {
  if (body === undefined) throw badRequest('a CellSet body is required');
  return body;
}

function isBinaryBody(req: RestRequest): boolean {
  return (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/octet-stream');
}

function requireJsonBody(req: RestRequest): void {
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (type !== '' && !type.startsWith('application/json')) {
    throw new RestError(415, `Unsupported media type '${type}': send application/json (or application/octet-stream for one cell)`);
  }
}

async function update(ctx: RestContext, req: RestRequest, table: string, spec: RowSpec, check: string | null): Promise<RestReply> {
  if (isBinaryBody(req)) {
    if (check) throw badRequest('check operations need a JSON CellSet body');
    return putBinary(ctx, req, table, spec);
  }
  requireJsonBody(req);
  const rows = parseCellSet(requireBody(parseJsonBody(await req.body())));
  switch ((check ?? '').toLowerCase()) {
    case '':
      return putRows(ctx, table, spec, rows);
    case 'put':
      return checkAndPut(ctx, table, spec, rows);
    case 'delete':
      return checkAndDelete(ctx, table, spec, rows);
    case 'append':
      return appendRow(ctx, req, table, spec, rows);
    case 'increment':
      return incrementRow(ctx, req, table, spec, rows);
    default:
      throw badRequest(`Invalid check value '${check}'`);
  }
}

function fullColumn(bytes: Buffer | undefined, field: string): Required<ParsedColumn> {
  if (bytes === undefined) throw badRequest(`${field}: column not specified`);
  const parsed = parseColumn(bytes, field);
  if (parsed.qualifier === undefined) throw badRequest(`${field}: '${bytes.toString('utf8')}' is a family; a put needs family:qualifier`);
  return parsed as Required<ParsedColumn>;
}

function rowKey(row: RowInput, spec: RowSpec, field: string): Buffer {
  const key = row.key ?? (isSingleRow(spec) ? spec.row : undefined);
  if (key === undefined || key.length === 0) throw badRequest(`${field}: row key not specified`);
  return key;
}

function putsOf(spec: RowSpec, rows: RowInput[]): Put[] {
  return rows.map((row, i) => {
    let pathColumn = 0;
    const cells = row.cells.map((cell, j) => {
      // A cell without a column takes the next column named in the path, as HBase does.
      const column = fullColumn(cell.column ?? spec.columns[pathColumn++], `Row[${i}].Cell[${j}]`);
      return { family: column.family, qualifier: column.qualifier, value: cell.value, ...(cell.timestamp !== undefined ? { timestamp: cell.timestamp } : {}) };
    });
    return { row: rowKey(row, spec, `Row[${i}]`), cells };
  });
}

async function putRows(ctx: RestContext, table: string, spec: RowSpec, rows: RowInput[]): Promise<RestReply> {
  if (rows.length === 0) throw badRequest('the CellSet holds no rows');
  const puts = putsOf(spec, rows);
  if (puts.some((p) => p.cells.length === 0)) throw badRequest('a row in the CellSet holds no cells');
  await ctx.connection.table(table).put(puts.length === 1 ? puts[0]! : puts);
  return ok();
}

async function putBinary(ctx: RestContext, req: RestRequest, table: string, spec: RowSpec): Promise<RestReply> {
  const header = (name: string): string | undefined => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const row = header('x-row') !== undefined ? Buffer.from(header('x-row')!, 'utf8') : spec.row;
  const columnHeader = header('x-column');
  const column = fullColumn(columnHeader !== undefined ? Buffer.from(columnHeader, 'utf8') : spec.columns[0], 'column');
  const tsHeader = header('x-timestamp');
  let timestamp = spec.timestamp;
  if (tsHeader !== undefined) {
    if (!/^\d+$/.test(tsHeader) || !Number.isSafeInteger(Number(tsHeader))) throw badRequest(`X-Timestamp: bad timestamp '${tsHeader}'`);
    timestamp = Number(tsHeader);
  }
  if (row.length === 0) throw badRequest('row key not specified');
  const value = await req.body();
  await ctx.connection.table(table).put({ row, cells: [{ family: column.family, qualifier: column.qualifier, value, ...(timestamp !== undefined ? { timestamp } : {}) }] });
  return ok();
}

function singleRow(rows: RowInput[]): RowInput {
  if (rows.length !== 1) throw badRequest('Number of rows specified is not 1.');
  return rows[0]!;
}

const notModified = (text: string): RestReply => ({ status: 304, text });

async function checkAndPut(ctx: RestContext, table: string, spec: RowSpec, rows: RowInput[]): Promise<RestReply> {
  const row = singleRow(rows);
  const key = rowKey(row, spec, 'Row[0]');
  if (row.cells.length < 2) throw badRequest('check=put needs the cells to put followed by the cell to check');
  const checkCell = row.cells[row.cells.length - 1]!;
  const checkColumn = fullColumn(checkCell.column, 'check cell');
  if (checkColumn.qualifier.length === 0) throw badRequest('check cell: Column incorrectly specified.');
  const cells = row.cells.slice(0, -1).map((cell, j) => {
    const column = fullColumn(cell.column, `Row[0].Cell[${j}]`);
    return { family: column.family, qualifier: column.qualifier, value: cell.value, ...(cell.timestamp !== undefined ? { timestamp: cell.timestamp } : {}) };
  });
  // HBase insists that the checked column is also one of the columns put.
  if (!cells.some((c) => c.family === checkColumn.family && c.qualifier.equals(checkColumn.qualifier))) {
    throw badRequest('The column to put and check do not match.');
  }
  const applied = await ctx.connection.table(table).checkAndMutate({
    row: key,
    family: checkColumn.family,
    qualifier: checkColumn.qualifier,
    value: checkCell.value,
    put: { row: key, cells },
  });
  return applied ? ok() : notModified('Value not Modified');
}

async function checkAndDelete(ctx: RestContext, table: string, spec: RowSpec, rows: RowInput[]): Promise<RestReply> {
  const row = singleRow(rows);
  const key = rowKey(row, spec, 'Row[0]');
  if (row.cells.length === 0) throw badRequest('check=delete needs the cell to check');
  const checkCell = row.cells[row.cells.length - 1]!;
  const checkBytes = checkCell.column ?? spec.columns[0];
  if (checkBytes === undefined) throw badRequest('Column not specified for check.');
  const checkColumn = parseColumn(checkBytes, 'check cell');
  if (checkColumn.qualifier === undefined) throw badRequest('Column to check incorrectly specified.');
  const columns: DeleteColumnSpec[] = row.cells.slice(0, -1).map((cell, j) => {
    if (cell.column === undefined) throw badRequest(`Row[0].Cell[${j}]: Column found to be null.`);
    const c = parseColumn(cell.column, `Row[0].Cell[${j}]`);
    const at = cell.timestamp !== undefined ? { timestamp: cell.timestamp } : {};
    return c.qualifier === undefined ? { family: c.family, ...at } : { family: c.family, qualifier: c.qualifier, ...at };
  });
  // With only the check cell, the checked column itself is deleted (every version), as HBase does.
  if (columns.length === 0) columns.push({ family: checkColumn.family, qualifier: checkColumn.qualifier, allVersions: true });
  const applied = await ctx.connection.table(table).checkAndMutate({
    row: key,
    family: checkColumn.family,
    qualifier: checkColumn.qualifier,
    value: checkCell.value,
    delete: { row: key, columns },
  });
  return applied ? ok() : notModified('Delete check failed.');
}

function returnResult(req: RestRequest): boolean {
  return (req.query.get('returnResult') ?? '').toLowerCase() === 'true';
}

async function appendRow(ctx: RestContext, req: RestRequest, table: string, spec: RowSpec, rows: RowInput[]): Promise<RestReply> {
  const row = singleRow(rows);
  const key = rowKey(row, spec, 'Row[0]');
  let pathColumn = 0;
  const columns = row.cells.map((cell, j) => {
    const c = fullColumn(cell.column ?? spec.columns[pathColumn++], `Row[0].Cell[${j}]`);
    return { family: c.family, qualifier: c.qualifier, value: cell.value };
  });
  if (columns.length === 0) throw badRequest('check=append needs at least one cell');
  const result = await ctx.connection.table(table).append({ row: key, columns });
  if (!returnResult(req)) return ok();
  if (result.isEmpty) return notModified('Append return empty.');
  return ok(cellSetJson(result.cells));
}

async function incrementRow(ctx: RestContext, req: RestRequest, table: string, spec: RowSpec, rows: RowInput[]): Promise<RestReply> {
  const row = singleRow(rows);
  const key = rowKey(row, spec, 'Row[0]');
  let pathColumn = 0;
  const columns = row.cells.map((cell, j) => {
    const c = fullColumn(cell.column ?? spec.columns[pathColumn++], `Row[0].Cell[${j}]`);
    // HBase reads the amount as a decimal number written in the cell's value.
    const text = cell.value.toString('utf8').trim();
    if (!/^-?\d+$/.test(text)) throw badRequest(`Row[0].Cell[${j}]: increment amount must be a decimal integer, got '${text}'`);
    const amount = BigInt(text);
    if (amount > 2n ** 63n - 1n || amount < -(2n ** 63n)) throw badRequest(`Row[0].Cell[${j}]: increment amount out of the 64-bit range`);
    return { family: c.family, qualifier: c.qualifier, amount };
  });
  if (columns.length === 0) throw badRequest('check=increment needs at least one cell');
  const result = await ctx.connection.table(table).increment({ row: key, columns });
  if (!returnResult(req)) return ok();
  if (result.isEmpty) return notModified('Increment return empty.');
  return ok(cellSetJson(result.cells));
}

async function deleteRow(ctx: RestContext, table: string, spec: RowSpec): Promise<RestReply> {
  if (!isSingleRow(spec)) throw badRequest('DELETE takes one row, not a range or a glob');
  if (spec.timeRange) throw badRequest('DELETE takes one timestamp (delete versions at or before it), not a time range');
  const at = spec.timestamp !== undefined ? { timestamp: spec.timestamp } : {};
  const del: Delete = { row: spec.row, ...at };
  if (spec.columns.length > 0) {
    del.columns = spec.columns.map((bytes, i) => {
      const c = parseColumn(bytes, `column ${i + 1}`);
      // HBase deletes every version of a named column (up to the timestamp): Delete.addColumns.
      return c.qualifier === undefined ? { family: c.family, ...at } : { family: c.family, qualifier: c.qualifier, allVersions: true, ...at };
    });
  }
  await ctx.connection.table(table).delete(del);
  return ok();
}

export async function multiGet(ctx: RestContext, req: RestRequest, table: string, columnSegment: string | undefined): Promise<RestReply> {
  if (req.method !== 'GET') throw methodNotAllowed(req.method);
  representation(req);
  const keys = req.query.getAll('row');
  if (keys.length === 0) throw badRequest('multiget needs at least one row parameter');
  if (keys.length > ctx.limits.maxMultiGetRows) throw badRequest(`multiget asks for ${keys.length} rows; at most ${ctx.limits.maxMultiGetRows} per request`);
  const maxVersions = versions(req.query);
  const extraColumns = columnSegment ? parseRowSpec(['-', columnSegment]).columns : [];
  const gets: Get[] = keys.map((raw) => {
    // Each row parameter is itself a rowspec (row[/columns[/timestamp]]), as in hbase-rest.
    const spec = parseRowSpec(raw.split('/'));
    if (!isSingleRow(spec)) throw badRequest(`multiget row '${raw}' must name one row`);
    spec.columns.push(...extraColumns);
    const columns = columnInputs(spec);
    return { row: spec.row, ...timeOf(spec), ...(columns.length ? { columns } : {}), ...(maxVersions ? { maxVersions } : {}) };
  });
  const results = await ctx.connection.table(table).getMany(gets);
  const cells: ResultCell[] = [];
  for (const result of results) {
    if (cells.length + result.cells.length > ctx.limits.maxCellsPerResponse) throw tooMany(ctx.limits.maxCellsPerResponse);
    cells.push(...result.cells);
  }
  if (cells.length === 0) throw notFound('No rows found.');
  return ok(cellSetJson(cells));
}
