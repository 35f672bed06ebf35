/**
 * The cell key codec: one binary encoding of a cell's coordinates whose unsigned byte order
 * (memcmp, LMDB's `keyEncoding: 'binary'`, and JS string order of its latin1 form) equals
 * `compareCells`: row ↑, family ↑, qualifier ↑, timestamp ↓, type ↓, sequence id ↓.
 *
 * Layout:  esc(row) 00 01 | family 00 | esc(qualifier) 00 01 | ~timestamp (8) | ~type (1) | ~seq (8)
 *
 * - Rows and qualifiers may hold any byte, so a 0x00 inside them is escaped as 00 FF and each part
 *   ends with the terminator 00 01. A shorter part that is a prefix of a longer one then sorts first
 *   (its terminator 00 01 is below any continuation byte: 01..FF directly, or 00 FF for a 0x00).
 * - Family names are printable ASCII without 0x00 (validated at the edge), so a single 00 ends them.
 * - The three numbers are stored inverted (MAX − x, big-endian) so that larger values sort first.
 * The encoding is self-delimiting: no key is a proper prefix of another (store files rely on it).
 */
import { MAX_TIMESTAMP, type Cell, type CellType } from './cell.js';

/** Largest sequence id the codec can represent. */
export const MAX_SEQUENCE_ID = Number.MAX_SAFE_INTEGER;

const TWO_32 = 0x1_0000_0000;

/** The coordinates of a cell, without its value. */
export interface CellKey {
  row: Buffer;
  family: string;
  qualifier: Buffer;
  timestamp: number;
  type: CellType;
  sequenceId: number;
}

function escapedLength(bytes: Uint8Array): number {
  let n = bytes.length + 2;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0) n++;
  return n;
}

function writeEscaped(out: Buffer, pos: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    out[pos++] = b;
    if (b === 0) out[pos++] = 0xff;
  }
  out[pos++] = 0;
  out[pos++] = 1;
  return pos;
}

function writeInverted(out: Buffer, pos: number, value: number, max: number): number {
  const v = max - value;
  const hi = Math.floor(v / TWO_32);
  const lo = v - hi * TWO_32;
  out.writeUInt32BE(hi, pos);
  out.writeUInt32BE(lo, pos + 4);
  return pos + 8;
}

