/**
 * Raft log storage in an LMDB environment (one directory per member). Entries, hard state and
 * the snapshot are proto-encoded (coord/raft/codec.ts) under binary keys.
 *
 * Durability: writes are lmdb-js asynchronous puts/removes. lmdb-js commits everything queued
 * in one event-loop turn as one transaction on its worker thread and, under its default
 * overlappingSync, fsyncs it there after the commit; persist() resolves once every write made so
 * far is committed *and* flushed (`db.flushed`). So the event loop never blocks on a disk write
 * (a synchronous transaction fsyncs inline under overlappingSync, ~1–5 ms of blocked loop per
 * Ready), and the environment stays crash-safe: overlappingSync orders its meta-page updates so
 * that a machine crash leaves the last flushed transaction intact. (Opening the env with
 * `noSync: true` and syncing in persist() would be as fast on the loop, but lmdb-js documents that
 * a machine crash between two syncs can then corrupt the database, losing data that was already
 * acknowledged — so it is not used.)
 *
 * Until persist() resolves, the written entries are not yet readable from LMDB; they are kept in
 * an in-memory overlay (a contiguous suffix of the log) that term() and entries() read first. The
 * adapter must await persist() before sending the Ready's messages; a crash before that loses
 * the Ready's writes, which is safe because nothing was promised to anyone yet.
 */
import { open, type RootDatabase } from 'lmdb';
import { mkdirSync } from 'node:fs';
import { assert, invalidArgument } from '../../common/errors.js';
import { decodeEntry, decodeHardState, decodeSnapshot, encodeEntry, encodeHardState, encodeSnapshot } from '../raft/codec.js';
import { entrySizeBytes } from '../raft/raft-log.js';
import { EntryType, type ConfState, type Entry, type HardState, type NodeId, type Snapshot } from '../raft/types.js';
import { EMPTY_SNAPSHOT, bootstrapHardState, bootstrapSnapshot, cloneConfState, type RaftLogStorage } from './raft-log-storage.js';

const ENTRY_PREFIX = 0x01;
const HARD_STATE_KEY = Buffer.from([0x02]);
const SNAPSHOT_KEY = Buffer.from([0x03]);
/** The snapshot point (etcd's dummy entry): index and term of the entry before firstIndex. */
const OFFSET_KEY = Buffer.from([0x04]);

function entryKey(index: number): Buffer {
  const key = Buffer.allocUnsafe(9);
  key[0] = ENTRY_PREFIX;
  key.writeUIntBE(Math.floor(index / 2 ** 32), 1, 4);
  key.writeUInt32BE(index % 2 ** 32, 5);
  return key;
}

