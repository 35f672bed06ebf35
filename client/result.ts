/**
 * A row as the client returns it (api.ts Result): Buffers, with helpers for the newest value of a
 * column as bytes, UTF-8 or an 8-byte big-endian counter. Cells keep the server's order (family,
 * qualifier, newest first), so "newest" is the first match.
 */
import { CellType, type Cell } from '../common/cell.js';
import type { RowResult } from '../common/rs-wire/types.js';
import type { BytesInput, CellTypeName, Result, ResultCell } from './api.js';

const TYPE_NAMES: Record<number, CellTypeName> = {
  [CellType.Put]: 'Put',
  [CellType.Delete]: 'Delete',
  [CellType.DeleteColumn]: 'DeleteColumn',
  [CellType.DeleteFamily]: 'DeleteFamily',
  [CellType.DeleteFamilyVersion]: 'DeleteFamilyVersion',
};

function qualifierBytes(q: BytesInput): Buffer {
  if (Buffer.isBuffer(q)) return q;
  if (typeof q === 'string') return Buffer.from(q, 'utf8');
  return Buffer.from(q.buffer, q.byteOffset, q.byteLength);
}

export class RowResultView implements Result {
  readonly row: Buffer;
  /** True when this is a chunk of a row cut by the scan's `batch` and more of the row follows. */
  readonly partial: boolean;
  /** The server's cells; the public `cells` view is built on first use (most callers only ask value()). */
  private readonly raw: readonly Cell[];
  private view: ResultCell[] | undefined;

  constructor(row: Buffer, cells: readonly Cell[], partial = false) {
    this.row = row;
    this.raw = cells;
    this.partial = partial;
  }

  static from(row: RowResult | undefined, key: Buffer): RowResultView {
    return row ? new RowResultView(row.row, row.cells, row.partial === true) : new RowResultView(key, []);
  }

  get cells(): ResultCell[] {
    this.view ??= this.raw.map((c) => ({
      row: this.row,
      family: c.family,
      qualifier: c.qualifier,
      timestamp: c.timestamp,
      type: TYPE_NAMES[c.type] ?? 'Put',
      value: c.value,
    }));
    return this.view;
  }

  get isEmpty(): boolean {
    return this.raw.length === 0;
  }

  versions(family: string, qualifier: BytesInput): ResultCell[] {
    const q = qualifierBytes(qualifier);
    return this.cells.filter((c) => c.family === family && c.qualifier.equals(q) && c.type === 'Put');
  }

  value(family: string, qualifier: BytesInput): Buffer | undefined {
    const q = qualifierBytes(qualifier);
    for (const c of this.raw) if (c.type === CellType.Put && c.family === family && c.qualifier.equals(q)) return c.value;
    return undefined;
  }

  string(family: string, qualifier: BytesInput): string | undefined {
    return this.value(family, qualifier)?.toString('utf8');
  }

  counter(family: string, qualifier: BytesInput): bigint | undefined {
    const v = this.value(family, qualifier);
    return v && v.length === 8 ? v.readBigInt64BE(0) : undefined;
  }
}
