/**
 * The region server's housekeeper: one owner of flushes and compactions for all regions of a
 * server (HBase's MemStoreFlusher, LogRoller's "too many WALs" and CompactSplit thread pool),
 * driven by the server's own loop through `tick()` (no timers inside: the daemon calls it).
 *
 * Each pass, in priority order, starts at most one flush (flushes are bounded; a pass never waits
 * for a compaction):
 *  1. global memstore: above `globalMemstoreLimitBytes` the largest memstore is flushed, and
 *     writes get SERVER_BUSY (`checkMemstore`, asked by every region's write path) until the total
 *     is back under the limit — HBase's global memstore bound;
 *  2. WAL size: past `walMaxSegments` or `walMaxBytes`, the regions pinning the oldest segment are
 *     flushed first, so one slowly written region never pins the log forever;
 *  3. idle memstores: a memstore untouched for `idleFlushMs` is flushed (periodic flush).
 * Compactions of all regions share `maxConcurrentCompactions` slots (`compactionSlot`).
 */
import type { Clock } from '../../common/clock.js';
import { BasaltError, ErrorCodes } from '../../common/errors.js';
import { createLogger } from '../../common/logger.js';

const log = createLogger('housekeeper');

/** What the housekeeper needs of a region (Region implements it). */
export interface HousekeptRegion {
  /** The region's WAL key (table + encoded name). */
  readonly walKey: string;
  readonly memstoreSizeBytes: number;
  /** Monotonic time of the last write (or of the open). */
  readonly lastWriteMs: number;
  /** Whether a flush would write anything (and the region is open). */
  readonly flushable: boolean;
  flush(): Promise<unknown>;
}

/** What the housekeeper reads of the WAL (SegmentWal.pressure). */
export interface WalPressure {
  pressure(): { segments: number; bytes: number; pinningOldest: string[] };
}

export interface HousekeeperOptions {
  clock: Clock;
  wal?: WalPressure;
  globalMemstoreLimitBytes: number;
  walMaxSegments: number;
  walMaxBytes: number;
  /** 0 = never flush idle memstores. */
  idleFlushMs: number;
  maxConcurrentCompactions: number;
}

export const DEFAULT_HOUSEKEEPING = {
  globalMemstoreLimitBytes: 1024 * 1024 * 1024,
  walMaxSegments: 32,
  walMaxBytes: 2 * 1024 * 1024 * 1024,
  idleFlushMs: 60 * 60_000,
  maxConcurrentCompactions: 1,
};

export type FlushReason = 'global-memstore' | 'wal-size' | 'idle';

export class Housekeeper {
  private readonly regions = new Set<HousekeptRegion>();
  private flushing: Promise<unknown> | undefined;
  private compactionsRunning = 0;
  private readonly compactionWaiters: Array<() => void> = [];
  /** Flushes started, by reason (ServerLoad and tests read them). */
  readonly flushes: Record<FlushReason, number> = { 'global-memstore': 0, 'wal-size': 0, idle: 0 };

  constructor(private readonly options: HousekeeperOptions) {}

  add(region: HousekeptRegion): void {
    this.regions.add(region);
  }

  remove(region: HousekeptRegion): void {
    this.regions.delete(region);
  }

  get memstoreSizeBytes(): number {
    let n = 0;
    for (const r of this.regions) n += r.memstoreSizeBytes;
    return n;
  }

  /** SERVER_BUSY while the server's memstores together are above the global limit (writes only). */
  checkMemstore(): void {
    const total = this.memstoreSizeBytes;
    if (total >= this.options.globalMemstoreLimitBytes) {
      void this.tick();
      throw new BasaltError(ErrorCodes.SERVER_BUSY, 'the region server is above its global memstore limit, flushing', {
        memstoreSizeBytes: total,
        limit: this.options.globalMemstoreLimitBytes,
      });
    }
  }

  /** Flushes running and compactions waiting for a slot (the status page and /metrics). */
  queues(): { flushQueueLength: number; compactionQueueLength: number } {
    return { flushQueueLength: this.flushing ? 1 : 0, compactionQueueLength: this.compactionWaiters.length };
  }

  /** Waits for a compaction slot; call the returned function when the compaction ends. */
  async compactionSlot(): Promise<() => void> {
    while (this.compactionsRunning >= this.options.maxConcurrentCompactions) {
      await new Promise<void>((resolve) => this.compactionWaiters.push(resolve));
    }
    this.compactionsRunning++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.compactionsRunning--;
      this.compactionWaiters.shift()?.();
    };
  }

  /** One housekeeping pass: starts at most one flush; resolves when it ends (or at once). */
  tick(): Promise<unknown> {
    if (this.flushing) return this.flushing;
    const pick = this.choose();
    if (!pick) return Promise.resolve();
    this.flushes[pick.reason]++;
    const run = pick.region.flush().catch((err: unknown) => log.warn({ err, region: pick.region.walKey, reason: pick.reason }, 'housekeeping flush failed'));
    this.flushing = run.finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Which region to flush now, and why (undefined: nothing to do). */
  choose(): { region: HousekeptRegion; reason: FlushReason } | undefined {
    const flushable = [...this.regions].filter((r) => r.flushable);
    if (flushable.length === 0) return undefined;
    if (this.memstoreSizeBytes >= this.options.globalMemstoreLimitBytes) {
      const largest = flushable.reduce((a, b) => (b.memstoreSizeBytes > a.memstoreSizeBytes ? b : a));
      return { region: largest, reason: 'global-memstore' };
    }
    const wal = this.options.wal?.pressure();
    if (wal && (wal.segments > this.options.walMaxSegments || wal.bytes > this.options.walMaxBytes)) {
      const pinning = new Set(wal.pinningOldest);
      const pinner = flushable.find((r) => pinning.has(r.walKey));
      if (pinner) return { region: pinner, reason: 'wal-size' };
    }
    if (this.options.idleFlushMs > 0) {
      const now = this.options.clock.monotonic();
      const idle = flushable.find((r) => now - r.lastWriteMs >= this.options.idleFlushMs);
      if (idle) return { region: idle, reason: 'idle' };
    }
    return undefined;
  }
}
