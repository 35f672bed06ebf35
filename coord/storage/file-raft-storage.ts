/**
 * Raft log storage as one append-only file of checksummed records (a write-ahead log), with
 * the state it describes held in memory (a MemoryRaftStorage). Every write method applies the
 * change in memory and appends one record with a plain write(2) (page cache, microseconds);
 * persist() is one fdatasync on libuv's thread pool. That is ZooKeeper's and etcd's design: one
 * sequential write and one fdatasync per Ready, where LMDB needs a data fdatasync plus a
 * synchronous meta-page write and a trip through its worker thread.
 *
 * Crash safety: a record is [u32 length][u32 crc32][payload]. Writes between two persist() calls
 * are buffered and go out as ONE group record when persist() starts, so at most one record is
 * ever unsynced (the member awaits each persist before the next). On open the file is replayed;
 * a damaged record with no intact record after it is that unsynced group, cut short by a crash,
 * and is cut (a torn tail: nothing in it was acknowledged). A damaged record FOLLOWED by an intact
 * one can only be synced data gone bad — persisted terms, votes and entries — and open fails with
 * CORRUPT_WAL naming the file and offset, leaving the file as it is: cutting there would lose
 * promises (a member could vote twice in a term), so the member must stop. compact() rewrites
 * the file from the in-memory state into a temporary file, fsyncs it, renames it over the log and
 * fsyncs the directory, so the file never grows past the retained log plus what was written since.
 *
 * Memory: the retained log (entries after the last compaction point) lives in memory, which the
 * member bounds by snapshotting every `coord.snapshotEntries` entries or `coord.snapshotBytes`
 * bytes, then compacting to 1,000 entries behind the snapshot.
 */
import { closeSync, existsSync, fdatasync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { BasaltError, ErrorCodes, assert } from '../../common/errors.js';
import { decodeEntry, decodeHardState, decodeSnapshot, encodeEntry, encodeHardState, encodeSnapshot } from '../raft/codec.js';
import { type ConfState, type Entry, type HardState, type NodeId, type Snapshot } from '../raft/types.js';
import { MemoryRaftStorage } from './memory-raft-storage.js';
import { bootstrapHardState, bootstrapSnapshot, type RaftLogStorage } from './raft-log-storage.js';

const LOG_FILE = 'raft.log';

/** Record kinds; each replays as the write method of the same name. */
const enum Kind {
  Append = 1,
  HardState = 2,
  ApplySnapshot = 3,
  CreateSnapshot = 4,
  /** The records of one persist() interval, each part a record body (kind + parts). */
  Group = 5,
}

const MAX_KIND = Kind.Group;

const HEADER_BYTES = 8;

export interface FileRaftStorageOptions {
  /** Directory of the log (created if missing). */
  path: string;
  /** For a founding member of a new cluster: the initial voters (ignored if data exists). */
  bootstrapVoters?: NodeId[];
}

function body(kind: Kind, parts: Uint8Array[]): Buffer {
  let size = 1;
  for (const p of parts) size += 4 + p.byteLength;
  const buf = Buffer.allocUnsafe(size);
  buf[0] = kind;
  let at = 1;
  for (const p of parts) {
    buf.writeUInt32LE(p.byteLength, at);
    buf.set(p, at + 4);
    at += 4 + p.byteLength;
  }
  return buf;
}

/** The offset of the first intact record starting after `from`, or -1 (found by its length, kind and checksum). */
function intactRecordAfter(buf: Buffer, from: number): number {
  for (let at = from + 1; at + HEADER_BYTES < buf.length; at++) {
    const size = buf.readUInt32LE(at);
    if (size === 0 || at + HEADER_BYTES + size > buf.length) continue;
    const kind = buf[at + HEADER_BYTES]!;
    if (kind < Kind.Append || kind > MAX_KIND) continue;
    if (crc32(buf.subarray(at + HEADER_BYTES, at + HEADER_BYTES + size)) === buf.readUInt32LE(at + 4)) return at;
  }
  return -1;
}

/** A record: [u32 length][u32 crc32][body]. */
function frameBody(b: Buffer): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_BYTES + b.length);
  buf.writeUInt32LE(b.length, 0);
  buf.writeUInt32LE(crc32(b), 4);
  buf.set(b, HEADER_BYTES);
  return buf;
}

function frame(kind: Kind, parts: Uint8Array[]): Buffer {
  return frameBody(body(kind, parts));
}

