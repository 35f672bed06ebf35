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
 * Compactions of all regions share `maxConcurrentCompactions` slots (`compactionSlot`), and their
 * writes share one budget (`throttleCompaction`): a token bucket on the bytes compactions write,
 * refilled from the injected clock, at `compactionThroughputBytesPerSecond` — or, with
 * `compactionThroughputUpperBytesPerSecond` above it, at HBase's PressureAwareCompactionThroughput-
 * Controller's rate: rising from the lower to the upper bound with the fullest store's file pressure,
 * unlimited once a store reaches maxStoreFiles (`compactionLimit`). A compaction over budget parks until
 * a pass finds the bucket out of debt, so compactions too are paced by the server's own loop.
 */
import type { Clock } from '../../common/clock.js';
import { BasaltError, ErrorCodes } from '../../common/errors.js';
import { createLogger } from '../../common/logger.js';
import { BackgroundWorkStats } from './background-work.js';

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
  /** Store-file pressure of its fullest store (Region.compactionPressure); absent: 0. */
  readonly compactionPressure?: number;
  /** `reason` labels the flush in the server's metrics. */
  flush(reason: FlushReason): Promise<unknown>;
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
  /** Bytes per second all compactions together may write (0 or absent: unlimited). */
  compactionThroughputBytesPerSecond?: number;
  /** Upper bound of the pressure-aware range (see compactionLimit); 0 or absent: a fixed rate. */
  compactionThroughputUpperBytesPerSecond?: number;
  /** Where the regions report completed flushes and compactions (a fresh one by default). */
  work?: BackgroundWorkStats;
}

export const DEFAULT_HOUSEKEEPING = {
  globalMemstoreLimitBytes: 1024 * 1024 * 1024,
  walMaxSegments: 32,
  walMaxBytes: 2 * 1024 * 1024 * 1024,
  idleFlushMs: 60 * 60_000,
  maxConcurrentCompactions: 1,
  compactionThroughputBytesPerSecond: 0,
  compactionThroughputUpperBytesPerSecond: 0,
};

/**
 * A token bucket on bytes (pure: time is passed in). It holds at most one second of budget, so an
 * idle spell buys a burst of one second's worth and no more. Taking more than is left puts it in
 * debt; the taker waits until the refill has paid the debt off, so over any long run the bytes
 * taken stay within the rate (plus the one-second burst and one chunk).
 */
export class ThroughputBucket {
  private tokens: number;
  private lastMs: number;

  constructor(
    private bytesPerSecond: number,
    nowMs: number,
  ) {
    this.tokens = bytesPerSecond;
    this.lastMs = nowMs;
  }

  /** The current rate (Infinity: unlimited). */
  get rate(): number {
    return this.bytesPerSecond;
  }

  /** Changes the rate from now on (Infinity: unlimited: no debt, takers never wait). */
  setRate(bytesPerSecond: number, nowMs: number): void {
    if (bytesPerSecond === this.bytesPerSecond) return;
    this.refill(nowMs);
    this.bytesPerSecond = bytesPerSecond;
    // A debt stays, paid off at the new rate; a surplus is capped at the new one second of budget.
    this.tokens = Number.isFinite(bytesPerSecond) ? Math.min(this.tokens, bytesPerSecond) : Infinity;
  }

  /** Spends `bytes` (possibly into debt). */
  take(bytes: number, nowMs: number): void {
    this.refill(nowMs);
    this.tokens -= bytes;
  }

  /** Whether takers must wait: the bucket is below zero. */
  inDebt(nowMs: number): boolean {
    this.refill(nowMs);
    return this.tokens < 0;
  }

  /** Milliseconds until the debt is paid off (0: not in debt). */
  waitMs(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.bytesPerSecond);
  }

  private refill(nowMs: number): void {
    if (!Number.isFinite(this.bytesPerSecond)) {
      this.tokens = Infinity;
      this.lastMs = Math.max(this.lastMs, nowMs);
      return;
    }
    const elapsed = Math.max(0, nowMs - this.lastMs);
    this.lastMs = Math.max(this.lastMs, nowMs);
    this.tokens = Math.min(this.bytesPerSecond, this.tokens + (elapsed * this.bytesPerSecond) / 1000);
  }
}

