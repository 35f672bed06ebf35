/**
 * Raft log storage in an LMDB environment (one directory per member). Entries, hard state and
 * the snapshot are proto-encoded (coord/raft/codec.ts) under binary keys.
 *
 * Durability: each write method commits synchronously *without* an fsync (lmdb's
 * NO_SYNC_FLUSH), so the write is visible to the synchronous reads the core makes at once;
 * persist() then forces the environment to disk (mdb_env_sync on lmdb's worker thread). Under
 * lmdb-js's default overlappingSync, `db.flushed` does not cover synchronous transactions, so
 * it is not the signal to wait for here. The adapter must await persist() before sending the
 * Ready's messages; a crash before that loses the Ready's writes, which is safe because nothing
 * was promised to anyone yet.
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

/** lmdb-js transaction flags: abortable, synchronous commit, no fsync (MDB_NOSYNC). */
const COMMIT_WITHOUT_FSYNC = 0x1 | 0x2 | 0x10000;

function entryKey(index: number): Buffer {
  const key = Buffer.alloc(9);
  key[0] = ENTRY_PREFIX;
  key.writeBigUInt64BE(BigInt(index), 1);
  return key;
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
      this.last = Number(key.readBigUInt64BE(1));
    }
    assert(this.last >= this.offsetIndex, `last index ${this.last} below the snapshot point ${this.offsetIndex}`);
  }

  private isEmpty(): boolean {
    return this.offsetIndex === 0 && this.last === 0 && this.hardState.term === 0 && this.snap.metadata.index === 0;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('LmdbRaftStorage is closed');
  }

  private inBatch = false;

  private write(action: () => void): void {
    this.checkOpen();
    // Inside batch() the outer transaction is already open (a nested abortable
    // transactionSync would become an asynchronous child transaction in lmdb-js).
    if (this.inBatch) action();
    else this.db.transactionSync(action, COMMIT_WITHOUT_FSYNC);
  }

  /** One LMDB transaction for several writes (e.g. a whole Ready). Not re-entrant. */
  batch(action: () => void): void {
    this.checkOpen();
    assert(!this.inBatch, 'batch() is not re-entrant');
    this.inBatch = true;
    try {
      this.db.transactionSync(action, COMMIT_WITHOUT_FSYNC);
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
    const value = this.db.get(entryKey(index));
    assert(value !== undefined, `entry ${index} missing from LMDB`);
    return decodeEntry(value).term;
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    assert(lo > this.offsetIndex, `entries(${lo}): compacted (first index ${this.firstIndex()})`);
    assert(hi <= this.last + 1, `entries(.., ${hi}): beyond last index ${this.last}`);
    const out: Entry[] = [];
    let size = 0;
    for (const { value } of this.db.getRange({ start: entryKey(lo), end: entryKey(hi) })) {
      const e = decodeEntry(value);
      size += entrySizeBytes(e);
      if (out.length > 0 && size > maxBytes) break;
      assert(e.index === lo + out.length, `LMDB log has a gap at ${lo + out.length}`);
      out.push(e);
    }
    assert(out.length > 0 || lo >= hi, `entries [${lo}, ${hi}) missing from LMDB`);
    return out;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  // ---- writes (visible at once, durable after persist()) ----

  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0]!.index;
    assert(first > this.offsetIndex, `append at ${first} overwrites the snapshot point ${this.offsetIndex}`);
    assert(first <= this.last + 1, `append at ${first} leaves a gap after ${this.last}`);
    for (let i = 1; i < entries.length; i++) assert(entries[i]!.index === first + i, 'appended entries are contiguous');
    const previousLast = this.last;
    this.write(() => {
      // Truncate the conflicting suffix the new entries replace.
      for (let i = first; i <= previousLast; i++) this.db.removeSync(entryKey(i));
      for (const e of entries) this.db.putSync(entryKey(e.index), Buffer.from(encodeEntry(e)));
    });
    this.last = entries[entries.length - 1]!.index;
  }

  setHardState(hardState: HardState): void {
    const copy = { ...hardState };
    this.write(() => this.db.putSync(HARD_STATE_KEY, Buffer.from(encodeHardState(copy))));
    this.hardState = copy;
  }

  applySnapshot(snapshot: Snapshot): void {
    const { index, term } = snapshot.metadata;
    assert(index >= this.snap.metadata.index, `snapshot ${index} older than ${this.snap.metadata.index}`);
    const from = this.offsetIndex + 1;
    const to = this.last;
    this.write(() => {
      for (let i = from; i <= to; i++) this.db.removeSync(entryKey(i));
      this.db.putSync(SNAPSHOT_KEY, Buffer.from(encodeSnapshot(snapshot)));
      this.putOffset(index, term);
    });
    this.snap = snapshot;
    this.offsetIndex = index;
    this.offsetTerm = term;
    this.last = index;
  }

  private putOffset(index: number, term: number): void {
    this.db.putSync(OFFSET_KEY, Buffer.from(encodeEntry({ index, term, type: EntryType.Empty, data: new Uint8Array(0) })));
  }

  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.snap.metadata.index) throw invalidArgument('index', `not after the current snapshot ${this.snap.metadata.index}`);
    if (index > this.last) throw invalidArgument('index', `beyond the last index ${this.last}`);
    const snapshot: Snapshot = { metadata: { index, term: this.term(index), confState: cloneConfState(confState) }, data };
    this.write(() => this.db.putSync(SNAPSHOT_KEY, Buffer.from(encodeSnapshot(snapshot))));
    this.snap = snapshot;
    return snapshot;
  }

  compact(index: number): void {
    if (index <= this.offsetIndex) return;
    if (index > this.snap.metadata.index) {
      throw invalidArgument('index', `compaction to ${index} past the snapshot ${this.snap.metadata.index}`);
    }
    const term = this.term(index);
    const from = this.offsetIndex + 1;
    this.write(() => {
      for (let i = from; i <= index; i++) this.db.removeSync(entryKey(i));
      this.putOffset(index, term);
    });
    this.offsetIndex = index;
    this.offsetTerm = term;
  }

  /** Resolves once every write so far is on disk (an fsync of the environment, off-thread). */
  persist(): Promise<void> {
    this.checkOpen();
    return new Promise<void>((resolve, reject) => {
      // `sync` exists at runtime (open.js) but is missing from lmdb's type declarations.
      (this.db as unknown as { sync(callback: (error?: unknown) => void): void }).sync((error?: unknown) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve()));
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.persist();
    this.closed = true;
    await this.db.close();
  }
}
