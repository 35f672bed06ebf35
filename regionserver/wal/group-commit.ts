/**
 * Group commit, shared by every WAL implementation (HBase's FSHLog/AsyncFSWAL ring buffer, in
 * miniature). `append` only queues an entry and hands out a position; a single writer takes
 * everything queued so far as one group, persists it with ONE durable write, and resolves every
 * `sync` whose position the group covered. While a group is being written, new appends queue up
 * and become the next group, so N concurrent writers cost far fewer than N syncs.
 *
 * Bounds (STYLE.md §8): one group holds at most `maxBatchEntries` entries / `maxBatchBytes` bytes;
 * the queue of not-yet-durable entries holds at most `maxQueuedEntries` / `maxQueuedBytes`, beyond
 * which `append` throws SERVER_BUSY (the caller backs off; nothing was queued).
 */
import { cellSize } from '../../common/cell.js';
import { BasaltError, ErrorCodes, invalidArgument } from '../../common/errors.js';
import type { Wal, WalEntry } from './wal.js';

export interface GroupCommitOptions {
  /** Most entries persisted by one sync (config: regionserver.walMaxBatchEntries). */
  maxBatchEntries?: number;
  /** Most bytes persisted by one sync. */
  maxBatchBytes?: number;
  /** Most entries appended but not yet durable; beyond it append throws SERVER_BUSY. */
  maxQueuedEntries?: number;
  /** Most bytes appended but not yet durable; beyond it append throws SERVER_BUSY. */
  maxQueuedBytes?: number;
}

export const DEFAULT_GROUP_COMMIT: Required<GroupCommitOptions> = {
  maxBatchEntries: 4096,
  maxBatchBytes: 8 * 1024 * 1024,
  maxQueuedEntries: 4 * 4096,
  maxQueuedBytes: 64 * 1024 * 1024,
};

/** Counters every implementation exposes; tests use them to prove group commit happens. */
export interface WalStats {
  /** Entries accepted by append. */
  appendedEntries: number;
  /** Durable writes performed (one per group). */
  syncs: number;
  /** Entries made durable. */
  syncedEntries: number;
  /** Bytes (approximate, before encoding) made durable. */
  syncedBytes: number;
  /** Entries appended and not yet durable. */
  queuedEntries: number;
  /** Highest position known durable. */
  durablePosition: number;
  /** Entries still retained (not yet reclaimed after markFlushed), when the implementation knows. */
  retainedEntries: number;
}

export interface QueuedEntry {
  position: number;
  entry: WalEntry;
  sizeBytes: number;
}

interface SyncWaiter {
  position: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** Approximate size of an entry, for batch and queue bounds. */
export function entrySize(entry: WalEntry): number {
  let n = entry.regionId.length + 32;
  for (const c of entry.cells) n += cellSize(c);
  return n;
}

export function validateEntry(entry: WalEntry): void {
  if (typeof entry.regionId !== 'string' || entry.regionId.length === 0 || entry.regionId.length > 1024) {
    throw invalidArgument('regionId', 'must be a non-empty string of at most 1024 characters');
  }
  if (!Number.isSafeInteger(entry.sequenceId) || entry.sequenceId <= 0 || entry.sequenceId >= 2 ** 48) {
    throw invalidArgument('sequenceId', 'must be an integer in [1, 2^48)', { sequenceId: entry.sequenceId });
  }
  if (!Number.isSafeInteger(entry.openEpoch) || entry.openEpoch < 0 || entry.openEpoch >= 2 ** 32) {
    throw invalidArgument('openEpoch', 'must be an integer in [0, 2^32)', { openEpoch: entry.openEpoch });
  }
  if (!Array.isArray(entry.cells)) throw invalidArgument('cells', 'must be an array');
}

export function walClosedError(): BasaltError {
  return new BasaltError(ErrorCodes.WAL_CLOSED, 'the write-ahead log is closed');
}

/**
 * Base class: implementations provide `persist` (make a group durable, all or nothing from the
 * caller's point of view) and the read side.
 */
export abstract class GroupCommitWal implements Wal {
  protected readonly limits: Required<GroupCommitOptions>;
  private queue: QueuedEntry[] = [];
  private queueHead = 0;
  private queuedBytes = 0;
  private waiters: SyncWaiter[] = [];
  private nextPosition = 1;
  private durable = 0;
  private writing = false;
  private scheduled = false;
  private closing = false;
  private closed = false;
  /** Set when a persist failed: the log can no longer promise anything (HBase aborts the server). */
  private failure: Error | undefined;
  private idle: Array<() => void> = [];
  protected readonly counters = { appendedEntries: 0, syncs: 0, syncedEntries: 0, syncedBytes: 0 };

  protected constructor(options: GroupCommitOptions = {}) {
    this.limits = {
      maxBatchEntries: options.maxBatchEntries ?? DEFAULT_GROUP_COMMIT.maxBatchEntries,
      maxBatchBytes: options.maxBatchBytes ?? DEFAULT_GROUP_COMMIT.maxBatchBytes,
      maxQueuedEntries: options.maxQueuedEntries ?? DEFAULT_GROUP_COMMIT.maxQueuedEntries,
      maxQueuedBytes: options.maxQueuedBytes ?? DEFAULT_GROUP_COMMIT.maxQueuedBytes,
    };
    for (const [k, v] of Object.entries(this.limits)) {
      if (!Number.isSafeInteger(v) || v <= 0) throw invalidArgument(k, 'must be a positive integer');
    }
  }

