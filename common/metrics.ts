/**
 * Prometheus metrics for every daemon (prom-client): one registry per daemon, `/metrics` in the
 * text exposition format, and the metric families Basalt exposes, named by Prometheus conventions
 * (`basalt_<area>_<what>_<unit>`, counters ending in `_total`, durations in `_seconds`).
 *
 * Daemons do not push numbers into gauges on every change. They pass a *snapshot function* that
 * reads their current state; the gauges call it when scraped (at most once per scrape), so wiring a
 * daemon is a few lines and costs nothing between scrapes. Request counts and latencies, which
 * happen on the hot path, go through `RequestMetrics` (one counter increment and one histogram
 * observation per request).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export { Registry };

/** A daemon's registry, with Node's process metrics (CPU, memory, event-loop lag, GC). */
export function createMetricsRegistry(options: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

/** The registry's metrics in Prometheus text format. */
export async function renderMetrics(registry: Registry): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/**
 * Answers `GET /metrics` (and HEAD) from `registry`; returns false for any other path so a daemon's
 * HTTP handler can try its other routes.
 */
export function serveMetrics(registry: Registry, req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== '/metrics') return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('Method not allowed\n');
    return true;
  }
  renderMetrics(registry).then(
    ({ contentType, body }) => {
      res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
    (err: unknown) => {
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`metrics failed: ${String((err as Error)?.message ?? err)}\n`);
    },
  );
  return true;
}

/** Latency buckets from 0.1 ms to 10 s: the data plane answers in well under a millisecond. */
export const LATENCY_BUCKETS_SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Per-operation request counts and latency histograms:
 * `<prefix>_requests_total{operation,outcome}` and `<prefix>_request_duration_seconds{operation}`.
 */
export class RequestMetrics {
  private readonly requests: Counter<'operation' | 'outcome'>;
  private readonly duration: Histogram<'operation'>;

