/**
 * The WAL's byte format. One group commit is written as ONE frame with one write call:
 *
 *   frame   = magic u32 'BWAL' | payloadLength u32 | crc32 u32 (of length + payload) | payload
 *   payload = markCount u32 | marks | entryCount u32 | entries
 *   mark    = regionId (u16 length + UTF-8) | flushedSequenceId u48
 *   entry   = length u32 | crc32 u32 (of the entry bytes) | entry bytes
 *   entry bytes = regionId (u16 + UTF-8) | sequenceId u48 | openEpoch u32 | cellCount u32 | cells
 *   cell    = row (u32 + bytes) | family (u16 + UTF-8) | qualifier (u32 + bytes) | timestamp f64
 *             | type u8 | [ttlMs f64 if type has bit 0x80] | value (u32 + bytes) | sequenceId u48
 *
 * A cell with a per-cell TTL sets bit 0x80 of its type byte and carries the TTL after it; cell
 * types are below 0x80, so logs written before per-cell TTL replay unchanged.
 *
 * Why a frame per group: only the last group can be unsynced when the process dies (the writer
 * waits for each group's fdatasync before writing the next), so a bad frame followed by a valid one
 * can only be corruption of synced data, never a torn write. Records inside a frame have their own
 * checksum so that replay can read one region's entries without re-reading whole frames.
 */
import { crc32 } from 'node:zlib';
import { BasaltError, ErrorCodes } from '../../common/errors.js';
import type { Cell } from '../../common/cell.js';
import type { WalEntry } from './wal.js';

export const FRAME_MAGIC = 0x4257414c; // 'BWAL'
export const FRAME_HEADER_BYTES = 12;
/** A frame longer than this is not a frame (guards the scanner against a corrupt length). */
export const MAX_FRAME_BYTES = 1024 * 1024 * 1024;
const TYPE_HAS_TTL = 0x80;

function encodedCellBytes(c: Cell): number {
  return 4 + c.row.length + 2 + Buffer.byteLength(c.family) + 4 + c.qualifier.length + 8 + 1 + (c.ttlMs === undefined ? 0 : 8) + 4 + c.value.length + 6;
}

export function encodedEntryBytes(e: WalEntry): number {
  let n = 2 + Buffer.byteLength(e.regionId) + 6 + 4 + 4;
  for (const c of e.cells) n += encodedCellBytes(c);
  return n;
}

function writeEntry(buf: Buffer, at: number, e: WalEntry): number {
  let o = at;
  o = writeString(buf, o, e.regionId);
  buf.writeUIntBE(e.sequenceId, o, 6);
  o += 6;
  buf.writeUInt32BE(e.openEpoch, o);
  o += 4;
  buf.writeUInt32BE(e.cells.length, o);
  o += 4;
  for (const c of e.cells) {
    buf.writeUInt32BE(c.row.length, o);
    o += 4;
    o += c.row.copy(buf, o);
    o = writeString(buf, o, c.family);
    buf.writeUInt32BE(c.qualifier.length, o);
    o += 4;
    o += c.qualifier.copy(buf, o);
    buf.writeDoubleBE(c.timestamp, o);
    o += 8;
    if (c.ttlMs === undefined) {
      buf.writeUInt8(c.type, o);
      o += 1;
    } else {
      buf.writeUInt8(c.type | TYPE_HAS_TTL, o);
      buf.writeDoubleBE(c.ttlMs, o + 1);
      o += 9;
    }
    buf.writeUInt32BE(c.value.length, o);
    o += 4;
    o += c.value.copy(buf, o);
    buf.writeUIntBE(c.sequenceId, o, 6);
    o += 6;
  }
  return o;
}

function writeString(buf: Buffer, at: number, s: string): number {
  const n = buf.write(s, at + 2, 'utf8');
  buf.writeUInt16BE(n, at);
  return at + 2 + n;
}

export interface FlushMark {
  regionId: string;
  sequenceId: number;
}

