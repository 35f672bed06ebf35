/**
 * Raft log storage as one append-only file of checksummed records (a write-ahead log), with
 * the state it describes held in memory (a MemoryRaftStorage). Every write method applies the
 * change in memory and appends one record with a plain write(2) (page cache, microseconds);
 * persist() is one fdatasync on libuv's thread pool. That is ZooKeeper's and etcd's design: one
 * sequential write and one fdatasync per Ready, where LMDB needs a data fdatasync plus a
 * synchronous meta-page write and a trip through its worker thread.
 *
 * Crash safety: a record is [u32 length][u32 crc32][payload]; on open the file is replayed and
 * cut at the first torn or corrupt record (only an unpersisted suffix can be torn, because
 * records are only ever appended and persist() covers everything before it). compact() rewrites
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
import { assert } from '../../common/errors.js';
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
}

const HEADER_BYTES = 8;

export interface FileRaftStorageOptions {
  /** Directory of the log (created if missing). */
  path: string;
  /** For a founding member of a new cluster: the initial voters (ignored if data exists). */
  bootstrapVoters?: NodeId[];
}

function frame(kind: Kind, parts: Uint8Array[]): Buffer {
  let size = 1;
  for (const p of parts) size += 4 + p.byteLength;
  const buf = Buffer.allocUnsafe(HEADER_BYTES + size);
  buf.writeUInt32LE(size, 0);
  buf[HEADER_BYTES] = kind;
  let at = HEADER_BYTES + 1;
  for (const p of parts) {
    buf.writeUInt32LE(p.byteLength, at);
    buf.set(p, at + 4);
    at += 4 + p.byteLength;
  }
  buf.writeUInt32LE(crc32(buf.subarray(HEADER_BYTES)), 4);
  return buf;
}

export class FileRaftStorage implements RaftLogStorage {
  private readonly mem: MemoryRaftStorage;
  private readonly dir: string;
  private fd: number;
  /** Where the next record goes (the valid length of the file). */
  private position = 0;
  /** Records appended since the last fdatasync began. */
  private dirty = false;
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
    const valid = exists ? this.replay(readFileSync(file)) : 0;
    this.fd = openSync(file, exists ? 'r+' : 'w+');
    // A new file's directory entry must be durable too, or the first fdatasync protects nothing.
    if (!exists) this.syncDirectory();
    // Cut a torn or corrupt tail: it was never persisted, so nothing depended on it.
    ftruncateSync(this.fd, valid);
    this.position = valid;
  }

  /** Applies every intact record to the in-memory state; returns the length of the valid prefix. */
  private replay(buf: Buffer): number {
    let at = 0;
    while (at + HEADER_BYTES <= buf.length) {
      const size = buf.readUInt32LE(at);
      const end = at + HEADER_BYTES + size;
      if (size === 0 || end > buf.length) break;
      const body = buf.subarray(at + HEADER_BYTES, end);
      if (crc32(body) !== buf.readUInt32LE(at + 4)) break;
      this.apply(body);
      at = end;
    }
    return at;
  }

  private apply(body: Buffer): void {
    const parts: Buffer[] = [];
    for (let at = 1; at < body.length; ) {
      const len = body.readUInt32LE(at);
      parts.push(body.subarray(at + 4, at + 4 + len));
      at += 4 + len;
    }
    switch (body[0] as Kind) {
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
      default:
        assert(false, `unknown raft log record kind ${body[0]}`);
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('FileRaftStorage is closed');
  }

  private record(kind: Kind, parts: Uint8Array[]): void {
    const buf = frame(kind, parts);
    let written = 0;
    while (written < buf.length) written += writeSync(this.fd, buf, written, buf.length - written, this.position + written);
    this.position += buf.length;
    this.dirty = true;
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