  constructor(registry: Registry, prefix: string) {
    this.requests = new Counter({
      name: `${prefix}_requests_total`,
      help: 'Requests handled, by operation and outcome (ok or an error code)',
      labelNames: ['operation', 'outcome'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: `${prefix}_request_duration_seconds`,
      help: 'Request latency by operation',
      labelNames: ['operation'],
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: [registry],
    });
  }

  observe(operation: string, seconds: number, outcome = 'ok'): void {
    this.requests.inc({ operation, outcome });
    this.duration.observe({ operation }, seconds);
  }

  /** Starts timing; call the returned function with the outcome when the request ends. */
  start(operation: string): (outcome?: string) => void {
    const started = process.hrtime.bigint();
    return (outcome = 'ok') => this.observe(operation, Number(process.hrtime.bigint() - started) / 1e9, outcome);
  }
}

// ---- snapshot-driven families ----

type Snapshot<T> = () => T | Promise<T>;

/** Calls `read` at most once per scrape: every gauge of a family shares the same snapshot. */
function oncePerScrape<T>(read: Snapshot<T>): () => Promise<T> {
  let cached: Promise<T> | undefined;
  return () => {
    if (!cached) {
      cached = Promise.resolve().then(read);
      setImmediate(() => (cached = undefined));
    }
    return cached;
  };
}

interface FamilyDef<T> {
  name: string;
  help: string;
  /** 'gauge' reads a current value; 'counter' mirrors a monotonic total kept by the daemon. */
  kind: 'gauge' | 'counter';
  value: (snapshot: T) => number | undefined;
}

function registerFamilies<T>(registry: Registry, read: Snapshot<T>, defs: FamilyDef<T>[]): void {
  const snapshot = oncePerScrape(read);
  for (const def of defs) {
    if (def.kind === 'gauge') {
      new Gauge({
        name: def.name,
        help: def.help,
        registers: [registry],
        async collect() {
          const v = def.value(await snapshot());
          if (v !== undefined) this.set(v);
        },
      });
    } else {
      new Counter({
        name: def.name,
        help: def.help,
        registers: [registry],
        async collect() {
          const v = def.value(await snapshot());
          if (v === undefined) return;
          this.reset();
          if (v > 0) this.inc(v);
        },
      });
    }
  }
}

/** What a region server reports about itself (every field optional: report what you have). */
export interface RegionServerMetricsSnapshot {
  regions?: number;
  memstoreSizeBytes?: number;
  storeFileSizeBytes?: number;
  storeFiles?: number;
  flushQueueLength?: number;
  compactionQueueLength?: number;
  scannersOpen?: number;
  walSyncsTotal?: number;
  walBytesTotal?: number;
  walAppendsTotal?: number;
  readRequestsTotal?: number;
  writeRequestsTotal?: number;
}

/**
 * Flush and compaction totals (labelled by reason and kind), their durations and the compaction
 * throughput figures are registered by the region server's info port itself
 * (regionserver/web/background-metrics.ts), which holds the live counts.
 */
export function registerRegionServerMetrics(registry: Registry, snapshot: Snapshot<RegionServerMetricsSnapshot>): void {
  registerFamilies<RegionServerMetricsSnapshot>(registry, snapshot, [
    { name: 'basalt_regionserver_regions', help: 'Regions open on this server', kind: 'gauge', value: (s) => s.regions },
    { name: 'basalt_regionserver_memstore_size_bytes', help: 'Bytes held in memstores', kind: 'gauge', value: (s) => s.memstoreSizeBytes },
    { name: 'basalt_regionserver_store_file_size_bytes', help: 'Bytes in store files', kind: 'gauge', value: (s) => s.storeFileSizeBytes },
    { name: 'basalt_regionserver_store_files', help: 'Store files open', kind: 'gauge', value: (s) => s.storeFiles },
    { name: 'basalt_regionserver_flush_queue_length', help: 'Flushes waiting to run', kind: 'gauge', value: (s) => s.flushQueueLength },
    { name: 'basalt_regionserver_compaction_queue_length', help: 'Compactions waiting to run', kind: 'gauge', value: (s) => s.compactionQueueLength },
    { name: 'basalt_regionserver_scanners_open', help: 'Server-side scanners open', kind: 'gauge', value: (s) => s.scannersOpen },
    { name: 'basalt_wal_syncs_total', help: 'WAL syncs (fdatasync) completed', kind: 'counter', value: (s) => s.walSyncsTotal },
    { name: 'basalt_wal_written_bytes_total', help: 'Bytes written to the WAL', kind: 'counter', value: (s) => s.walBytesTotal },
    { name: 'basalt_wal_appends_total', help: 'Entries appended to the WAL', kind: 'counter', value: (s) => s.walAppendsTotal },
    { name: 'basalt_regionserver_read_requests_total', help: 'Read requests served', kind: 'counter', value: (s) => s.readRequestsTotal },
    { name: 'basalt_regionserver_write_requests_total', help: 'Write requests served', kind: 'counter', value: (s) => s.writeRequestsTotal },
  ]);
}

/** What a coordination member reports: its Raft state and its tree. */
export interface CoordMetricsSnapshot {
  term?: number;
  commitIndex?: number;
  appliedIndex?: number;
  isLeader?: boolean;
  sessions?: number;
  watches?: number;
  znodes?: number;
  proposalsTotal?: number;
}

export function registerCoordMetrics(registry: Registry, snapshot: Snapshot<CoordMetricsSnapshot>): void {
  registerFamilies<CoordMetricsSnapshot>(registry, snapshot, [
    { name: 'basalt_raft_term', help: 'Current Raft term', kind: 'gauge', value: (s) => s.term },
    { name: 'basalt_raft_commit_index', help: 'Highest log index known committed', kind: 'gauge', value: (s) => s.commitIndex },
    { name: 'basalt_raft_applied_index', help: 'Highest log index applied to the tree', kind: 'gauge', value: (s) => s.appliedIndex },
    { name: 'basalt_raft_is_leader', help: 'Whether this member leads (1) or not (0)', kind: 'gauge', value: (s) => (s.isLeader === undefined ? undefined : s.isLeader ? 1 : 0) },
    { name: 'basalt_coord_sessions', help: 'Live client sessions', kind: 'gauge', value: (s) => s.sessions },
    { name: 'basalt_coord_watches', help: 'Watches registered', kind: 'gauge', value: (s) => s.watches },
    { name: 'basalt_coord_znodes', help: 'Znodes in the tree', kind: 'gauge', value: (s) => s.znodes },
    { name: 'basalt_raft_proposals_total', help: 'Entries proposed by this member', kind: 'counter', value: (s) => s.proposalsTotal },
  ]);
}

/** What the master reports: assignment state and procedures. */
export interface MasterMetricsSnapshot {
  isActive?: boolean;
  liveServers?: number;
  deadServers?: number;
  regions?: number;
  tables?: number;
  regionsInTransition?: number;
  proceduresRunning?: number;
  proceduresCompletedTotal?: number;
  proceduresFailedTotal?: number;
}

export function registerMasterMetrics(registry: Registry, snapshot: Snapshot<MasterMetricsSnapshot>): void {
  registerFamilies<MasterMetricsSnapshot>(registry, snapshot, [
    { name: 'basalt_master_is_active', help: 'Whether this master is the active one (1) or a standby (0)', kind: 'gauge', value: (s) => (s.isActive === undefined ? undefined : s.isActive ? 1 : 0) },
    { name: 'basalt_master_live_servers', help: 'Region servers alive', kind: 'gauge', value: (s) => s.liveServers },
    { name: 'basalt_master_dead_servers', help: 'Region servers declared dead and not yet processed', kind: 'gauge', value: (s) => s.deadServers },
    { name: 'basalt_master_regions', help: 'Regions in meta', kind: 'gauge', value: (s) => s.regions },
    { name: 'basalt_master_tables', help: 'Tables', kind: 'gauge', value: (s) => s.tables },
    { name: 'basalt_master_regions_in_transition', help: 'Regions opening, closing, splitting or merging', kind: 'gauge', value: (s) => s.regionsInTransition },
    { name: 'basalt_master_procedures_running', help: 'Procedures not yet finished', kind: 'gauge', value: (s) => s.proceduresRunning },
    { name: 'basalt_master_procedures_completed_total', help: 'Procedures finished successfully', kind: 'counter', value: (s) => s.proceduresCompletedTotal },
    { name: 'basalt_master_procedures_failed_total', help: 'Procedures that failed', kind: 'counter', value: (s) => s.proceduresFailedTotal },
  ]);
}

/** The REST gateway's own families. */
export interface RestMetricsSnapshot {
  scannersOpen: number;
}

export function registerRestMetrics(registry: Registry, snapshot: Snapshot<RestMetricsSnapshot>): void {
  registerFamilies<RestMetricsSnapshot>(registry, snapshot, [
    { name: 'basalt_rest_scanners_open', help: 'Stateful scanners open on this gateway', kind: 'gauge', value: (s) => s.scannersOpen },
  ]);
}