  /** Makes the group durable. Resolve only when every entry is on disk. */
  protected abstract persist(group: QueuedEntry[]): Promise<void>;
  abstract replay(regionId: string, afterSequenceId: number): AsyncIterable<WalEntry>;
  abstract markFlushed(regionId: string, sequenceId: number): Promise<void>;
  /** Releases storage after the writer stopped (no persist runs any more). */
  protected abstract closeStorage(): Promise<void>;
  /** Entries still retained, for stats. */
  protected abstract retainedEntries(): number;

  append(entry: WalEntry): number {
    return this.appendBatch([entry]);
  }

  appendBatch(entries: WalEntry[]): number {
    if (this.closing || this.closed) throw walClosedError();
    if (this.failure) throw this.failure;
    if (!Array.isArray(entries) || entries.length === 0) throw invalidArgument('entries', 'must be a non-empty array');
    // Everything is checked before anything is queued: all or nothing.
    let bytes = 0;
    const sizes = entries.map((entry) => {
      validateEntry(entry);
      const size = entrySize(entry);
      bytes += size;
      return size;
    });
    const queued = this.queue.length - this.queueHead;
    // An oversized batch is still accepted into an empty queue, so that it can make progress.
    if (queued > 0 && (queued + entries.length > this.limits.maxQueuedEntries || this.queuedBytes + bytes > this.limits.maxQueuedBytes)) {
      throw new BasaltError(ErrorCodes.SERVER_BUSY, 'write-ahead log queue is full', {
        queuedEntries: queued,
        queuedBytes: this.queuedBytes,
      });
    }
    let position = 0;
    for (let i = 0; i < entries.length; i++) {
      position = this.nextPosition++;
      this.queue.push({ position, entry: entries[i]!, sizeBytes: sizes[i]! });
    }
    this.queuedBytes += bytes;
    this.counters.appendedEntries += entries.length;
    this.schedule();
    return position;
  }

  sync(position: number): Promise<void> {
    if (!Number.isSafeInteger(position) || position < 0 || position >= this.nextPosition) {
      return Promise.reject(invalidArgument('position', 'was never returned by append', { position }));
    }
    if (position <= this.durable) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(walClosedError());
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ position, resolve, reject });
      this.schedule();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    // The group being written (if any) completes and its syncs resolve; what is still queued is
    // dropped and its syncs fail with WAL_CLOSED: close never starts a new durable write.
    if (this.writing) await new Promise<void>((resolve) => this.idle.push(resolve));
    this.closed = true;
    this.dropQueue(walClosedError());
    await this.closeStorage();
  }

  stats(): WalStats {
    return {
      ...this.counters,
      queuedEntries: this.queue.length - this.queueHead,
      durablePosition: this.durable,
      retainedEntries: this.retainedEntries(),
    };
  }

  protected get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Simulates a crash for fault injection: stops the writer at once; what is queued is lost and its
   * syncs fail with WAL_CLOSED. The storage decides what of an in-flight group survives.
   */
  protected abandon(): void {
    this.closing = true;
    this.closed = true;
    this.dropQueue(walClosedError());
  }

  private dropQueue(err: Error): void {
    this.queue = [];
    this.queueHead = 0;
    this.queuedBytes = 0;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      if (w.position <= this.durable) w.resolve();
      else w.reject(err);
    }
  }

  private schedule(): void {
    if (this.scheduled || this.writing || this.closing) return;
    this.scheduled = true;
    // setImmediate, not a microtask: appends made by other callbacks of this event-loop turn join
    // the group.
    setImmediate(() => {
      this.scheduled = false;
      void this.writeGroups();
    });
  }

  private async writeGroups(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (!this.closing && !this.failure && this.queueHead < this.queue.length) {
        const group = this.takeGroup();
        try {
          await this.persist(group);
        } catch (err) {
          this.failure =
            err instanceof BasaltError ? err : new BasaltError(ErrorCodes.INTERNAL, `write-ahead log write failed: ${(err as Error).message}`);
          this.dropQueue(this.failure);
          break;
        }
        if (this.closed) break; // Abandoned (simulated crash) while writing: report nothing.
        const last = group[group.length - 1]!;
        this.durable = last.position;
        this.counters.syncs++;
        this.counters.syncedEntries += group.length;
        for (const q of group) this.counters.syncedBytes += q.sizeBytes;
        this.resolveWaiters();
      }
    } finally {
      this.writing = false;
      const idle = this.idle;
      this.idle = [];
      for (const f of idle) f();
    }
  }

  private takeGroup(): QueuedEntry[] {
    const group: QueuedEntry[] = [];
    let bytes = 0;
    while (this.queueHead < this.queue.length && group.length < this.limits.maxBatchEntries) {
      const q = this.queue[this.queueHead]!;
      if (group.length > 0 && bytes + q.sizeBytes > this.limits.maxBatchBytes) break;
      group.push(q);
      bytes += q.sizeBytes;
      this.queueHead++;
      this.queuedBytes -= q.sizeBytes;
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    return group;
  }

  private resolveWaiters(): void {
    if (this.waiters.length === 0) return;
    const still: SyncWaiter[] = [];
    for (const w of this.waiters) {
      if (w.position <= this.durable) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }
}

export function checkReplayArgs(regionId: string, sequenceId: number): void {
  if (typeof regionId !== 'string' || regionId.length === 0) throw invalidArgument('regionId', 'must be a non-empty string');
  if (!Number.isSafeInteger(sequenceId) || sequenceId < 0) {
    throw invalidArgument('sequenceId', 'must be a non-negative integer', { sequenceId });
  }
}
