/**
 * Rows between the wire (basalt.regionserver.Row) and RowResult: the region server encodes with
 * rowToProto, the client decodes with rowFromProto. Shared wire contract (client and server both
 * import it; neither imports the other).
 */
import { basalt } from '../../proto/generated/basalt.js';
import { CellType, type Cell } from '../cell.js';
import { int64ToNumber as num } from '../proto-numbers.js';
import type { RowResult } from './types.js';

import pb = basalt.regionserver;

function buf(bytes: Uint8Array | null | undefined): Buffer {
  if (!bytes) return Buffer.alloc(0);
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function rowToProto(result: RowResult): pb.IRow {
  const cells: pb.IRowCell[] = new Array(result.cells.length);
  for (let i = 0; i < result.cells.length; i++) {
    const c = result.cells[i]!;
    cells[i] = { family: c.family, qualifier: c.qualifier, timestamp: c.timestamp, type: c.type, value: c.value, sequenceId: c.sequenceId };
  }
  return result.partial ? { row: result.row, cells, partial: true } : { row: result.row, cells };
}

export function rowFromProto(row: pb.IRow): RowResult {
  const key = buf(row.row);
  const cells: Cell[] = (row.cells ?? []).map((c) => ({
    row: key,
    family: c.family ?? '',
    qualifier: buf(c.qualifier),
    timestamp: num(c.timestamp),
    type: (c.type ?? CellType.Put) as CellType,
    value: buf(c.value),
    sequenceId: num(c.sequenceId),
  }));
  return row.partial ? { row: key, cells, partial: true } : { row: key, cells };
}
