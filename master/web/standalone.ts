/**
 * The web side of `basalt start` (one process running coordination, the master and N region
 * servers): one info port with the master's page, each region server's page at `/rs/<n>`, and one
 * `/metrics` carrying the master, region server (summed over the process's servers) and
 * coordination families; plus the REST gateway on its own port, as HBase's standalone mode offers
 * its UI and REST. bin/standalone.ts calls `mountStandaloneWeb` once and `close()` at shutdown.
 */
import type { Connection } from '../../client/api.js';
import { connect } from '../../client/connection.js';
import { systemClock } from '../../common/clock.js';
import { bindInfoPort, chooseInfoPort } from '../../common/http/info-port.js';
import type { Logger } from '../../common/logger.js';
import { createMetricsRegistry, registerCoordMetrics, registerRegionServerMetrics } from '../../common/metrics.js';
import { fetchMemberStatus } from '../../coord/client/status.js';
import { BackgroundWorkStats } from '../../regionserver/server/background-work.js';
import type { DaemonMetrics, RegionServerDaemon } from '../../regionserver/server/daemon.js';
import { registerBackgroundWorkMetrics } from '../../regionserver/web/background-metrics.js';
import { regionServerPageInput } from '../../regionserver/web/info.js';
import { renderRegionServerStatusPage } from '../../regionserver/web/status-page.js';
import { serverWalDir } from '../../regionserver/wal/root-reader.js';
import { packageVersion } from '../../rest/cli.js';
import { startRestServer } from '../../rest/server.js';
import { DEFAULT_MASTER_INFO_PORT } from './info.js';
import { mountMasterInfo } from './mount.js';

/** HBase REST's default port. */
export const DEFAULT_REST_PORT = 8080;

export interface StandaloneWebOptions {
  /** `--info-port` as given (undefined: the default), `--rest-port` likewise; -1 turns either off. */
  infoPort?: string;
  restPort?: string;
  /** The cluster's client port (0 makes the default web ports ephemeral too). */
  clusterPort: number;
  coordAddress: string;
  master: { serverName: string; isActive: boolean };
  daemons: RegionServerDaemon[];
  dataDir: string;
  log: Logger;
}

export interface StandaloneWeb {
  /** `info=HOST:PORT rest=HOST:PORT` for the ready line (only what is serving). */
  readyFields: Record<string, string>;
  close(): Promise<void>;
}

/** The daemons' WAL totals and housekeeping figures, summed over the process's region servers. */
function summedDaemonMetrics(daemons: RegionServerDaemon[]): DaemonMetrics {
  const sum: Required<DaemonMetrics> = { walSyncsTotal: 0, walBytesTotal: 0, walAppendsTotal: 0, flushQueueLength: 0, compactionQueueLength: 0, throttledCompactions: 0, compactionWrittenBytesTotal: 0, compactionThrottleWaitsTotal: 0 };
  for (const d of daemons) {
    const m = d.metrics();
    for (const key of Object.keys(sum) as Array<keyof DaemonMetrics>) sum[key] += m[key] ?? 0;
  }
  return sum;
}

export async function mountStandaloneWeb(options: StandaloneWebOptions): Promise<StandaloneWeb> {
  const clock = systemClock;
  const coord = [options.coordAddress];
  const registry = createMetricsRegistry();
  const inputs = () =>
    options.daemons.map((d) => regionServerPageInput(d.server, clock, { walDir: serverWalDir(options.dataDir, d.server.serverName), coord }));
  registerRegionServerMetrics(registry, () => {
    let regions = 0;
    let memstore = 0;
    let storeSize = 0;
    let storeFiles = 0;
    let scanners = 0;
    let reads = 0;
    let writes = 0;
    for (const s of inputs()) {
      regions += s.regions.filter((r) => r.state === 'open').length;
      for (const r of s.regions) {
        memstore += r.memstoreSizeBytes ?? 0;
        storeSize += r.storeFileSizeBytes ?? 0;
        storeFiles += r.storeFileCount ?? 0;
      }
      scanners += s.openScanners;
      reads += s.readRequests;
      writes += s.writeRequests;
    }
    return { regions, memstoreSizeBytes: memstore, storeFileSizeBytes: storeSize, storeFiles, scannersOpen: scanners, readRequestsTotal: reads, writeRequestsTotal: writes, ...summedDaemonMetrics(options.daemons) };
  });
  // Flushes and compactions of every region server in the process, told to one combined total
  // as each completes (so the duration histograms see them too).
  const work = new BackgroundWorkStats();
  const closeObservers: Array<() => void> = [];
  for (const d of options.daemons) {
    closeObservers.push(d.work.observe((done) => (done.kind === 'flush' ? work.flushed(done.reason, done.seconds) : work.compacted(done.compaction, done.seconds))));
  }
  registerBackgroundWorkMetrics(registry, work, () => summedDaemonMetrics(options.daemons));
  registerCoordMetrics(registry, async () => {
    const s = await fetchMemberStatus(options.coordAddress, 2_000).catch(() => undefined);
    return s ? { term: s.term, commitIndex: s.commitIndex, appliedIndex: s.appliedIndex, isLeader: s.role === 'leader', sessions: s.sessions, watches: s.watches, znodes: s.znodes, proposalsTotal: s.proposalsTotal } : {};
  });
  const pages: Record<string, () => string> = {};
  options.daemons.forEach((d, i) => {
    pages[`/rs/${i}`] = () => renderRegionServerStatusPage(regionServerPageInput(d.server, clock, { walDir: serverWalDir(options.dataDir, d.server.serverName), coord }));
  });
  const serverLinks = () => Object.fromEntries(options.daemons.map((d, i) => [d.server.serverName, `/rs/${i}`]));

  const readyFields: Record<string, string> = {};
  const closers: Array<() => Promise<void>> = [];
  closers.push(async () => {
    for (const stop of closeObservers) stop();
  });
  try {
    const info = await mountMasterInfo({
      coord,
      choice: chooseInfoPort(options.infoPort, options.clusterPort, DEFAULT_MASTER_INFO_PORT),
      master: options.master,
      log: options.log,
      registry,
      pages,
      serverLinks,
    });
    if (info) {
      readyFields['info'] = info.address;
      closers.push(() => info.close());
    }
    let connection: Connection | undefined;
    const rest = await bindInfoPort(
      chooseInfoPort(options.restPort, options.clusterPort, DEFAULT_REST_PORT, '--rest-port'),
      async (port) => {
        connection ??= await connect({ coord });
        return startRestServer({ connection, port, version: packageVersion() });
      },
      options.log,
      'rest gateway',
    );
    if (rest) {
      readyFields['rest'] = rest.address;
      closers.push(async () => {
        await rest.close();
        await connection?.close().catch(() => undefined);
      });
    } else {
      await connection?.close().catch(() => undefined);
    }
  } catch (err) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw err;
  }
  return {
    readyFields,
    close: async () => {
      for (const close of closers.reverse()) await close().catch(() => undefined);
    },
  };
}
