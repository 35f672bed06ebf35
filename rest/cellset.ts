/**
 * HBase REST's CellSet in JSON: `{"Row":[{"key":b64,"Cell":[{"column":b64("cf:q"),"timestamp":n,"$":b64}]}]}`.
 * Rows keep the order the cluster returned them in (row, then family, qualifier, newest first),
 * as HBase's RowResource and scanners do.
 */
import type { Result, ResultCell } from '../client/api.js';
import { isValidFamilyName } from '../common/cell.js';
import { badRequest } from './http-error.js';
import { base64, list, object, requiredBase64, timestamp } from './json-input.js';

export interface CellJson {
  column: string;
  timestamp: number;
  $: string;
}
export interface RowJson {
  key: string;
  Cell: CellJson[];
}
export interface CellSetJson {
  Row: RowJson[];
}

const COLON = 0x3a;

/** `family:qualifier` bytes, as HBase's CellUtil.makeColumn. */
export function makeColumn(family: string, qualifier: Buffer): Buffer {
  return Buffer.concat([Buffer.from(family, 'utf8'), Buffer.from([COLON]), qualifier]);
}

export function cellJson(cell: ResultCell): CellJson {
  return { column: makeColumn(cell.family, cell.qualifier).toString('base64'), timestamp: cell.timestamp, $: cell.value.toString('base64') };
}

/** Groups cells into rows, merging consecutive cells (or result chunks) of one row key. */
export function cellSetJson(cells: Iterable<ResultCell>): CellSetJson {
  const rows: RowJson[] = [];
  let current: { key: Buffer; json: RowJson } | undefined;
  for (const cell of cells) {
    if (!current || !current.key.equals(cell.row)) {
      current = { key: cell.row, json: { key: cell.row.toString('base64'), Cell: [] } };
      rows.push(current.json);
    }
    current.json.Cell.push(cellJson(cell));
  }
  return { Row: rows };
}

export function resultsCells(results: Iterable<Result>): ResultCell[] {
  const cells: ResultCell[] = [];
  for (const result of results) cells.push(...result.cells);
  return cells;
}

/** A parsed column: a family alone (`cf`) or a column (`cf:q`, the qualifier possibly empty). */
export interface ParsedColumn {
  family: string;
  qualifier?: Buffer;
}

/** Splits `cf` / `cf:q` bytes at the first colon, as HBase's CellUtil.parseColumn. */
export function parseColumn(bytes: Buffer, field: string): ParsedColumn {
  const colon = bytes.indexOf(COLON);
  const family = (colon < 0 ? bytes : bytes.subarray(0, colon)).toString('utf8');
  if (!isValidFamilyName(family)) throw badRequest(`${field}: illegal column family name '${family}'`);
  return colon < 0 ? { family } : { family, qualifier: Buffer.from(bytes.subarray(colon + 1)) };
}

export interface CellInput {
  column?: Buffer;
  timestamp?: number;
  value: Buffer;
}
export interface RowInput {
  key?: Buffer;
  cells: CellInput[];
}

/** Reads a CellSet body (HBase also takes a bare Row object for single-row requests). */
export function parseCellSet(body: unknown): RowInput[] {
  const root = object(body, 'body');
  const rowsValue = 'Row' in root ? root['Row'] : 'key' in root || 'Cell' in root ? [root] : undefined;
  if (rowsValue === undefined) throw badRequest('body must be a CellSet ({"Row":[...]})');
  return list(rowsValue, 'Row').map((r, i) => {
    const row = object(r, `Row[${i}]`);
    const cells = list(row['Cell'], `Row[${i}].Cell`).map((c, j) => {
      const field = `Row[${i}].Cell[${j}]`;
      const cell = object(c, field);
      const parsed: CellInput = {
        value: requiredBase64(cell['$'], `${field}.$`),
      };
      const column = base64(cell['column'], `${field}.column`);
      if (column !== undefined) parsed.column = column;
      const ts = timestamp(cell['timestamp'], `${field}.timestamp`);
      if (ts !== undefined) parsed.timestamp = ts;
      return parsed;
    });
    const key = base64(row['key'], `Row[${i}].key`);
    return key === undefined ? { cells } : { key, cells };
  });
}