function indexOfKey(key: Buffer): number {
  return key.readUInt32BE(1) * 2 ** 32 + key.readUInt32BE(5);
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export interface LmdbRaftStorageOptions {
  /** Directory of the LMDB environment (created if missing). */
  path: string;
  /** For a founding member of a new cluster: the initial voters (ignored if data exists). */
  bootstrapVoters?: NodeId[];
}

export class LmdbRaftStorage implements RaftLogStorage {
  private readonly db: RootDatabase<Buffer, Buffer>;
  private hardState: HardState = { term: 0, vote: 0, commit: 0 };
  private snap: Snapshot = EMPTY_SNAPSHOT;
  private offsetIndex = 0;
  private offsetTerm = 0;
  private last = 0;
  private closed = false;
  private inBatch = false;
  /**
   * Entries written but maybe not yet readable from LMDB: a contiguous run of indices ending at
   * `last`, starting at `overlayFirst` (Infinity when empty). Cleared when a persist() that began
   * after the last write resolves.
   */
  private readonly overlay = new Map<number, Entry>();
  private overlayFirst = Infinity;
  /** Counts writes; persist() clears the overlay only if no write came after it started. */
  private writes = 0;
  /** The promise of the latest asynchronous write (lmdb-js commits them in call order). */
  private lastWrite: Promise<unknown> | undefined;
  /** The first failed asynchronous write, reported by every later persist(). */
  private writeError: Error | undefined;
  private readonly onWriteError = (err: unknown): void => {
    this.writeError ??= err instanceof Error ? err : new Error(String(err));
  };

  static open(options: LmdbRaftStorageOptions): LmdbRaftStorage {
    mkdirSync(options.path, { recursive: true });
    const db = open<Buffer, Buffer>({ path: options.path, encoding: 'binary', keyEncoding: 'binary' });
    const storage = new LmdbRaftStorage(db);
    if (storage.isEmpty() && options.bootstrapVoters) {
      storage.applySnapshot(bootstrapSnapshot(options.bootstrapVoters));
      storage.setHardState(bootstrapHardState());
    }
    return storage;
  }

  private constructor(db: RootDatabase<Buffer, Buffer>) {
    this.db = db;
    const hs = db.get(HARD_STATE_KEY);
    if (hs) this.hardState = decodeHardState(hs);
    const snap = db.get(SNAPSHOT_KEY);
    if (snap) this.snap = decodeSnapshot(snap);
    const offset = db.get(OFFSET_KEY);
    if (offset) {
      const dummy = decodeEntry(offset);
      this.offsetIndex = dummy.index;
      this.offsetTerm = dummy.term;
    }
    this.last = this.offsetIndex;
    for (const key of db.getKeys({ start: entryKey(Number.MAX_SAFE_INTEGER), end: entryKey(0), reverse: true, limit: 1 })) {
      this.last = indexOfKey(key);
    }
    assert(this.last >= this.offsetIndex, `last index ${this.last} below the snapshot point ${this.offsetIndex}`);
  }

  private isEmpty(): boolean {
    return this.offsetIndex === 0 && this.last === 0 && this.hardState.term === 0 && this.snap.metadata.index === 0;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('LmdbRaftStorage is closed');
  }

  private put(key: Buffer, value: Buffer): void {
    this.track(this.db.put(key, value));
  }

  private remove(key: Buffer): void {
    this.track(this.db.remove(key));
  }

  private track(write: Promise<unknown>): void {
    write.catch(this.onWriteError);
    this.lastWrite = write;
    this.writes++;
  }

  /**
   * Several writes (e.g. a whole Ready) in one LMDB transaction. lmdb-js already commits all
   * writes queued in one event-loop turn together, so this only checks the calls do not nest.
   */
  batch(action: () => void): void {
    this.checkOpen();
    assert(!this.inBatch, 'batch() is not re-entrant');
    this.inBatch = true;
    try {
      action();
    } finally {
      this.inBatch = false;
    }
  }

  // ---- reads (synchronous) ----

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: { ...this.hardState }, confState: cloneConfState(this.snap.metadata.confState) };
  }

  firstIndex(): number {
    return this.offsetIndex + 1;
  }

  lastIndex(): number {
    return this.last;
  }

  term(index: number): number {
    assert(index >= this.offsetIndex, `term(${index}): compacted (first index ${this.firstIndex()})`);
    assert(index <= this.last, `term(${index}): beyond last index ${this.last}`);
    if (index === this.offsetIndex) return this.offsetTerm;
    const pending = this.overlay.get(index);
    if (pending) return pending.term;
    const value = this.db.get(entryKey(index));
    assert(value !== undefined, `entry ${index} missing from LMDB`);
    return decodeEntry(value).term;
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    assert(lo > this.offsetIndex, `entries(${lo}): compacted (first index ${this.firstIndex()})`);
    assert(hi <= this.last + 1, `entries(.., ${hi}): beyond last index ${this.last}`);
    const out: Entry[] = [];
    let size = 0;
    const stableHi = Math.min(hi, this.overlayFirst);
    if (lo < stableHi) {
      for (const { value } of this.db.getRange({ start: entryKey(lo), end: entryKey(stableHi) })) {
        const e = decodeEntry(value);
        size += entrySizeBytes(e);
        if (out.length > 0 && size > maxBytes) return out;
        assert(e.index === lo + out.length, `LMDB log has a gap at ${lo + out.length}`);
        out.push(e);
      }
      assert(out.length === stableHi - lo, `entries [${lo + out.length}, ${stableHi}) missing from LMDB`);
    }
    for (let i = Math.max(lo, stableHi); i < hi; i++) {
      const e = this.overlay.get(i);
      assert(e !== undefined, `entry ${i} missing from the write overlay`);
      size += entrySizeBytes(e);
      if (out.length > 0 && size > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  // ---- writes (readable at once, durable after persist()) ----

  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    this.checkOpen();
    const first = entries[0]!.index;
    assert(first > this.offsetIndex, `append at ${first} overwrites the snapshot point ${this.offsetIndex}`);
    assert(first <= this.last + 1, `append at ${first} leaves a gap after ${this.last}`);
    for (let i = 1; i < entries.length; i++) assert(entries[i]!.index === first + i, 'appended entries are contiguous');
    // Truncate the conflicting suffix the new entries replace.
    for (let i = first; i <= this.last; i++) {
      this.remove(entryKey(i));
      this.overlay.delete(i);
    }
    for (const e of entries) {
      this.put(entryKey(e.index), toBuffer(encodeEntry(e)));
      this.overlay.set(e.index, e);
    }
    if (first < this.overlayFirst) this.overlayFirst = first;
    this.last = entries[entries.length - 1]!.index;
  }

  setHardState(hardState: HardState): void {
    this.checkOpen();
    const copy = { ...hardState };
    this.put(HARD_STATE_KEY, toBuffer(encodeHardState(copy)));
    this.hardState = copy;
  }

  applySnapshot(snapshot: Snapshot): void {
    this.checkOpen();
    const { index, term } = snapshot.metadata;
    assert(index >= this.snap.metadata.index, `snapshot ${index} older than ${this.snap.metadata.index}`);
    for (let i = this.offsetIndex + 1; i <= this.last; i++) this.remove(entryKey(i));
    this.put(SNAPSHOT_KEY, toBuffer(encodeSnapshot(snapshot)));
    this.putOffset(index, term);
    this.overlay.clear();
    this.overlayFirst = Infinity;
    this.snap = snapshot;
    this.offsetIndex = index;
    this.offsetTerm = term;
    this.last = index;
  }

  private putOffset(index: number, term: number): void {
    this.put(OFFSET_KEY, toBuffer(encodeEntry({ index, term, type: EntryType.Empty, data: new Uint8Array(0) })));
  }

  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    this.checkOpen();
    if (index <= this.snap.metadata.index) throw invalidArgument('index', `not after the current snapshot ${this.snap.metadata.index}`);
    if (index > this.last) throw invalidArgument('index', `beyond the last index ${this.last}`);
    const snapshot: Snapshot = { metadata: { index, term: this.term(index), confState: cloneConfState(confState) }, data };
    this.put(SNAPSHOT_KEY, toBuffer(encodeSnapshot(snapshot)));
    this.snap = snapshot;
    return snapshot;
  }

  compact(index: number): void {
    this.checkOpen();
    if (index <= this.offsetIndex) return;
    if (index > this.snap.metadata.index) {
      throw invalidArgument('index', `compaction to ${index} past the snapshot ${this.snap.metadata.index}`);
    }
    const term = this.term(index);
    for (let i = this.offsetIndex + 1; i <= index; i++) {
      this.remove(entryKey(i));
      this.overlay.delete(i);
    }
    this.putOffset(index, term);
    if (this.overlayFirst <= index) this.overlayFirst = this.overlay.size > 0 ? index + 1 : Infinity;
    this.offsetIndex = index;
    this.offsetTerm = term;
  }

  /**
   * Resolves once every write so far is committed and fsynced (lmdb-js flushes on its own
   * thread); rejects if any asynchronous write failed.
   */
  async persist(): Promise<void> {
    this.checkOpen();
    const writesAtStart = this.writes;
    if (this.lastWrite) await this.lastWrite.catch(() => undefined);
    await this.db.flushed;
    if (this.writeError) throw this.writeError;
    // Everything written before this persist began is now readable from LMDB itself.
    if (this.writes === writesAtStart) {
      this.overlay.clear();
      this.overlayFirst = Infinity;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.persist();
    this.closed = true;
    await this.db.close();
  }
}