export type FlushReason = 'global-memstore' | 'wal-size' | 'idle';

export class Housekeeper {
  private readonly regions = new Set<HousekeptRegion>();
  private flushing: Promise<unknown> | undefined;
  private compactionsRunning = 0;
  private readonly compactionWaiters: Array<() => void> = [];
  /** Undefined: compaction writes are not limited. */
  private readonly compactionBudget: ThroughputBucket | undefined;
  /** Compactions parked until the budget is out of debt (released by `tick`). */
  private readonly throttled: Array<() => void> = [];
  /** Bytes compactions reported written, and how often one had to wait (status, tests). */
  readonly compactionThroughput = { bytesWritten: 0, waits: 0 };
  /** Flushes started, by reason (ServerLoad and tests read them). */
  readonly flushes: Record<FlushReason, number> = { 'global-memstore': 0, 'wal-size': 0, idle: 0 };
  /** Flushes and compactions completed by this server's regions (they report through `housekeeping.work`). */
  readonly work: BackgroundWorkStats;

  constructor(private readonly options: HousekeeperOptions) {
    const rate = options.compactionThroughputBytesPerSecond ?? 0;
    this.compactionBudget = rate > 0 ? new ThroughputBucket(rate, options.clock.monotonic()) : undefined;
    this.work = options.work ?? new BackgroundWorkStats();
  }

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

  /** Compactions waiting for the throughput budget now. */
  get throttledCompactions(): number {
    return this.throttled.length;
  }

  /**
   * Called by a compaction after writing `bytes`: resolves at once while the server's compaction
   * budget lasts, else at the first pass (`tick`) that finds the debt paid off.
   */
  async throttleCompaction(bytes: number): Promise<void> {
    this.compactionThroughput.bytesWritten += bytes;
    const budget = this.compactionBudget;
    if (!budget) return;
    budget.setRate(this.compactionLimit(), this.options.clock.monotonic());
    budget.take(bytes, this.options.clock.monotonic());
    if (!budget.inDebt(this.options.clock.monotonic())) return;
    this.compactionThroughput.waits++;
    while (budget.inDebt(this.options.clock.monotonic())) await new Promise<void>((resolve) => this.throttled.push(resolve));
  }

  /**
   * What compactions may write per second now (HBase's PressureAwareCompactionThroughputController):
   * with only the lower bound, that rate; with an upper bound too, lower + (upper − lower) × the
   * fullest store's pressure (Region.compactionPressure), and unlimited once a store reaches
   * maxStoreFiles (pressure > 1): writes would block there, so compaction must not wait.
   */
  compactionLimit(): number {
    const lower = this.options.compactionThroughputBytesPerSecond ?? 0;
    if (lower <= 0) return Infinity;
    const upper = Math.max(lower, this.options.compactionThroughputUpperBytesPerSecond ?? 0);
    if (upper === lower) return lower;
    let pressure = 0;
    for (const r of this.regions) pressure = Math.max(pressure, r.compactionPressure ?? 0);
    if (pressure > 1) return Infinity;
    return lower + (upper - lower) * pressure;
  }

  /** Releases the compactions parked on the budget once it is out of debt. */
  private releaseThrottled(): void {
    this.compactionBudget?.setRate(this.compactionLimit(), this.options.clock.monotonic());
    if (this.throttled.length === 0 || this.compactionBudget?.inDebt(this.options.clock.monotonic())) return;
    for (const resolve of this.throttled.splice(0)) resolve();
  }

  /** One housekeeping pass: starts at most one flush; resolves when it ends (or at once). */
  tick(): Promise<unknown> {
    this.releaseThrottled();
    if (this.flushing) return this.flushing;
    const pick = this.choose();
    if (!pick) return Promise.resolve();
    this.flushes[pick.reason]++;
    const run = pick.region.flush(pick.reason).catch((err: unknown) => log.warn({ err, region: pick.region.walKey, reason: pick.reason }, 'housekeeping flush failed'));
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
