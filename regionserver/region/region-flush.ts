/**
 * A region's flushes (HBase's HRegion.internalFlushcache, simplified): one at a time, each takes a
 * snapshot of every memstore behind the updates gate, writes one store file per store, records
 * them and the new max flushed sequence id in the manifest, and only then swaps memory (the
 * snapshot is cleared after the manifest names the files: STYLE.md §5). A failed flush keeps its
 * snapshot and the next flush retries it.
 *
 * A flush never compacts. When a store is at maxStoreFiles, the size-triggered flush is held back
 * (HBase's blocking store files): a compaction is queued for the server's compaction slots, writes
 * meet SERVER_BUSY once the memstore reaches its blocking size, and the flush starts when the
 * compaction ends — or after storeFileBlockingWaitMs anyway, so a slow compaction cannot stop a
 * region's writes for good. An explicit flush (the API, close, the housekeeper's global-memstore and
 * WAL-size flushes) writes its file at once: it never waits behind other regions' compactions.
 */
import { assert } from '../../common/errors.js';
import { createLogger } from '../../common/logger.js';
import type { Store } from '../storage/store.js';
import type { StoreFileReader } from '../storage/store-file.js';
import { walRegionKey } from './identity.js';
import type { RegionFiles } from './region-files.js';
import type { BackgroundWorkRecorder, RegionFlushReason, RegionWriteCore } from './region-options.js';
import { memstoreSizeBytes } from './write-path.js';

const log = createLogger('region');

export interface RegionFlusherDeps extends RegionWriteCore {
  files: RegionFiles;
  /** The max flushed sequence id the region opened with (from its manifest). */
  maxFlushedSequenceId: number;
  /** Whether the region takes writes (background flushes start only then). */
  isOpen(): boolean;
  /** Queues a compaction (never runs one here): after every flush, and while a store is at maxStoreFiles. */
  requestCompaction(): void;
  /** Told of each flush that wrote something (the server's metrics). */
  work?: BackgroundWorkRecorder | undefined;
}

export class RegionFlusher {
  private maxFlushed: number;
  /** Sequence id of a snapshot taken but not yet written (a failed flush retries it). */
  private pendingFlushSequenceId: number | undefined;
  private flushTail: Promise<unknown> = Promise.resolve();
  private flushRequested = false;
  /** Monotonic time since when a size-triggered flush has been held back by maxStoreFiles. */
  private blockedSinceMs: number | undefined;

  constructor(private readonly deps: RegionFlusherDeps) {
    this.maxFlushed = deps.maxFlushedSequenceId;
  }

  get maxFlushedSequenceId(): number {
    return this.maxFlushed;
  }

  /** Resolves when every flush queued so far has ended (successfully or not). */
  get idle(): Promise<unknown> {
    return this.flushTail;
  }

  /**
   * A background flush once the memstores pass the flush size (the write path asks after each
   * write, the compactor after each compaction) — held back while a store is at maxStoreFiles.
   */
  maybeRequestFlush(): void {
    if (this.flushRequested || !this.deps.isOpen()) return;
    if (memstoreSizeBytes(this.deps.stores) < this.deps.config.memstoreFlushSizeBytes) return;
    if (this.tooManyStoreFiles()) {
      const now = this.deps.clock.monotonic();
      this.blockedSinceMs ??= now;
      if (now - this.blockedSinceMs < this.deps.config.storeFileBlockingWaitMs) {
        this.deps.requestCompaction();
        return;
      }
      log.warn({ region: this.deps.info.encodedName, waitedMs: now - this.blockedSinceMs }, 'flushing past maxStoreFiles: compaction has not caught up within storeFileBlockingWaitMs');
    }
    this.blockedSinceMs = undefined;
    this.flushRequested = true;
    this.flush('size')
      .catch((err: unknown) => log.error({ err, region: this.deps.info.encodedName }, 'background flush failed'))
      .finally(() => (this.flushRequested = false));
  }

  /** Whether a store with something to flush already holds maxStoreFiles files. */
  tooManyStoreFiles(): boolean {
    for (const s of this.deps.stores.values()) {
      if (s.memstore.activeSizeBytes > 0 && s.files.length >= this.deps.config.maxStoreFiles) return true;
    }
    return false;
  }

  /**
   * Flushes run one at a time (a snapshot is written by exactly one flush); resolves with the max
   * flushed sequence id. `reason` only labels the flush in the server's metrics.
   */
  flush(reason: RegionFlushReason): Promise<number> {
    const run = this.flushTail.then(() => this.flushOnce(reason));
    this.flushTail = run.catch(() => undefined);
    return run;
  }

  private async flushOnce(reason: RegionFlushReason): Promise<number> {
    const { stores, gate, mvcc, files, clock } = this.deps;
    const startedMs = clock.monotonic();
    if (this.pendingFlushSequenceId === undefined) {
      let empty = true;
      for (const s of stores.values()) if (s.memstore.activeSizeBytes > 0) empty = false;
      if (empty) return this.maxFlushed;
      const reopen = await gate.hold();
      try {
        for (const s of stores.values()) s.memstore.snapshot();
        this.pendingFlushSequenceId = mvcc.readPoint;
      } finally {
        reopen();
      }
    }
    const flushSequenceId = this.pendingFlushSequenceId;
    assert(flushSequenceId <= mvcc.readPoint, 'a flush never covers a write that is not visible yet');
    assert(flushSequenceId >= this.maxFlushed, 'the flushed sequence id never goes backwards');
    const now = clock.now();
    const written = new Map<Store, StoreFileReader | undefined>();
    try {
      files.checkFence();
      for (const s of stores.values()) written.set(s, await s.writeSnapshot(s.newFileName(now), now));
      // From here to the end of the swap nothing awaits: manifest and memory change together.
      files.checkFence();
      files.writeManifest(Math.max(this.maxFlushed, flushSequenceId), (s) => {
        const f = written.get(s);
        return f ? [...s.files, f] : s.files;
      });
    } catch (err) {
      for (const f of written.values()) f?.discard();
      throw err;
    }
    for (const s of stores.values()) s.commitFlush(written.get(s));
    this.pendingFlushSequenceId = undefined;
    this.maxFlushed = Math.max(this.maxFlushed, flushSequenceId);
    await this.deps.wal.markFlushed(walRegionKey(this.deps.info), this.maxFlushed);
    // Counted only once the files are named and memory swapped (an empty memstore is no flush).
    this.deps.work?.flushed(reason, Math.max(0, clock.monotonic() - startedMs) / 1000);
    this.deps.requestCompaction();
    return this.maxFlushed;
  }
}