function readInverted(buf: Uint8Array, pos: number, max: number): number {
  const hi = ((buf[pos]! << 24) | (buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!) >>> 0;
  const lo = ((buf[pos + 4]! << 24) | (buf[pos + 5]! << 16) | (buf[pos + 6]! << 8) | buf[pos + 7]!) >>> 0;
  return max - (hi * TWO_32 + lo);
}

/** Bytes after the qualifier: timestamp (8), type (1), sequence id (8). */
export const KEY_SUFFIX_BYTES = 17;

/** Encodes a cell's full key. */
export function encodeKey(key: CellKey): Buffer {
  const familyLength = Buffer.byteLength(key.family, 'latin1');
  const out = Buffer.allocUnsafe(escapedLength(key.row) + familyLength + 1 + escapedLength(key.qualifier) + KEY_SUFFIX_BYTES);
  let pos = writeEscaped(out, 0, key.row);
  pos += out.write(key.family, pos, 'latin1');
  out[pos++] = 0;
  pos = writeEscaped(out, pos, key.qualifier);
  pos = writeInverted(out, pos, key.timestamp, MAX_TIMESTAMP);
  out[pos++] = 0xff - key.type;
  writeInverted(out, pos, key.sequenceId, MAX_SEQUENCE_ID);
  return out;
}

/** The key as a latin1 string: JS string order equals byte order (memstore keys). */
export function encodeKeyString(key: CellKey): string {
  return encodeKey(key).toString('latin1');
}

/** Prefix shared by every key of `row`; everything of the row sorts in [prefix, rowEnd(prefix)). */
export function encodeRowPrefix(row: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(escapedLength(row));
  writeEscaped(out, 0, row);
  return out;
}

/** Prefix shared by every key of `row` in `family`. */
export function encodeFamilyPrefix(row: Uint8Array, family: string): Buffer {
  const rowLength = escapedLength(row);
  const out = Buffer.allocUnsafe(rowLength + Buffer.byteLength(family, 'latin1') + 1);
  writeEscaped(out, 0, row);
  const n = out.write(family, rowLength, 'latin1');
  out[rowLength + n] = 0;
  return out;
}

/** Prefix shared by every version of one column. */
export function encodeColumnPrefix(row: Uint8Array, family: string, qualifier: Uint8Array): Buffer {
  const familyPrefix = encodeFamilyPrefix(row, family);
  const out = Buffer.allocUnsafe(familyPrefix.length + escapedLength(qualifier));
  familyPrefix.copy(out, 0);
  writeEscaped(out, familyPrefix.length, qualifier);
  return out;
}

/**
 * The smallest key greater than every key that starts with `prefix`, for prefixes produced by the
 * functions above (they end with a terminator byte 00/01 that can simply be incremented: no key
 * continues a terminated part with a byte above it at that position except the next part).
 */
export function prefixUpperBound(prefix: Buffer): Buffer {
  const out = Buffer.from(prefix);
  out[out.length - 1] = out[out.length - 1]! + 1;
  return out;
}

/** The first key at or after (row, family, qualifier, timestamp): a seek position. */
export function encodeSeekKey(row: Uint8Array, family: string, qualifier: Uint8Array, timestamp: number = MAX_TIMESTAMP): Buffer {
  const column = encodeColumnPrefix(row, family, qualifier);
  const out = Buffer.allocUnsafe(column.length + 8);
  column.copy(out, 0);
  writeInverted(out, column.length, timestamp, MAX_TIMESTAMP);
  return out;
}

/** Reads an escaped, terminated part starting at `pos`; returns the part and the next position. */
function readEscaped(buf: Uint8Array, pos: number): [Buffer, number] {
  // Fast path: no escapes, the part is a plain slice.
  let end = pos;
  let escapes = 0;
  for (;;) {
    const b = buf[end];
    if (b === undefined) throw new Error('key codec: unterminated part');
    if (b === 0) {
      const next = buf[end + 1];
      if (next === 1) break;
      if (next !== 0xff) throw new Error('key codec: bad escape');
      escapes++;
      end += 2;
    } else {
      end++;
    }
  }
  const raw = Buffer.from(buf.buffer, buf.byteOffset + pos, end - pos);
  if (escapes === 0) return [Buffer.from(raw), end + 2];
  const out = Buffer.allocUnsafe(end - pos - escapes);
  let o = 0;
  for (let i = 0; i < raw.length; i++) {
    out[o++] = raw[i]!;
    if (raw[i] === 0) i++;
  }
  return [out, end + 2];
}

/** Length of the escaped row part (with terminator) at the start of a key. */
export function rowPrefixLength(buf: Uint8Array): number {
  let i = 0;
  for (;;) {
    if (buf[i] === 0) {
      if (buf[i + 1] === 1) return i + 2;
      i += 2;
    } else if (i >= buf.length) {
      throw new Error('key codec: unterminated row');
    } else {
      i++;
    }
  }
}

/** Decodes only the row of a key. */
export function decodeRow(buf: Uint8Array): Buffer {
  return readEscaped(buf, 0)[0];
}

/** Decodes a full key. Throws on malformed input (a corrupt store file). */
export function decodeKey(buf: Uint8Array): CellKey {
  const [row, afterRow] = readEscaped(buf, 0);
  let pos = afterRow;
  while (buf[pos] !== 0) {
    if (pos >= buf.length) throw new Error('key codec: unterminated family');
    pos++;
  }
  const family = Buffer.from(buf.buffer, buf.byteOffset + afterRow, pos - afterRow).toString('latin1');
  const [qualifier, afterQualifier] = readEscaped(buf, pos + 1);
  if (afterQualifier + KEY_SUFFIX_BYTES !== buf.length) throw new Error('key codec: bad key length');
  const timestamp = readInverted(buf, afterQualifier, MAX_TIMESTAMP);
  const type = (0xff - buf[afterQualifier + 8]!) as CellType;
  const sequenceId = readInverted(buf, afterQualifier + 9, MAX_SEQUENCE_ID);
  return { row, family, qualifier, timestamp, type, sequenceId };
}

/**
 * Decodes the part of a key after a known family prefix (row and family already known by the
 * caller): the row-at-a-time read path decodes no more than it needs.
 */
export function decodeKeyAfterFamily(buf: Uint8Array, familyPrefixLength: number, row: Buffer, family: string): CellKey {
  const [qualifier, afterQualifier] = readEscaped(buf, familyPrefixLength);
  const timestamp = readInverted(buf, afterQualifier, MAX_TIMESTAMP);
  const type = (0xff - buf[afterQualifier + 8]!) as CellType;
  const sequenceId = readInverted(buf, afterQualifier + 9, MAX_SEQUENCE_ID);
  return { row, family, qualifier, timestamp, type, sequenceId };
}

/** Encodes a cell's key (value not included). */
export function encodeCellKey(cell: Cell): Buffer {
  return encodeKey(cell);
}

/** Builds a cell from a decoded key and its value. */
export function cellFromKey(key: CellKey, value: Buffer): Cell {
  return {
    row: key.row,
    family: key.family,
    qualifier: key.qualifier,
    timestamp: key.timestamp,
    type: key.type,
    value,
    sequenceId: key.sequenceId,
  };
}
