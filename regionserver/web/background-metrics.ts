/**
 * The region server's background-work families on its `/metrics`: flushes by reason and
 * compactions by kind (mirrored from the daemon's BackgroundWorkStats when scraped), how long each
 * took (histograms fed as each one completes), compactions parked on the throughput budget, and
 * the bytes compactions wrote. The queue lengths are in common/metrics.ts with the other gauges.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BackgroundWorkStats } from '../server/background-work.js';

/** Flushes and compactions take milliseconds to minutes: 1 ms … 10 min. */
export const BACKGROUND_WORK_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** Figures the daemon reads from its housekeeper when scraped (DaemonMetrics). */
export interface CompactionThroughputFigures {
  throttledCompactions?: number;
  compactionWrittenBytesTotal?: number;
  compactionThrottleWaitsTotal?: number;
}

/**
 * Registers the families on `registry`. `work` is the server's totals (undefined: the server has
 * no housekeeping, and the counters read 0); `figures` is read at most a few times per scrape.
 */
export function registerBackgroundWorkMetrics(registry: Registry, work: BackgroundWorkStats | undefined, figures: () => CompactionThroughputFigures): void {
  new Counter({
    name: 'basalt_regionserver_flushes_total',
    help: 'Memstore flushes completed, by reason (size, global-memstore, wal-size, idle, admin, close, open)',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      if (!work) return;
      this.reset();
      for (const [reason, n] of work.flushes) this.inc({ reason }, n);
    },
  });
  new Counter({
    name: 'basalt_regionserver_compactions_total',
    help: 'Store compactions completed, by kind (minor, major)',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      this.reset();
      // Both kinds are always printed, so a query sees 0 rather than nothing.
      this.inc({ kind: 'minor' }, work?.compactions.minor ?? 0);
      this.inc({ kind: 'major' }, work?.compactions.major ?? 0);
    },
  });
  const flushDuration = new Histogram({
    name: 'basalt_regionserver_flush_duration_seconds',
    help: 'How long each memstore flush took (snapshot to manifest and memory swap)',
    buckets: BACKGROUND_WORK_BUCKETS_SECONDS,
    registers: [registry],
  });
  const compactionDuration = new Histogram({
    name: 'basalt_regionserver_compaction_duration_seconds',
    help: "How long each store compaction took, by kind (including waits for the server's throughput budget)",
    labelNames: ['kind'],
    buckets: BACKGROUND_WORK_BUCKETS_SECONDS,
    registers: [registry],
  });
  if (work) {
    work.observe((done) => {
      if (done.kind === 'flush') flushDuration.observe(done.seconds);
      else compactionDuration.observe({ kind: done.compaction }, done.seconds);
    });
  }
  new Gauge({
    name: 'basalt_regionserver_throttled_compactions',
    help: "Compactions waiting for the server's compaction throughput budget",
    registers: [registry],
    collect() {
      this.set(figures().throttledCompactions ?? 0);
    },
  });
  new Counter({
    name: 'basalt_regionserver_compaction_written_bytes_total',
    help: 'Bytes written by compactions (what the throughput budget limits)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(figures().compactionWrittenBytesTotal ?? 0);
    },
  });
  new Counter({
    name: 'basalt_regionserver_compaction_throttle_waits_total',
    help: "Times a compaction had to wait for the server's throughput budget",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(figures().compactionThrottleWaitsTotal ?? 0);
    },
  });
}
