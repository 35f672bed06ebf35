/**
 * HBase REST's row specification in the path: `/<table>/<row>[/<columns>[/<timestamp>]]`, where
 * `<row>` is a key, `start,end` (a range, end exclusive) or `prefix*` (suffix globbing), `<columns>`
 * is `cf` or `cf:q` separated by commas, and `<timestamp>` is `ts` (exactly that version) or
 * `from,to` (a time range, `to` exclusive). Parts are percent-decoded into bytes, `+` is a space
 * (Java's URLDecoder, which HBase uses), so any binary key can be addressed.
 */
import { badRequest } from './http-error.js';

export interface RowSpec {
  /** The row (single-row form) or the start row (range and glob forms). */
  row: Buffer;
  /** Range form: exclusive end row. */
  endRow?: Buffer;
  /** Glob form: every row starting with these bytes. */
  prefix?: Buffer;
  /** Raw `cf` / `cf:q` bytes, in the order given. */
  columns: Buffer[];
  /** Exactly this version (`/ts`). */
  timestamp?: number;
  /** A time range (`/from,to`). */
  timeRange?: { min: number; max: number };
}

export function isSingleRow(spec: RowSpec): boolean {
  return spec.endRow === undefined && spec.prefix === undefined;
}

/** Decodes one raw path component into bytes (`%XX` escapes, `+` as space, other characters as UTF-8). */
export function decodePathBytes(raw: string, field: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '%') {
      const hex = raw.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw badRequest(`${field}: malformed percent-escape in '${raw}'`);
      out.push(parseInt(hex, 16));
      i += 2;
    } else if (c === '+') {
      out.push(0x20);
    } else {
      for (const b of Buffer.from(c, 'utf8')) out.push(b);
    }
  }
  return Buffer.from(out);
}

/** Splits at unescaped commas (an encoded `%2C` stays inside its part). */
function splitCommas(raw: string): string[] {
  return raw.split(',');
}

export function parseRowSpec(segments: string[]): RowSpec {
  if (segments.length === 0 || segments[0] === '') throw badRequest('row key not specified');
  if (segments.length > 3) throw badRequest('too many path parts: expected /table/row[/columns[/timestamp]]');
  const spec: RowSpec = { row: Buffer.alloc(0), columns: [] };

  const rowPart = segments[0]!;
  const comma = rowPart.indexOf(',');
  if (rowPart.endsWith('*')) {
    if (comma >= 0) throw badRequest('a start row with a wildcard cannot have an end row');
    spec.prefix = decodePathBytes(rowPart.slice(0, -1), 'row');
    spec.row = spec.prefix;
  } else if (comma >= 0) {
    spec.row = decodePathBytes(rowPart.slice(0, comma), 'row');
    spec.endRow = decodePathBytes(rowPart.slice(comma + 1), 'end row');
  } else {
    spec.row = decodePathBytes(rowPart, 'row');
  }

  const columnPart = segments[1];
  if (columnPart !== undefined && columnPart !== '') {
    for (const raw of splitCommas(columnPart)) {
      if (raw === '') throw badRequest('empty column in the column list');
      spec.columns.push(decodePathBytes(raw, 'column'));
    }
  }

  const timePart = segments[2];
  if (timePart !== undefined && timePart !== '') {
    const parts = timePart.split(',');
    if (parts.length > 2) throw badRequest(`bad timestamp '${timePart}': expected ts or from,to`);
    const [from, to] = parts.map((p) => parseTimestamp(p));
    if (to === undefined) spec.timestamp = from!;
    else {
      if (to <= from!) throw badRequest(`empty time range ${from},${to}: 'to' is exclusive and must be greater`);
      spec.timeRange = { min: from!, max: to };
    }
  }
  return spec;
}

function parseTimestamp(text: string): number {
  const decoded = decodePathBytes(text, 'timestamp').toString('utf8');
  const n = Number(decoded);
  if (!/^\d+$/.test(decoded) || !Number.isSafeInteger(n)) throw badRequest(`bad timestamp '${decoded}'`);
  return n;
}
