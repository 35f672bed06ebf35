/**
 * Output in HBase shell's layout (its Ruby Formatter): two-column rows inset by one space, a header
 * without the inset and with one extra space (`ROW  COLUMN+CELL`), `n row(s)` footers, `Took 0.0123
 * seconds`, `=> value` in Ruby's inspect form, and cells as `timestamp=…, value=…` with bytes in
 * toStringBinary form. On a terminal the first column is a quarter of its width and long values
 * wrap, as HBase does; elsewhere (width 0) nothing is padded, so scripts get stable text.
 */
import { toStringBinary } from '../common/bytes.js';
import type { ResultCell } from '../client/api.js';

/** Where the shell writes. */
export interface Output {
  write(text: string): void;
}

export type TimestampFormat = 'iso' | 'epoch';

export class Formatter {
  constructor(
    private readonly out: Output,
    /** Terminal columns (read at each use, so a resized terminal is followed, as HBase does); 0 off a terminal. */
    private readonly widthOf: number | (() => number),
  ) {}

  get width(): number {
    return typeof this.widthOf === 'number' ? this.widthOf : this.widthOf();
  }

  private rowCount = 0;

  /** A header row (not inset); resets the row count. */
  header(columns: string[]): void {
    if (columns.length > 0) this.emit(columns, false);
    this.rowCount = 0;
  }

  /** A data row: one column (not inset) or two (inset by one space). */
  row(columns: string[]): void {
    this.emit(columns, true);
    this.rowCount++;
  }

  /** `n row(s)`. */
  footer(count = this.rowCount): void {
    this.line(`${count} row(s)`);
  }

  line(text = ''): void {
    this.out.write(`${text}\n`);
  }

  get count(): number {
    return this.rowCount;
  }

  private emit(columns: string[], inset: boolean): void {
    if (columns.length === 1) {
      const width = this.width;
      for (const part of split(width, columns[0]!)) this.line(pad(width, part));
      return;
    }
    if (columns.length === 2) {
      const width = this.width;
      const col1 = width === 0 ? 0 : Math.floor(width / 4);
      const col2 = width === 0 ? 0 : width - col1 - 2;
      const left = split(col1, columns[0]!);
      const right = split(col2, columns[1]!);
      const lines = Math.max(left.length, right.length);
      for (let k = 0; k < lines; k++) {
        this.out.write(`${inset ? ' ' : ''}${pad(col1, left[k] ?? '')}${inset ? '' : ' '} ${pad(col2, right[k] ?? '')}\n`);
      }
      return;
    }
    this.line(` ${columns.join(' ')}`);
  }
}

function split(width: number, text: string): string[] {
  if (width === 0 || text.length <= width) return [text];
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += width) parts.push(text.slice(i, i + width));
  return parts;
}

function pad(width: number, text: string): string {
  return width === 0 || text.length >= width ? text : text.padEnd(width);
}

/** `Took 0.0123 seconds`. */
export function tookLine(seconds: number): string {
  return `Took ${seconds.toFixed(4)} seconds`;
}

/**
 * A cell timestamp as HBase 2 prints it: Java's LocalDateTime.toString in the local time zone
 * (`2026-12-02T22:10:12.345`; seconds and milliseconds dropped when zero), or the raw epoch
 * milliseconds (HBase's hbase.shell.timestamp.format.epoch).
 */
export function formatTimestamp(ms: number, format: TimestampFormat = 'iso'): string {
  if (format === 'epoch' || !Number.isFinite(ms) || ms < -8.64e15 || ms > 8.64e15) return String(ms);
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  const year = d.getFullYear();
  const yearText = year >= 0 && year <= 9999 ? String(year).padStart(4, '0') : year > 9999 ? `+${year}` : String(year);
  let text = `${yearText}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
  const seconds = d.getSeconds();
  const millis = d.getMilliseconds();
  if (seconds !== 0 || millis !== 0) text += `:${two(seconds)}`;
  if (millis !== 0) text += `.${String(millis).padStart(3, '0')}`;
  return text;
}

/** `family:qualifier` with the qualifier in toStringBinary form. */
export function columnText(cell: Pick<ResultCell, 'family' | 'qualifier'>): string {
  return `${toStringBinary(Buffer.from(cell.family, 'utf8'))}:${toStringBinary(cell.qualifier)}`;
}

/** `timestamp=…, value=…`, or `timestamp=…, type=Delete…` for a delete marker (raw scans). */
export function cellText(cell: ResultCell, format: TimestampFormat = 'iso'): string {
  const ts = formatTimestamp(cell.timestamp, format);
  if (cell.type !== 'Put') return `timestamp=${ts}, type=${cell.type}`;
  return `timestamp=${ts}, value=${toStringBinary(cell.value)}`;
}

/** A value as Ruby's `inspect` prints it: `"a"`, `["a", "b"]`, `true`, `3`, `nil`. */
export function inspect(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') return rubyString(value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (Buffer.isBuffer(value)) return rubyString(toStringBinary(value));
  if (Array.isArray(value)) return `[${value.map(inspect).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([k, v]) => `${rubyString(k)}=>${inspect(v)}`).join(', ')}}`;
  }
  return String(value);
}

function rubyString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '#') out += '#';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}
