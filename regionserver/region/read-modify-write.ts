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

function columnKey(family: string, qualifier: Buffer): string {
  return `${family}\u0000${qualifier.toString('latin1')}`;
}

/**
 * 8-byte big-endian signed counters, wrapping at 64 bits; NOT_A_COUNTER for any other size. A
 * column named twice adds both amounts (the later cell of the mutation wins, holding the sum).
 */
export function planIncrement(
  request: IncrementRequest,
  latest: LatestCell,
  now: number,
): { cells: MutationCell[]; values: Array<{ family: string; qualifier: Buffer; value: bigint }> } {
  const current = new Map<string, { value: bigint; timestamp: number }>();
  const cells: MutationCell[] = [];
  const values: Array<{ family: string; qualifier: Buffer; value: bigint }> = [];
  for (const c of request.columns) {
    const key = columnKey(c.family, c.qualifier);
    let base = current.get(key);
    if (!base) {
      const cell = latest(c.family, c.qualifier);
      if (cell && cell.value.length !== 8) {
        throw new BasaltError(ErrorCodes.NOT_A_COUNTER, `column ${c.family}:${c.qualifier.toString('latin1')} holds ${cell.value.length} bytes, not an 8-byte counter`, {
          family: c.family,
        });
      }
      base = { value: cell ? cell.value.readBigInt64BE(0) : 0n, timestamp: cell?.timestamp ?? 0 };
    }
    const value = BigInt.asIntN(64, base.value + c.amount);
    current.set(key, { value, timestamp: base.timestamp });
    const bytes = Buffer.alloc(8);
    bytes.writeBigInt64BE(value);
    cells.push({ family: c.family, qualifier: c.qualifier, timestamp: newTimestamp(now, base.timestamp), type: CellType.Put, value: bytes });
    values.push({ family: c.family, qualifier: c.qualifier, value });
  }
  return { cells, values };
}

/** Concatenates each column's latest value with the given bytes; CELL_TOO_LARGE past maxCellBytes. */
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
    cells.push({ family: v.family, qualifier: v.qualifier, timestamp: newTimestamp(now, v.timestamp), type: CellType.Put, value: v.value });
  }
  return cells;
}
