/**
 * The pure part of increment and append: from the columns' current latest versions to the cells
 * to write. The region calls these under the row lock and writes the result in one mutation.
 */
import { CellType, MAX_TIMESTAMP, type Cell } from '../../common/cell.js';
import { BasaltError, ErrorCodes } from '../../common/errors.js';
import type { AppendRequest, IncrementRequest, MutationCell } from './api.js';

/** The newest visible version of a column, read under the row lock. */
export type LatestCell = (family: string, qualifier: Buffer) => Cell | undefined;

/** A new version never sorts below the one it replaces, or VERSIONS could push it out at once. */
function newTimestamp(now: number, previous: number): number {
  return Math.min(MAX_TIMESTAMP, Math.max(now, previous));
}

/** The request's per-cell TTL for the new cells (none: they carry none, whatever the old ones had). */
function ttlOf(request: IncrementRequest | AppendRequest): { ttlMs?: number } {
  return request.ttlMs === undefined ? {} : { ttlMs: request.ttlMs };
}

function columnKey(family: string, qualifier: Buffer): string {
  return `${family}\u0000${qualifier.toString('latin1')}`;
}

/**
 * 8-byte big-endian signed counters, wrapping at 64 bits; NOT_A_COUNTER for any other size. A
 * column named twice counts once, with the last amount, as HBase's Increment (a map from column to
 * amount) does. With `request.timestamp` the new cells take it; otherwise the clock, never below
 * the current version's timestamp.
 */
export function planIncrement(
  request: IncrementRequest,
  latest: LatestCell,
  now: number,
): { cells: MutationCell[]; values: Array<{ family: string; qualifier: Buffer; value: bigint }> } {
  // The last amount per column, in the order columns were first named.
  const amounts = new Map<string, (typeof request.columns)[number]>();
  for (const c of request.columns) {
    amounts.set(columnKey(c.family, c.qualifier), c);
  }
  const cells: MutationCell[] = [];
  const values: Array<{ family: string; qualifier: Buffer; value: bigint }> = [];
  for (const c of amounts.values()) {
    const cell = latest(c.family, c.qualifier);
    if (cell && cell.value.length !== 8) {
      throw new BasaltError(ErrorCodes.NOT_A_COUNTER, `column ${c.family}:${c.qualifier.toString('latin1')} holds ${cell.value.length} bytes, not an 8-byte counter`, {
        family: c.family,
      });
    }
    const value = BigInt.asIntN(64, (cell ? cell.value.readBigInt64BE(0) : 0n) + c.amount);
    const bytes = Buffer.alloc(8);
    bytes.writeBigInt64BE(value);
    const timestamp = request.timestamp ?? newTimestamp(now, cell?.timestamp ?? 0);
    cells.push({ family: c.family, qualifier: c.qualifier, timestamp, type: CellType.Put, value: bytes, ...ttlOf(request) });
    values.push({ family: c.family, qualifier: c.qualifier, value });
  }
  return { cells, values };
}

/**
 * Concatenates each column's latest value with the given bytes (a column named twice gets both, in
 * order, as HBase's Append); CELL_TOO_LARGE past maxCellBytes. Timestamps as planIncrement's.
 */
export function planAppend(request: AppendRequest, latest: LatestCell, now: number, maxCellBytes: number): MutationCell[] {
  const current = new Map<string, { family: string; qualifier: Buffer; value: Buffer; timestamp: number }>();
  for (const c of request.columns) {
    const key = columnKey(c.family, c.qualifier);
    let base = current.get(key);
    if (!base) {
      const cell = latest(c.family, c.qualifier);
      base = { family: c.family, qualifier: c.qualifier, value: cell?.value ?? Buffer.alloc(0), timestamp: cell?.timestamp ?? 0 };
    }
    current.set(key, { ...base, value: Buffer.concat([base.value, c.value]) });
  }
  const cells: MutationCell[] = [];
  for (const v of current.values()) {
    const size = request.row.length + v.family.length + v.qualifier.length + v.value.length;
    if (size > maxCellBytes) {
      throw new BasaltError(ErrorCodes.CELL_TOO_LARGE, `append would make a ${size}-byte cell`, { field: 'columns', size, limit: maxCellBytes });
    }
    cells.push({ family: v.family, qualifier: v.qualifier, timestamp: request.timestamp ?? newTimestamp(now, v.timestamp), type: CellType.Put, value: v.value, ...ttlOf(request) });
  }
  return cells;
}