/** Where an entry sits inside an encoded frame (offsets relative to the frame start). */
export interface EntryLocation {
  regionId: string;
  sequenceId: number;
  openEpoch: number;
  /** Offset of the entry's length field. */
  offset: number;
  /** Bytes of the record including its 8-byte length + crc prefix. */
  length: number;
}

/** Encodes one group as one frame; returns where each entry landed, for the in-memory index. */
export function encodeFrame(entries: WalEntry[], marks: FlushMark[]): { frame: Buffer; locations: EntryLocation[] } {
  let size = FRAME_HEADER_BYTES + 4 + 4;
  for (const m of marks) size += 2 + Buffer.byteLength(m.regionId) + 6;
  const sizes = entries.map(encodedEntryBytes);
  for (const s of sizes) size += 8 + s;
  const buf = Buffer.allocUnsafe(size);
  let o = FRAME_HEADER_BYTES;
  buf.writeUInt32BE(marks.length, o);
  o += 4;
  for (const m of marks) {
    o = writeString(buf, o, m.regionId);
    buf.writeUIntBE(m.sequenceId, o, 6);
    o += 6;
  }
  buf.writeUInt32BE(entries.length, o);
  o += 4;
  const locations: EntryLocation[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const start = o;
    const body = o + 8;
    const end = writeEntry(buf, body, e);
    buf.writeUInt32BE(end - body, o);
    buf.writeUInt32BE(crc32(buf.subarray(body, end)), o + 4);
    locations.push({ regionId: e.regionId, sequenceId: e.sequenceId, openEpoch: e.openEpoch, offset: start, length: end - start });
    o = end;
  }
  const payloadLength = o - FRAME_HEADER_BYTES;
  buf.writeUInt32BE(FRAME_MAGIC, 0);
  buf.writeUInt32BE(payloadLength, 4);
  buf.writeUInt32BE(crc32(buf.subarray(FRAME_HEADER_BYTES, o), crc32(buf.subarray(4, 8))), 8);
  return { frame: buf.subarray(0, o), locations };
}

/** Length of a valid frame at `offset`, or -1 if the bytes there are not a whole, intact frame. */
export function validFrameLength(buf: Buffer, offset: number): number {
  if (buf.length - offset < FRAME_HEADER_BYTES) return -1;
  if (buf.readUInt32BE(offset) !== FRAME_MAGIC) return -1;
  const payloadLength = buf.readUInt32BE(offset + 4);
  if (payloadLength > MAX_FRAME_BYTES || offset + FRAME_HEADER_BYTES + payloadLength > buf.length) return -1;
  const expected = buf.readUInt32BE(offset + 8);
  const actual = crc32(
    buf.subarray(offset + FRAME_HEADER_BYTES, offset + FRAME_HEADER_BYTES + payloadLength),
    crc32(buf.subarray(offset + 4, offset + 8)),
  );
  return actual === expected ? FRAME_HEADER_BYTES + payloadLength : -1;
}

/** Decodes a verified frame's marks and entry locations (offsets relative to the frame start). */
export function decodeFrameIndex(frame: Buffer): { marks: FlushMark[]; locations: EntryLocation[] } {
  let o = FRAME_HEADER_BYTES;
  const markCount = frame.readUInt32BE(o);
  o += 4;
  const marks: FlushMark[] = [];
  for (let i = 0; i < markCount; i++) {
    const n = frame.readUInt16BE(o);
    const regionId = frame.toString('utf8', o + 2, o + 2 + n);
    o += 2 + n;
    marks.push({ regionId, sequenceId: frame.readUIntBE(o, 6) });
    o += 6;
  }
  const entryCount = frame.readUInt32BE(o);
  o += 4;
  const locations: EntryLocation[] = [];
  for (let i = 0; i < entryCount; i++) {
    const len = frame.readUInt32BE(o);
    const b = o + 8;
    const n = frame.readUInt16BE(b);
    const regionId = frame.toString('utf8', b + 2, b + 2 + n);
    const sequenceId = frame.readUIntBE(b + 2 + n, 6);
    const openEpoch = frame.readUInt32BE(b + 2 + n + 6);
    locations.push({ regionId, sequenceId, openEpoch, offset: o, length: 8 + len });
    o = b + len;
  }
  if (o !== frame.length) throw new Error(`frame payload has ${frame.length - o} trailing bytes`);
  return { marks, locations };
}

