/**
 * The cells of one store-file entry (store-file.ts), each: qualifier length (4), qualifier,
 * timestamp (8), type (1), sequence id (8), value length (4), [TTL ms (8) when the type byte has
 * TYPE_HAS_TTL], value. Big-endian throughout.
 */
import type { CellType, Cell } from '../../common/cell.js';

/** Bytes of a cell's entry besides its qualifier, value and TTL. */
export const CELL_OVERHEAD_BYTES = 4 + 8 + 1 + 8 + 4;
/**
 * A cell with a per-cell TTL has this bit set in its type byte and its TTL (ms, 8 bytes) right after
 * the value length. Cell types are below 0x80, so files written before per-cell TTL read unchanged.
 */
export const TYPE_HAS_TTL = 0x80;
export const TTL_BYTES = 8;

export function writeCell(out: Buffer, pos: number, c: Cell): number {
  out.writeUInt32BE(c.qualifier.length, pos);
  pos += 4;
  pos += c.qualifier.copy(out, pos);
  const tsHi = Math.floor(c.timestamp / TWO_32);
  out.writeUInt32BE(tsHi, pos);
  out.writeUInt32BE(c.timestamp - tsHi * TWO_32, pos + 4);
  out[pos + 8] = c.ttlMs === undefined ? c.type : c.type | TYPE_HAS_TTL;
  const seqHi = Math.floor(c.sequenceId / TWO_32);
  out.writeUInt32BE(seqHi, pos + 9);
  out.writeUInt32BE(c.sequenceId - seqHi * TWO_32, pos + 13);
  out.writeUInt32BE(c.value.length, pos + 17);
  pos += 21;
  if (c.ttlMs !== undefined) {
    const ttlHi = Math.floor(c.ttlMs / TWO_32);
    out.writeUInt32BE(ttlHi, pos);
    out.writeUInt32BE(c.ttlMs - ttlHi * TWO_32, pos + 4);
    pos += TTL_BYTES;
  }
  pos += c.value.copy(out, pos);
  return pos;
}

const TWO_32 = 0x1_0000_0000;

/** Decodes the cells of one entry's payload (qualifiers and values are views of `buf`). */
export function readCells(buf: Buffer, pos: number, row: Buffer, family: string, out: Cell[]): void {
  const count = buf.readUInt32BE(pos);
  pos += 4;
  for (let i = 0; i < count; i++) {
    const qLen = buf.readUInt32BE(pos);
    pos += 4;
    const qualifier = buf.subarray(pos, pos + qLen);
    pos += qLen;
    const timestamp = buf.readUInt32BE(pos) * TWO_32 + buf.readUInt32BE(pos + 4);
    const typeByte = buf[pos + 8]!;
    const sequenceId = buf.readUInt32BE(pos + 9) * TWO_32 + buf.readUInt32BE(pos + 13);
    const vLen = buf.readUInt32BE(pos + 17);
    pos += 21;
    if ((typeByte & TYPE_HAS_TTL) !== 0) {
      const ttlMs = buf.readUInt32BE(pos) * TWO_32 + buf.readUInt32BE(pos + 4);
      pos += TTL_BYTES;
      const value = buf.subarray(pos, pos + vLen);
      pos += vLen;
      out.push({ row, family, qualifier, timestamp, type: (typeByte & ~TYPE_HAS_TTL) as CellType, value, sequenceId, ttlMs });
      continue;
    }
    const value = buf.subarray(pos, pos + vLen);
    pos += vLen;
    out.push({ row, family, qualifier, timestamp, type: typeByte as CellType, value, sequenceId });
  }
  if (pos !== buf.length) throw new Error('store file entry: trailing bytes');
}
