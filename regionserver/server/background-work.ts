/**
 * The totals of a region server's background work: flushes by reason and compactions by kind,
 * told by the regions as each one completes (region-flush.ts, region-compaction.ts through their
 * housekeeping). Plain numbers, no metrics library: the info port (regionserver/web/) mirrors them
 * into `/metrics` when scraped, and feeds each duration to its histograms through `observe`.
 */
import type { BackgroundWorkRecorder, RegionFlushReason } from '../region/region-options.js';

export type CompactionKind = 'minor' | 'major';

/** One completed flush or compaction, for a duration histogram. */
export type BackgroundWorkObserver = (work: { kind: 'flush'; reason: RegionFlushReason; seconds: number } | { kind: 'compaction'; compaction: CompactionKind; seconds: number }) => void;

export class BackgroundWorkStats implements BackgroundWorkRecorder {
  /** Flushes that wrote their files, by reason (a reason appears once it happened). */
  readonly flushes = new Map<RegionFlushReason, number>();
  /** Store compactions that replaced their files, by kind. */
  readonly compactions: Record<CompactionKind, number> = { minor: 0, major: 0 };
  /** Who sees every completed flush and compaction with its duration (info ports, a standalone's combined totals). */
  private readonly observers = new Set<BackgroundWorkObserver>();

  /** Adds an observer; returns the function that removes it. */
  observe(observer: BackgroundWorkObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  flushed(reason: RegionFlushReason, seconds: number): void {
    this.flushes.set(reason, (this.flushes.get(reason) ?? 0) + 1);
    for (const o of this.observers) o({ kind: 'flush', reason, seconds });
  }

  compacted(kind: CompactionKind, seconds: number): void {
    this.compactions[kind]++;
    for (const o of this.observers) o({ kind: 'compaction', compaction: kind, seconds });
  }

  get flushesTotal(): number {
    let n = 0;
    for (const v of this.flushes.values()) n += v;
    return n;
  }

  get compactionsTotal(): number {
    return this.compactions.minor + this.compactions.major;
  }
}
