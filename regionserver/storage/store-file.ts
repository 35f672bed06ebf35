/**
 * Store files: immutable LMDB environments, written once in key order and then opened read-only.
 *
 * Layout of one file (an LMDB environment in a single file, `noSubdir`):
 * - named database `cells`: one entry per row of the family, keyed by the row's family prefix
 *   (codec: escaped row, family), holding all the row's cells (qualifier, timestamp, type,
 *   sequence id, value) in key order. A wide row is cut into ~1 MiB entries; each continuation is
 *   keyed by the codec key of its first cell, which sorts between the row's head and the next
 *   row. So a Get is one LMDB lookup, and LMDB order is cell order.
 * - LMDB keys are at most 1978 bytes and rows may be 32 KiB, so a key longer than
 *   KEY_INLINE_LIMIT is stored as its first KEY_INLINE_LIMIT bytes plus a 4-byte ordinal, with the
 *   full key in the value. Order still holds: codec keys and family prefixes are prefix-free, so a
 *   short key differs from a long one within its own length, and long keys sharing a truncated
 *   prefix are ordered by ordinal = write order.
 * - root key `complete`, written last: CRC-32, metadata (JSON) and bloom bits in one record.
 *
 * A file is written under a temporary name and renamed into place only when complete, so a crash
 * mid-write leaves no file that counts. A file without a valid `complete` record, or one LMDB
 * cannot open, is CORRUPT_STORE_FILE.
 */
