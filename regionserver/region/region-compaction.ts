/**
 * A region's compactions (HBase's CompactSplit + HStore.compact, simplified): one at a time per
 * region, off the write path, each in one of the server's compaction slots (the housekeeper's
 * bounded queue). After a flush, a minor compaction when a store holds compactionMinFiles files (or
 * maxStoreFiles, even if compactionMinFiles is set higher), or a major one when
 * majorCompactionPeriodMs has passed. A flush only asks for one (region-flush.ts): it never waits
 * for it, and never runs one itself. The replacement file and the manifest that
 * names it are written before memory swaps; replaced files go once no reader holds them.
 */
import { ErrorCodes, isBasaltError } from '../../common/errors.js';
import { createLogger } from '../../common/logger.js';
import type { Store } from '../storage/store.js';
import type { RegionFiles } from './region-files.js';
import type { RegionBasics, RegionHousekeeping } from './region-options.js';

const log = createLogger('region');

export interface RegionCompactorDeps extends RegionBasics {
  files: RegionFiles;
  housekeeping?: RegionHousekeeping | undefined;
  /** Whether the region takes writes (a compaction of a closing region is abandoned). */
  isOpen(): boolean;
  /** The manifest a compaction writes keeps the flushed sequence id as it is. */
  maxFlushedSequenceId(): number;
  /** After each scheduled compaction that succeeded: a flush held back by maxStoreFiles may go now. */
  afterCompaction(): void;
}

export class RegionCompactor {
  private compactionTail: Promise<unknown> = Promise.resolve();
  private compactionScheduled = false;
  private lastMajorCompactionMs: number;
  /** Resolves when the region closes: a compaction parked on the throughput budget stops waiting. */
  private readonly stopped: Promise<void>;
  private resolveStopped!: () => void;

  constructor(private readonly deps: RegionCompactorDeps) {
    this.lastMajorCompactionMs = deps.clock.now();
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
  }

  /** The region is closing: a compaction waiting for throughput budget goes on (and is abandoned). */
  stop(): void {
    this.resolveStopped();
  }

  /** Resolves when every compaction queued so far has ended. */
  get idle(): Promise<unknown> {
    return this.compactionTail;
  }

  /** Compacts every store now (major: into one file each, dropping what is dead). */
  async compact(major: boolean): Promise<void> {
    if (major) this.lastMajorCompactionMs = this.deps.clock.now();
    await this.enqueue(async () => {
      for (const s of this.deps.stores.values()) await this.compactStore(s, major);
    });
  }

  /** Compactions run one at a time per region, off the write path, in one of the server's slots. */
  private enqueue(task: () => Promise<void>): Promise<void> {
    const housekeeping = this.deps.housekeeping;
    const run = this.compactionTail.then(async () => {
      const release = housekeeping ? await housekeeping.compactionSlot() : undefined;
      try {
        await task();
      } finally {
        release?.();
      }
    });
    this.compactionTail = run.catch((err: unknown) => {
      if (isBasaltError(err, ErrorCodes.CLOSED)) log.info({ region: this.deps.info.encodedName }, 'compaction abandoned: region closing');
      else log.error({ err, region: this.deps.info.encodedName }, 'compaction failed');
    });
    return run;
  }

  /**
   * After a flush: a minor compaction when a store has compactionMinFiles (or maxStoreFiles)
   * files, or a major one when majorCompactionPeriodMs has passed since the last. Queued behind any
   * running one; at most one waits in the queue.
   */
  schedule(): void {
    const { config, clock, stores } = this.deps;
    if (this.compactionScheduled || !this.deps.isOpen()) return;
    const period = config.majorCompactionPeriodMs;
    const majorDue = period > 0 && clock.now() - this.lastMajorCompactionMs >= period;
    const minorDue = [...stores.values()].some((s) => s.files.length >= Math.max(2, Math.min(config.compactionMinFiles, config.maxStoreFiles)));
    if (!majorDue && !minorDue) return;
    this.compactionScheduled = true;
    void this.enqueue(async () => {
      this.compactionScheduled = false;
      if (majorDue) this.lastMajorCompactionMs = clock.now();
      for (const s of stores.values()) {
        if (!this.deps.isOpen()) return;
        await this.compactStore(s, majorDue, s.files.length >= config.maxStoreFiles);
      }
    }).then(
      // Only after a success: a failing compaction must not be retried in a loop (the next write
      // asks again, and storeFileBlockingWaitMs bounds the wait).
      () => this.deps.afterCompaction(),
      () => undefined,
    );
  }

  /** `forced`: the store is at maxStoreFiles, so compact even below compactionMinFiles. */
  private async compactStore(store: Store, major: boolean, forced = false): Promise<void> {
    const { config, files, clock } = this.deps;
    const selection = store.selectCompaction(major, forced ? 2 : config.compactionMinFiles, config.compactionMaxFiles);
    if (!selection) return;
    files.checkFence();
    const now = clock.now();
    const startedMs = clock.monotonic();
    const housekeeping = this.deps.housekeeping;
    const throttle = housekeeping?.throttleCompaction?.bind(housekeeping);
    const replacement = await store.compactFiles({
      files: selection.files,
      major: selection.major,
      name: store.newFileName(now),
      nowMs: now,
      shouldStop: () => !this.deps.isOpen(),
      ...(throttle ? { throttle: (bytes: number) => Promise.race([throttle(bytes), this.stopped]) } : {}),
    });
    const gone = new Set(selection.files);
    try {
      files.checkFence();
      files.writeManifest(this.deps.maxFlushedSequenceId(), (s) => {
        if (s !== store) return s.files;
        const kept = s.files.filter((f) => !gone.has(f));
        return replacement ? [...kept, replacement] : kept;
      });
    } catch (err) {
      replacement?.discard();
      throw err;
    }
    store.commitCompaction(selection.files, replacement, () => files.mayRemoveFiles());
    housekeeping?.work?.compacted(selection.major ? 'major' : 'minor', Math.max(0, clock.monotonic() - startedMs) / 1000);
  }
}
