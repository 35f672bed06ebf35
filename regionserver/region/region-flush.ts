/**
 * A region's flushes (HBase's HRegion.internalFlushcache, simplified): one at a time, each takes a
 * snapshot of every memstore behind the updates gate, writes one store file per store, records
 * them and the new max flushed sequence id in the manifest, and only then swaps memory (the
 * snapshot is cleared after the manifest names the files: STYLE.md §5). A failed flush keeps its
 * snapshot and the next flush retries it.
 */
import type { Clock } from '../../common/clock.js';
import type { RegionServerConfig } from '../../common/config.js';
import { assert } from '../../common/errors.js';
import { createLogger } from '../../common/logger.js';
import type { Wal } from '../wal/wal.js';
import type { Store } from '../storage/store.js';
import type { StoreFileReader } from '../storage/store-file.js';
import type { RegionInfo } from './api.js';
import { walRegionKey } from './identity.js';
import type { Mvcc } from './mvcc.js';
import type { RegionFiles } from './region-files.js';
import type { UpdatesGate } from './updates-gate.js';
import { memstoreSizeBytes } from './write-path.js';

const log = createLogger('region');

export interface RegionFlusherDeps {
  info: RegionInfo;
  files: RegionFiles;
  stores: ReadonlyMap<string, Store>;
  wal: Wal;
  gate: UpdatesGate;
  mvcc: Mvcc;
  clock: Clock;
  config: RegionServerConfig;
  /** The max flushed sequence id the region opened with (from its manifest). */
  maxFlushedSequenceId: number;
  /** Whether the region takes writes (background flushes start only then). */
  isOpen(): boolean;
  /** Runs before a flush adds a file to `store` when it is at maxStoreFiles. */
  beforeAddingFile(store: Store): Promise<void>;
  /** After every successful flush (the compactor decides whether to compact). */
  afterFlush(): void;
}

export class RegionFlusher {
  private maxFlushed: number;
  /** Sequence id of a snapshot taken but not yet written (a failed flush retries it). */
  private pendingFlushSequenceId: number | undefined;
  private flushTail: Promise<unknown> = Promise.resolve();
  private flushRequested = false;

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

  /** A background flush once the memstores pass the flush size (the write path asks after each write). */
  maybeRequestFlush(): void {
    if (this.flushRequested || !this.deps.isOpen()) return;
    if (memstoreSizeBytes(this.deps.stores) < this.deps.config.memstoreFlushSizeBytes) return;
    this.flushRequested = true;
    this.flush()
      .catch((err: unknown) => log.error({ err, region: this.deps.info.encodedName }, 'background flush failed'))
      .finally(() => (this.flushRequested = false));
  }

  /** Flushes run one at a time (a snapshot is written by exactly one flush); resolves with the max flushed sequence id. */
  flush(): Promise<number> {
    const run = this.flushTail.then(() => this.flushOnce());
    this.flushTail = run.catch(() => undefined);
    return run;
  }

  private async flushOnce(): Promise<number> {
    const { stores, gate, mvcc, files, clock } = this.deps;
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
    for (const s of stores.values()) {
      if (s.files.length + 1 > this.deps.config.maxStoreFiles) await this.deps.beforeAddingFile(s);
    }
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
    this.deps.afterFlush();
    return this.maxFlushed;
  }
}