import { nodeDurableFiles, type DurableFiles } from './durable-files.js';
import { mkdirSync, rmSync, existsSync, openSync, closeSync, fstatSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import { open, type Database, type RootDatabase } from 'lmdb';
import { isDeleteType, CellType, type Cell } from '../../common/cell.js';
import { compareBytes, EMPTY } from '../../common/bytes.js';
import { BasaltError, ErrorCodes } from '../../common/errors.js';
import { decodeRow, encodeFamilyPrefix, encodeKey, prefixUpperBound } from '../../common/keycodec.js';
import type { BloomType } from '../region/api.js';
import { BloomFilter, columnBloomKey, rowBloomKey } from './bloom.js';
import { CELL_OVERHEAD_BYTES, readCells, TTL_BYTES, writeCell } from './store-file-cells.js';

/** One LMDB entry of a store file: its full key, the raw value, and where the cells start. */
interface RawEntry {
  key: Buffer;
  value: Buffer;
  flags: number;
  bodyOffset: number;
}

export const STORE_FILE_FORMAT_VERSION = 1;
/** Keys up to this length are LMDB keys as is; longer ones are truncated + ordinal. */
export const KEY_INLINE_LIMIT = 1900;
const TRUNCATED_KEY_PAD = Buffer.alloc(5, 0xff);
const COMPLETE_KEY = 'complete';

export interface StoreFileMeta {
  formatVersion: number;
  family: string;
  cellCount: number;
  deleteMarkerCount: number;
  minSequenceId: number;
  maxSequenceId: number;
  minTimestamp: number;
  maxTimestamp: number;
  /** First and last codec keys, base64. */
  firstKey: string;
  lastKey: string;
  bloomType: BloomType;
  bloomHashes: number;
  /** Written by a major compaction: holds every surviving cell of the store up to maxSequenceId. */
  majorCompacted: boolean;
  createdAtMs: number;
}

/** Identifies a store file's exact bytes cheaply: recorded in the manifest, checked on open. */
export interface StoreFileFingerprint {
  sizeBytes: number;
  /** CRC-32 of the first HEADER_BYTES (LMDB's meta pages and the first data pages). */
  headerCrc32: number;
}

const LMDB_PAGE_BYTES = 4096;
const HEADER_BYTES = 4 * LMDB_PAGE_BYTES;
/** LMDB's MDB_MAGIC, little-endian, in the meta page of lmdb-js's LMDB build (offset measured). */
const LMDB_MAGIC = 0xbeefc0de;
const LMDB_MAGIC_OFFSET = 24;

export function fingerprintOf(path: string): StoreFileFingerprint & { magicOk: boolean } {
  const fd = openSync(path, 'r');
  try {
    const sizeBytes = fstatSync(fd).size;
    const header = Buffer.alloc(Math.min(HEADER_BYTES, sizeBytes));
    readSync(fd, header, 0, header.length, 0);
    const magicOk =
      header.length >= 2 * LMDB_PAGE_BYTES &&
      header.readUInt32LE(LMDB_MAGIC_OFFSET) === LMDB_MAGIC &&
      header.readUInt32LE(LMDB_PAGE_BYTES + LMDB_MAGIC_OFFSET) === LMDB_MAGIC;
    return { sizeBytes, headerCrc32: crc32(header), magicOk };
  } finally {
    closeSync(fd);
  }
}

function corrupt(path: string, reason: string): BasaltError {
  return new BasaltError(ErrorCodes.CORRUPT_STORE_FILE, `store file ${path}: ${reason}`, { path });
}


/** Removes an LMDB single-file environment and its lock file. */
export function removeStoreFile(path: string): void {
  rmSync(path, { force: true });
  rmSync(`${path}-lock`, { force: true });
}

/** Flags in the first byte of an entry. */
const FLAG_MORE = 1; // further chunks of this row-family follow
const FLAG_FULL_KEY = 2; // the LMDB key was truncated: the full key follows the flags
const FLAG_CONTINUATION = 4; // this entry continues the previous row-family
/** A row's cells are cut into entries of about this size (wide rows stay bounded per read). */
const ROW_CHUNK_BYTES = 1024 * 1024;

/**
 * Writes one store file. Cells arrive in strictly increasing key order, in chunks (one LMDB
 * transaction each) so that a large flush or compaction can yield to the event loop in between.
 * Each row of the family becomes one LMDB entry (more for very wide rows), keyed by the row's
 * family prefix: a Get is then a single LMDB lookup, as fast as a raw key-value read.
 */
export class StoreFileWriter {
  private readonly root: RootDatabase<Buffer, string>;
  private readonly cells: Database<Buffer, Buffer>;
  private readonly bloom: BloomFilter | undefined;
  private count = 0;
  private entries = 0;
  private deleteMarkers = 0;
  private minSequenceId = Number.MAX_SAFE_INTEGER;
  private maxSequenceId = 0;
  private minTimestamp = Number.MAX_SAFE_INTEGER;
  private maxTimestamp = 0;
  private firstKey: Buffer | undefined;
  private lastKey: Buffer | undefined;
  private lastEntryKey: Buffer | undefined;
  private readonly files: DurableFiles;

  constructor(
    private readonly options: {
      tmpPath: string;
      finalPath: string;
      family: string;
      bloomType: BloomType;
      expectedCells: number;
      majorCompacted: boolean;
      /** Where durability is decided (a fault-injecting one in power-loss tests). */
      files?: DurableFiles;
    },
  ) {
    mkdirSync(dirname(options.tmpPath), { recursive: true });
    removeStoreFile(options.tmpPath);
    this.files = options.files ?? nodeDurableFiles;
    this.files.willWrite(options.tmpPath);
    // No per-transaction syncs: the finished file is fsynced once, before it is renamed into place
    // (LMDB writes through the page cache, so an fsync of the file covers every transaction).
    this.root = open<Buffer, string>({ path: options.tmpPath, noSubdir: true, maxDbs: 2, encoding: 'binary', compression: false, noSync: true });
    this.cells = this.root.openDB<Buffer, Buffer>('cells', { keyEncoding: 'binary', encoding: 'binary', compression: false });
    this.bloom = options.bloomType === 'NONE' ? undefined : BloomFilter.create(options.bloomType === 'ROWCOL' ? options.expectedCells * 2 : options.expectedCells);
  }

  /** Appends cells (sorted, each greater than everything before) in one transaction. */
  appendChunk(cells: readonly Cell[]): void {
    if (cells.length === 0) return;
    this.root.transactionSync(() => {
      let start = 0;
      while (start < cells.length) {
        const row = cells[start]!.row;
        let end = start + 1;
        while (end < cells.length && cells[end]!.row.equals(row)) end++;
        this.appendRow(row, cells, start, end);
        start = end;
      }
    });
  }

  /** One row's cells [start, end): one entry, or several for a very wide row. */
  private appendRow(row: Buffer, cells: readonly Cell[], start: number, end: number): void {
    const familyPrefix = encodeFamilyPrefix(row, this.options.family);
    if (this.lastKey && compareBytes(this.lastKey, familyPrefix) >= 0) {
      throw new Error('invariant violated: store file rows out of order');
    }
    this.trackRow(row, cells, start, end);
    let chunkStart = start;
    let first = true;
    while (chunkStart < end) {
      let bytes = 0;
      let chunkEnd = chunkStart;
      while (chunkEnd < end && (chunkEnd === chunkStart || bytes < ROW_CHUNK_BYTES)) {
        const c = cells[chunkEnd]!;
        bytes += CELL_OVERHEAD_BYTES + c.qualifier.length + c.value.length + (c.ttlMs === undefined ? 0 : TTL_BYTES);
        chunkEnd++;
      }
      const entryKey = first ? familyPrefix : encodeKey(cells[chunkStart]!);
      const flags = (chunkEnd < end ? FLAG_MORE : 0) | (first ? 0 : FLAG_CONTINUATION);
      this.putEntry(entryKey, flags, cells, chunkStart, chunkEnd, bytes);
      first = false;
      chunkStart = chunkEnd;
    }
    const lastKey = encodeKey(cells[end - 1]!);
    if (this.firstKey === undefined) this.firstKey = encodeKey(cells[start]!);
    this.lastKey = lastKey;
  }

  private putEntry(key: Buffer, flags: number, cells: readonly Cell[], start: number, end: number, bytes: number): void {
    const truncated = key.length > KEY_INLINE_LIMIT;
    const header = 1 + (truncated ? 4 + key.length : 0) + 4;
    const value = Buffer.allocUnsafe(header + bytes);
    let pos = 0;
    value[pos++] = flags | (truncated ? FLAG_FULL_KEY : 0);
    if (truncated) {
      value.writeUInt32BE(key.length, pos);
      key.copy(value, pos + 4);
      pos += 4 + key.length;
    }
    value.writeUInt32BE(end - start, pos);
    pos += 4;
    for (let i = start; i < end; i++) pos = writeCell(value, pos, cells[i]!);
    let stored = key;
    if (truncated) {
      stored = Buffer.allocUnsafe(KEY_INLINE_LIMIT + 4);
      key.copy(stored, 0, 0, KEY_INLINE_LIMIT);
      stored.writeUInt32BE(this.entries, KEY_INLINE_LIMIT);
    }
    if (this.lastEntryKey && compareBytes(this.lastEntryKey, stored) >= 0) throw new Error('invariant violated: store file entries out of order');
    this.lastEntryKey = stored;
    this.cells.putSync(stored, value, { append: true });
    this.entries++;
  }

  private trackRow(row: Buffer, cells: readonly Cell[], start: number, end: number): void {
    if (this.bloom) this.bloom.add(rowBloomKey(row));
    let lastQualifier: Buffer | undefined;
    for (let i = start; i < end; i++) {
      const cell = cells[i]!;
      this.count++;
      if (isDeleteType(cell.type)) this.deleteMarkers++;
      if (cell.sequenceId < this.minSequenceId) this.minSequenceId = cell.sequenceId;
      if (cell.sequenceId > this.maxSequenceId) this.maxSequenceId = cell.sequenceId;
      if (cell.timestamp < this.minTimestamp) this.minTimestamp = cell.timestamp;
      if (cell.timestamp > this.maxTimestamp) this.maxTimestamp = cell.timestamp;
      if (this.bloom && this.options.bloomType === 'ROWCOL') {
        const qualifier = cell.type === CellType.DeleteFamily || cell.type === CellType.DeleteFamilyVersion ? EMPTY : cell.qualifier;
        if (!lastQualifier || !lastQualifier.equals(qualifier)) {
          this.bloom.add(columnBloomKey(row, qualifier));
          lastQualifier = qualifier;
        }
      }
    }
  }

  get cellCount(): number {
    return this.count;
  }

  /** Writes metadata and the completeness record, closes, and renames the file into place. */
  async finish(createdAtMs: number): Promise<StoreFileMeta> {
    const meta: StoreFileMeta = {
      formatVersion: STORE_FILE_FORMAT_VERSION,
      family: this.options.family,
      cellCount: this.count,
      deleteMarkerCount: this.deleteMarkers,
      minSequenceId: this.count ? this.minSequenceId : 0,
      maxSequenceId: this.maxSequenceId,
      minTimestamp: this.count ? this.minTimestamp : 0,
      maxTimestamp: this.maxTimestamp,
      firstKey: (this.firstKey ?? EMPTY).toString('base64'),
      lastKey: (this.lastKey ?? EMPTY).toString('base64'),
      bloomType: this.bloom ? this.options.bloomType : 'NONE',
      bloomHashes: this.bloom?.hashCount ?? 0,
      majorCompacted: this.options.majorCompacted,
      createdAtMs,
    };
    const metaBytes = Buffer.from(JSON.stringify(meta), 'utf8');
    const bloomBytes = this.bloom?.bits ?? EMPTY;
    // One record, written last: [crc32 of the rest][meta length][meta JSON][bloom bits]. Its
    // presence with a matching checksum is the completeness marker.
    const record = Buffer.allocUnsafe(8 + metaBytes.length + bloomBytes.length);
    record.writeUInt32BE(metaBytes.length, 4);
    metaBytes.copy(record, 8);
    bloomBytes.copy(record, 8 + metaBytes.length);
    record.writeUInt32BE(crc32(record.subarray(4)), 0);
    this.root.transactionSync(() => {
      this.root.putSync(COMPLETE_KEY, record);
    });
    await this.root.close();
    this.files.syncFile(this.options.tmpPath);
    rmSync(`${this.options.tmpPath}-lock`, { force: true });
    mkdirSync(dirname(this.options.finalPath), { recursive: true });
    this.files.rename(this.options.tmpPath, this.options.finalPath);
    this.files.syncDir(dirname(this.options.finalPath));
    return meta;
  }

  /** Abandons the file (a failed flush or compaction). */
  async abort(): Promise<void> {
    try {
      await this.root.close();
    } finally {
      removeStoreFile(this.options.tmpPath);
    }
  }
}

/**
 * A read-only store file. Readers take a reference (`retain`) for as long as they may read it; a
 * file replaced by a compaction is closed and deleted when its last reference is released.
 */
export class StoreFileReader {
  readonly meta: StoreFileMeta;
  readonly firstKey: Buffer;
  readonly lastKey: Buffer;
  readonly sizeBytes: number;
  private readonly bloom: BloomFilter | undefined;
  private references = 1;
  private discarded = false;
  /**
   * Set when this reader serves another region's file through a reference (a split daughter or a
   * merged region, regionserver/storage/reference-file.ts): only rows in the reference's bounds are
   * visible, and the file is never deleted by this reader (its owner's directory goes as a whole).
   */
  reference: StoreFileReferenceBounds | undefined;

  private constructor(
    readonly path: string,
    readonly name: string,
    readonly fingerprint: StoreFileFingerprint,
    private readonly root: RootDatabase<Buffer, string>,
    private readonly cells: Database<Buffer, Buffer>,
    meta: StoreFileMeta,
    bloomBits: Buffer,
  ) {
    this.meta = meta;
    this.firstKey = Buffer.from(meta.firstKey, 'base64');
    this.lastKey = Buffer.from(meta.lastKey, 'base64');
    this.bloom = meta.bloomType === 'NONE' ? undefined : new BloomFilter(bloomBits, meta.bloomHashes);
    this.sizeBytes = fingerprint.sizeBytes;
  }

  /** Opens and verifies a store file; any problem is CORRUPT_STORE_FILE (nothing is modified). */
  static open(path: string, name: string, expected?: StoreFileFingerprint): StoreFileReader {
    if (!existsSync(path)) throw corrupt(path, 'missing');
    // LMDB trusts its file: a truncated or overwritten one can crash the process (measured: SIGSEGV
    // on open). So the size and a checksum of the header pages, recorded in the manifest when the
    // file was written, are checked before LMDB sees the file.
    const fingerprint = fingerprintOf(path);
    if (fingerprint.sizeBytes < 2 * LMDB_PAGE_BYTES) throw corrupt(path, `too short (${fingerprint.sizeBytes} bytes)`);
    if (expected && (expected.sizeBytes !== fingerprint.sizeBytes || expected.headerCrc32 !== fingerprint.headerCrc32)) {
      throw corrupt(path, `size or header checksum differs from the manifest (${fingerprint.sizeBytes} vs ${expected.sizeBytes} bytes)`);
    }
    if (!fingerprint.magicOk) throw corrupt(path, 'not an LMDB environment (bad magic)');
    let root: RootDatabase<Buffer, string>;
    try {
      root = open<Buffer, string>({ path, noSubdir: true, maxDbs: 2, readOnly: true, encoding: 'binary', compression: false });
    } catch (err) {
      throw corrupt(path, `cannot open: ${(err as Error).message}`);
    }
    try {
      const record = root.get(COMPLETE_KEY);
      if (!record || record.length < 8) throw corrupt(path, 'incomplete (no completeness record)');
      if (record.readUInt32BE(0) !== crc32(record.subarray(4))) throw corrupt(path, 'metadata checksum mismatch');
      const metaLength = record.readUInt32BE(4);
      if (8 + metaLength > record.length) throw corrupt(path, 'metadata length out of range');
      const meta = JSON.parse(record.subarray(8, 8 + metaLength).toString('utf8')) as StoreFileMeta;
      const bloomBytes = Buffer.from(record.subarray(8 + metaLength));
      if (meta.formatVersion !== STORE_FILE_FORMAT_VERSION) throw corrupt(path, `unknown format version ${meta.formatVersion}`);
      const cells = root.openDB<Buffer, Buffer>('cells', { keyEncoding: 'binary', encoding: 'binary', compression: false });
      return new StoreFileReader(path, name, { sizeBytes: fingerprint.sizeBytes, headerCrc32: fingerprint.headerCrc32 }, root, cells, meta, bloomBytes);
    } catch (err) {
      void root.close();
      if (err instanceof BasaltError) throw err;
      throw corrupt(path, `unreadable: ${(err as Error).message}`);
    }
  }

  /**
   * Appends one row's cells in this family to `out` (key order). A single LMDB lookup for rows
   * that fit one entry.
   */
  readRow(row: Buffer, familyPrefix: Buffer, out: Cell[]): void {
    if (this.reference && !inReferenceBounds(this.reference, familyPrefix)) return;
    const family = this.meta.family;
    if (familyPrefix.length <= KEY_INLINE_LIMIT) {
      const head = this.cells.get(familyPrefix);
      if (head === undefined) return;
      readCells(head, 1, row, family, out);
      if ((head[0]! & FLAG_MORE) === 0) return;
    }
    const it = this.entries(familyPrefix, prefixUpperBound(familyPrefix), false);
    try {
      for (let step = it.next(); !step.done; step = it.next()) {
        const e = step.value;
        if (familyPrefix.length <= KEY_INLINE_LIMIT && (e.flags & FLAG_CONTINUATION) === 0) continue; // the head, read above
        readCells(e.value, e.bodyOffset, row, family, out);
      }
    } finally {
      it.return?.();
    }
  }

  /** Iterates whole rows (all chunks) with family prefix ≥ start, in order. Synchronous use only. */
  *rows(start: Buffer): Generator<{ familyPrefix: Buffer; cells: Cell[] }> {
    const bounds = this.reference;
    if (bounds?.lower && compareBytes(start, bounds.lower) < 0) start = bounds.lower;
    const it = this.entries(start, bounds?.upper, false);
    const family = this.meta.family;
    let current: { familyPrefix: Buffer; cells: Cell[]; row: Buffer } | undefined;
    try {
      for (let step = it.next(); !step.done; step = it.next()) {
        const e = step.value;
        if ((e.flags & FLAG_CONTINUATION) !== 0) {
          if (current) readCells(e.value, e.bodyOffset, current.row, family, current.cells);
          continue;
        }
        if (current) yield { familyPrefix: current.familyPrefix, cells: current.cells };
        const row = decodeRow(e.key);
        current = { familyPrefix: e.key, cells: [], row };
        readCells(e.value, e.bodyOffset, row, family, current.cells);
      }
      if (current) yield { familyPrefix: current.familyPrefix, cells: current.cells };
    } finally {
      it.return?.();
    }
  }

  /** The smallest entry key ≥ `key` (and below `end`), or undefined. */
  firstKeyAtOrAfter(key: Buffer, end: Buffer | undefined): Buffer | undefined {
    const bounds = this.reference;
    if (bounds?.lower && compareBytes(key, bounds.lower) < 0) key = bounds.lower;
    if (bounds?.upper && (end === undefined || compareBytes(bounds.upper, end) < 0)) end = bounds.upper;
    const it = this.entries(key, end, false);
    const step = it.next();
    it.return?.();
    return step.done ? undefined : step.value.key;
  }

  /** The greatest entry key strictly below `key`, or undefined. */
  lastKeyBefore(key: Buffer): Buffer | undefined {
    const bounds = this.reference;
    if (bounds?.upper && compareBytes(bounds.upper, key) < 0) key = bounds.upper;
    const it = this.entries(key, undefined, true);
    const step = it.next();
    it.return?.();
    if (step.done) return undefined;
    return bounds?.lower && compareBytes(step.value.key, bounds.lower) < 0 ? undefined : step.value.key;
  }

  private entries(start: Buffer, end: Buffer | undefined, reverse: boolean): Iterator<RawEntry> {
    const lmStart = start.length > KEY_INLINE_LIMIT ? Buffer.concat([start.subarray(0, KEY_INLINE_LIMIT), reverse ? TRUNCATED_KEY_PAD : EMPTY]) : start;
    const lmEnd = end === undefined ? undefined : end.length > KEY_INLINE_LIMIT ? Buffer.concat([end.subarray(0, KEY_INLINE_LIMIT), TRUNCATED_KEY_PAD]) : end;
    const options = reverse ? { start: lmStart, reverse: true } : lmEnd === undefined ? { start: lmStart } : { start: lmStart, end: lmEnd };
    const inner = this.cells.getRange(lmStart.length === 0 && !reverse ? (lmEnd === undefined ? {} : { end: lmEnd }) : options)[Symbol.iterator]();
    const exact = start.length > KEY_INLINE_LIMIT || (end !== undefined && end.length > KEY_INLINE_LIMIT) || reverse;
    return {
      next(): IteratorResult<RawEntry> {
        for (;;) {
          const step = inner.next();
          if (step.done) return { done: true, value: undefined };
          let key = step.value.key;
          const value = step.value.value;
          const flags = value[0]!;
          let bodyOffset = 1;
          if ((flags & FLAG_FULL_KEY) !== 0) {
            const keyLength = value.readUInt32BE(1);
            key = value.subarray(5, 5 + keyLength);
            bodyOffset = 5 + keyLength;
          }
          if (exact) {
            if (reverse) {
              if (compareBytes(key, start) >= 0) continue;
            } else {
              if (compareBytes(key, start) < 0) continue;
              if (end !== undefined && compareBytes(key, end) >= 0) {
                inner.return?.();
                return { done: true, value: undefined };
              }
            }
          }
          return { done: false, value: { key, value, flags, bodyOffset } };
        }
      },
      return(): IteratorResult<RawEntry> {
        inner.return?.();
        return { done: true, value: undefined };
      },
    };
  }

  /** False when the bloom filter proves the row absent. */
  mightContainRow(row: Buffer): boolean {
    return !this.bloom || this.bloom.mightContain(rowBloomKey(row));
  }

  /** False when the bloom filter proves none of the columns (nor a family marker) present. */
  mightContainColumns(row: Buffer, qualifiers: readonly Buffer[]): boolean {
    if (!this.bloom) return true;
    if (this.meta.bloomType !== 'ROWCOL') return this.bloom.mightContain(rowBloomKey(row));
    if (this.bloom.mightContain(columnBloomKey(row, EMPTY))) return true;
    for (const q of qualifiers) if (this.bloom.mightContain(columnBloomKey(row, q))) return true;
    return false;
  }

  retain(): void {
    this.references++;
  }

  release(): void {
    this.references--;
    if (this.references === 0) this.closeNow();
  }

  /**
   * The store no longer serves this file: delete it once the last reader lets go (and only if
   * `mayRemove`, asked at that moment, still allows it).
   */
  discard(mayRemove?: () => boolean): void {
    this.discarded = true;
    this.mayRemove = mayRemove;
    this.release();
  }

  private mayRemove: (() => boolean) | undefined;

  /** The store closes: drop its reference without deleting the file. */
  closeForStore(): void {
    this.release();
  }

  /** Resolves once the environment is closed (and deleted, if discarded); undefined while open. */
  closed: Promise<void> | undefined;

  private closeNow(): void {
    const path = this.path;
    const discarded = this.discarded;
    const mayRemove = this.mayRemove;
    this.closed = this.root.close().then(
      () => {
        if (discarded && !this.reference && (mayRemove?.() ?? true)) removeStoreFile(path);
      },
      () => undefined,
    );
  }
}

/** Row bounds of a reference, as codec row-prefix positions: entries in [lower, upper) are visible. */
export interface StoreFileReferenceBounds {
  lower: Buffer | undefined;
  upper: Buffer | undefined;
}

function inReferenceBounds(bounds: StoreFileReferenceBounds, familyPrefix: Buffer): boolean {
  if (bounds.lower && compareBytes(familyPrefix, bounds.lower) < 0) return false;
  return !(bounds.upper && compareBytes(familyPrefix, bounds.upper) >= 0);
}