/** The parts of a record body (the inverse of body()). */
function splitParts(b: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  for (let at = 1; at < b.length; ) {
    const len = b.readUInt32LE(at);
    parts.push(b.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return parts;
}

export class FileRaftStorage implements RaftLogStorage {
  private readonly mem: MemoryRaftStorage;
  private readonly dir: string;
  private fd: number;
  /** Where the next record goes (the valid length of the file). */
  private position = 0;
  /** Records appended since the last fdatasync began. */
  private dirty = false;
  /** Record bodies written since the last persist(), to go out as one group record. */
  private unwritten: Buffer[] = [];
  private closed = false;
  /** The fdatasync in flight, which later callers chain behind. */
  private syncing: Promise<void> = Promise.resolve();

  static open(options: FileRaftStorageOptions): FileRaftStorage {
    mkdirSync(options.path, { recursive: true });
    const storage = new FileRaftStorage(options.path);
    const fresh = storage.lastIndex() === 0 && storage.snapshot().metadata.index === 0 && storage.initialState().hardState.term === 0;
    if (fresh && options.bootstrapVoters) {
      storage.applySnapshot(bootstrapSnapshot(options.bootstrapVoters));
      storage.setHardState(bootstrapHardState());
    }
    return storage;
  }

  private constructor(dir: string) {
    this.dir = dir;
    this.mem = new MemoryRaftStorage();
    const file = join(dir, LOG_FILE);
    const exists = existsSync(file);
    const valid = exists ? this.replay(readFileSync(file), file) : 0;
    this.fd = openSync(file, exists ? 'r+' : 'w+');
    // A new file's directory entry must be durable too, or the first fdatasync protects nothing.
    if (!exists) this.syncDirectory();
    // Cut a torn or corrupt tail: it was never persisted, so nothing depended on it.
    ftruncateSync(this.fd, valid);
    this.position = valid;
  }

  /**
   * Applies every intact record to the in-memory state; returns the length of the valid prefix.
   * Throws CORRUPT_WAL when a damaged record has an intact one after it (see the file comment).
   */
  private replay(buf: Buffer, file: string): number {
    let at = 0;
    while (at < buf.length) {
      const size = at + HEADER_BYTES <= buf.length ? buf.readUInt32LE(at) : 0;
      const end = at + HEADER_BYTES + size;
      const intact = size > 0 && end <= buf.length && crc32(buf.subarray(at + HEADER_BYTES, end)) === buf.readUInt32LE(at + 4);
      if (!intact) {
        const next = intactRecordAfter(buf, at);
        if (next >= 0) {
          throw new BasaltError(ErrorCodes.CORRUPT_WAL, `${file}: damaged record at offset ${at} is followed by an intact record at ${next}: persisted Raft state went bad; refusing to cut it`, {
            file,
            offset: at,
            nextIntactOffset: next,
          });
        }
        break;
      }
      this.apply(buf.subarray(at + HEADER_BYTES, end));
      at = end;
    }
    return at;
  }

  private apply(record: Buffer): void {
    const parts = splitParts(record);
    switch (record[0] as Kind) {
      case Kind.Append:
        this.mem.append(parts.map((p) => decodeEntry(p)));
        break;
      case Kind.HardState:
        this.mem.setHardState(decodeHardState(parts[0]!));
        break;
      case Kind.ApplySnapshot:
        this.mem.applySnapshot(decodeSnapshot(parts[0]!));
        break;
      case Kind.CreateSnapshot: {
        const snap = decodeSnapshot(parts[0]!);
        this.mem.createSnapshot(snap.metadata.index, snap.metadata.confState, snap.data);
        break;
      }
      case Kind.Group:
        for (const part of parts) this.apply(part);
        break;
      default:
        assert(false, `unknown raft log record kind ${record[0]}`);
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('FileRaftStorage is closed');
  }

  private record(kind: Kind, parts: Uint8Array[]): void {
    this.unwritten.push(body(kind, parts));
    this.dirty = true;
  }

  /** Writes the records since the last persist() as one group record (one plain write(2)). */
  private writeUnwritten(): void {
    if (this.unwritten.length === 0) return;
    const bodies = this.unwritten;
    this.unwritten = [];
    const buf = bodies.length === 1 ? frameBody(bodies[0]!) : frame(Kind.Group, bodies);
    let written = 0;
    while (written < buf.length) written += writeSync(this.fd, buf, written, buf.length - written, this.position + written);
    this.position += buf.length;
  }

  // ---- reads (synchronous, from memory) ----

  initialState(): { hardState: HardState; confState: ConfState } {
    return this.mem.initialState();
  }
  firstIndex(): number {
    return this.mem.firstIndex();
  }
  lastIndex(): number {
    return this.mem.lastIndex();
  }
  term(index: number): number {
    return this.mem.term(index);
  }
  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    return this.mem.entries(lo, hi, maxBytes);
  }
  snapshot(): Snapshot {
    return this.mem.snapshot();
  }

  // ---- writes (in memory at once, durable after persist()) ----

  append(entries: Entry[]): void {
    this.checkOpen();
    if (entries.length === 0) return;
    this.mem.append(entries);
    this.record(Kind.Append, entries.map((e) => encodeEntry(e)));
  }

  setHardState(hardState: HardState): void {
    this.checkOpen();
    this.mem.setHardState(hardState);
    this.record(Kind.HardState, [encodeHardState(hardState)]);
  }

  applySnapshot(snapshot: Snapshot): void {
    this.checkOpen();
    this.mem.applySnapshot(snapshot);
    this.record(Kind.ApplySnapshot, [encodeSnapshot(snapshot)]);
  }

  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    this.checkOpen();
    const snapshot = this.mem.createSnapshot(index, confState, data);
    this.record(Kind.CreateSnapshot, [encodeSnapshot(snapshot)]);
    return snapshot;
  }

  /** Compacts in memory and rewrites the file to the retained state (synchronously; rare). */
  compact(index: number): void {
    this.checkOpen();
    if (index <= this.mem.firstIndex() - 1) return;
    this.mem.compact(index);
    this.rewrite();
  }

  private rewrite(): void {
    const first = this.mem.firstIndex();
    const last = this.mem.lastIndex();
    const snap = this.mem.snapshot();
    const offset = { index: first - 1, term: this.mem.term(first - 1) };
    const records: Buffer[] = [];
    if (offset.index === snap.metadata.index) {
      records.push(frame(Kind.ApplySnapshot, [encodeSnapshot(snap)]));
    } else {
      // The snapshot point lies behind the snapshot: start the log there, then record the snapshot.
      const point: Snapshot = { metadata: { index: offset.index, term: offset.term, confState: snap.metadata.confState }, data: new Uint8Array(0) };
      records.push(frame(Kind.ApplySnapshot, [encodeSnapshot(point)]));
    }
    if (last >= first) records.push(frame(Kind.Append, this.mem.entries(first, last + 1, Number.MAX_SAFE_INTEGER).map((e) => encodeEntry(e))));
    if (offset.index !== snap.metadata.index) records.push(frame(Kind.CreateSnapshot, [encodeSnapshot(snap)]));
    records.push(frame(Kind.HardState, [encodeHardState(this.mem.initialState().hardState)]));
    // The rewrite holds everything in memory, the records not yet written included.
    this.unwritten = [];
    const tmp = join(this.dir, `${LOG_FILE}.tmp`);
    const fd = openSync(tmp, 'w');
    let position = 0;
    for (const r of records) position += writeSync(fd, r, 0, r.length, position);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, join(this.dir, LOG_FILE));
    this.syncDirectory();
    // An fdatasync of the old file may still be running: close it only after that.
    const old = this.fd;
    void this.syncing.then(
      () => closeSync(old),
      () => closeSync(old),
    );
    this.fd = openSync(join(this.dir, LOG_FILE), 'r+');
    this.position = position;
    // Everything written so far is in the fsynced file.
    this.dirty = false;
  }

  private syncDirectory(): void {
    const dirFd = openSync(this.dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }

  /** Resolves once every record written so far is on disk (fdatasync off the event loop). */
  persist(): Promise<void> {
    this.checkOpen();
    if (!this.dirty) return this.syncing;
    this.dirty = false;
    this.writeUnwritten();
    const fd = this.fd;
    const previous = this.syncing;
    this.syncing = previous.then(
      () =>
        new Promise<void>((resolve, reject) => {
          fdatasync(fd, (err) => (err ? reject(err) : resolve()));
        }),
    );
    return this.syncing;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.persist();
    this.closed = true;
    closeSync(this.fd);
  }
}
