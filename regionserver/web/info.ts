/**
 * Mounts a region server's info port: its status page, `/status.json` and `/metrics` with the
 * region server families, all read from the live RegionServer when asked (nothing is pushed).
 */
import { systemClock, type Clock } from '../../common/clock.js';
import { startInfoServer } from '../../common/http/info-server.js';
import type { HttpListener } from '../../common/http/server.js';
import { createMetricsRegistry, registerRegionServerMetrics, RequestMetrics, type Registry, type RegionServerMetricsSnapshot } from '../../common/metrics.js';
import type { BackgroundWorkStats } from '../server/background-work.js';
import type { RegionServer } from '../server/region-server.js';
import { registerBackgroundWorkMetrics, type CompactionThroughputFigures } from './background-metrics.js';
import type { RegionServerPageInput, RegionView } from './status-page.js';
import { renderRegionServerStatusPage } from './status-page.js';

/** HBase's region server info port. */
export const DEFAULT_REGIONSERVER_INFO_PORT = 16030;

export interface RegionServerInfoOptions {
  server: RegionServer;
  host?: string;
  port: number;
  clock?: Clock;
  walDir?: string;
  coord?: string[];
  registry?: Registry;
  /** Figures only the daemon knows (WAL, queues), merged into the page and the metrics. */
  extra?: () => Partial<RegionServerMetricsSnapshot> & CompactionThroughputFigures;
  /** The daemon's flush and compaction totals (RegionServerDaemon.work). */
  work?: BackgroundWorkStats;
}

/** Reads the page's snapshot from a running RegionServer. */
export function regionServerPageInput(server: RegionServer, clock: Clock, options: Pick<RegionServerInfoOptions, 'walDir' | 'coord' | 'extra' | 'work'> = {}): RegionServerPageInput {
  const regions: RegionView[] = server.registry.list().map((r) => {
    const view: RegionView = {
      encodedName: r.info.encodedName,
      table: r.info.table,
      startKey: r.info.startKey,
      endKey: r.info.endKey,
      state: r.state,
      openEpoch: r.openEpoch,
    };
    if (r.state === 'open' && r.port) {
      const load = r.port.load();
      Object.assign(view, {
        memstoreSizeBytes: load.memstoreSizeBytes,
        storeFileCount: load.storeFileCount,
        storeFileSizeBytes: load.storeFileSizeBytes,
        readRequests: load.readRequests,
        writeRequests: load.writeRequests,
        maxSequenceId: load.maxSequenceId,
        maxFlushedSequenceId: load.maxFlushedSequenceId,
      });
    }
    return view;
  });
  const extra = options.extra?.() ?? {};
  const counters = server.dispatcher.counters;
  const input: RegionServerPageInput = {
    serverName: server.serverName,
    startcode: server.startcode,
    nowMs: clock.now(),
    regions,
    readRequests: counters.read,
    writeRequests: counters.write,
    openScanners: server.scanners.size,
    openStreams: Number(server.serverLoad().openStreams ?? 0),
  };
  if (options.walDir) {
    input.wal = { dir: options.walDir };
    if (extra.walSyncsTotal !== undefined) input.wal.syncs = extra.walSyncsTotal;
    if (extra.walBytesTotal !== undefined) input.wal.bytes = extra.walBytesTotal;
    if (extra.walAppendsTotal !== undefined) input.wal.appends = extra.walAppendsTotal;
  }
  if (extra.flushQueueLength !== undefined) input.flushQueueLength = extra.flushQueueLength;
  if (extra.compactionQueueLength !== undefined) input.compactionQueueLength = extra.compactionQueueLength;
  if (extra.throttledCompactions !== undefined) input.throttledCompactions = extra.throttledCompactions;
  if (options.work) {
    input.flushes = Object.fromEntries(options.work.flushes);
    input.compactions = { ...options.work.compactions };
  }
  if (options.coord) input.coord = options.coord;
  return input;
}

export async function startRegionServerInfoServer(options: RegionServerInfoOptions): Promise<{ listener: HttpListener; registry: Registry }> {
  const clock = options.clock ?? systemClock;
  const registry = options.registry ?? createMetricsRegistry();
  const snapshot = (): RegionServerPageInput => regionServerPageInput(options.server, clock, options);
  // Per-operation counts and latency histograms (basalt_regionserver_requests_total, …_request_duration_seconds).
  const requests = new RequestMetrics(registry, 'basalt_regionserver');
  options.server.dispatcher.observer = (operation, seconds, outcome) => requests.observe(operation, seconds, outcome);
  registerRegionServerMetrics(registry, () => {
    const s = snapshot();
    const sum = (f: (r: RegionView) => number | undefined): number => s.regions.reduce((n, r) => n + (f(r) ?? 0), 0);
    return {
      regions: s.regions.filter((r) => r.state === 'open').length,
      memstoreSizeBytes: sum((r) => r.memstoreSizeBytes),
      storeFileSizeBytes: sum((r) => r.storeFileSizeBytes),
      storeFiles: sum((r) => r.storeFileCount),
      scannersOpen: s.openScanners,
      readRequestsTotal: s.readRequests,
      writeRequestsTotal: s.writeRequests,
      ...(options.extra?.() ?? {}),
    };
  });
  registerBackgroundWorkMetrics(registry, options.work, () => options.extra?.() ?? {});
  const listener = await startInfoServer({
    host: options.host,
    port: options.port,
    registry,
    page: () => renderRegionServerStatusPage(snapshot()),
    json: snapshot,
  });
  return { listener, registry };
}