/** Decodes one entry record (length + crc + bytes) and verifies its checksum. */
export function decodeEntryRecord(buf: Buffer, offset: number, where: string): WalEntry {
  const len = buf.readUInt32BE(offset);
  const body = buf.subarray(offset + 8, offset + 8 + len);
  if (body.length !== len || crc32(body) !== buf.readUInt32BE(offset + 4)) {
    throw new BasaltError(ErrorCodes.CORRUPT_WAL, `WAL entry checksum mismatch in ${where} at offset ${offset}`, { where, offset });
  }
  let o = 0;
  const str = (): string => {
    const n = body.readUInt16BE(o);
    const s = body.toString('utf8', o + 2, o + 2 + n);
    o += 2 + n;
    return s;
  };
  const bytes = (): Buffer => {
    const n = body.readUInt32BE(o);
    // Copy: the entry outlives the file buffer it was read from.
    const b = Buffer.from(body.subarray(o + 4, o + 4 + n));
    o += 4 + n;
    return b;
  };
  const regionId = str();
  const sequenceId = body.readUIntBE(o, 6);
  const openEpoch = body.readUInt32BE(o + 6);
  const cellCount = body.readUInt32BE(o + 10);
  o += 14;
  const cells: Cell[] = [];
  for (let i = 0; i < cellCount; i++) {
    const row = bytes();
    const family = str();
    const qualifier = bytes();
    const timestamp = body.readDoubleBE(o);
    const typeByte = body.readUInt8(o + 8);
    o += 9;
    let ttlMs: number | undefined;
    if ((typeByte & TYPE_HAS_TTL) !== 0) {
      ttlMs = body.readDoubleBE(o);
      o += 8;
    }
    const value = bytes();
    const cellSeq = body.readUIntBE(o, 6);
    o += 6;
    const type = typeByte & ~TYPE_HAS_TTL;
    cells.push(ttlMs === undefined ? { row, family, qualifier, timestamp, type, value, sequenceId: cellSeq } : { row, family, qualifier, timestamp, type, value, sequenceId: cellSeq, ttlMs });
  }
  return { regionId, sequenceId, openEpoch, cells };
}

const MAGIC_BYTES = Buffer.from([0x42, 0x57, 0x41, 0x4c]);

export interface SegmentScan {
  /** Intact frames, in file order. */
  frames: Array<{ offset: number; length: number }>;
  /** End of the last intact frame: the length the file should have. */
  validEnd: number;
}

/**
 * Finds the intact frames of one segment. Bytes after the last intact frame are a torn tail (an
 * unsynced group cut by a crash) only if no intact frame follows them and the segment is the
 * log's last one (a segment is complete and synced before the next one is created); anything else
 * is corruption of synced data and throws CORRUPT_WAL rather than silently losing what follows.
 */
export function scanSegment(buf: Buffer, where: string, isLastSegment: boolean): SegmentScan {
  const frames: Array<{ offset: number; length: number }> = [];
  let offset = 0;
  while (offset < buf.length) {
    const len = validFrameLength(buf, offset);
    if (len < 0) break;
    frames.push({ offset, length: len });
    offset += len;
  }
  if (offset < buf.length) {
    for (let p = buf.indexOf(MAGIC_BYTES, offset + 1); p >= 0; p = buf.indexOf(MAGIC_BYTES, p + 1)) {
      if (validFrameLength(buf, p) > 0) {
        throw new BasaltError(ErrorCodes.CORRUPT_WAL, `WAL ${where}: damaged frame at offset ${offset} followed by intact data at ${p}`, {
          where,
          offset,
        });
      }
    }
    if (!isLastSegment) {
      throw new BasaltError(ErrorCodes.CORRUPT_WAL, `WAL ${where}: damaged tail at offset ${offset} in a segment that is not the last`, {
        where,
        offset,
      });
    }
  }
  return { frames, validEnd: offset };
}
