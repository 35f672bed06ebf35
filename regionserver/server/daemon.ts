/**
 * The `basalt regionserver` process: binds the server, opens its WAL under
 * `<root>/wal/<serverName>` (replaying other servers' logs from the root when a region moves in),
 * serves regions under `<root>/data/<table>/<region>`, registers an ephemeral node
 * `/basalt/rs/<host:port,startcode>` when a coordination service is given, fences writes by the
 * session lease, and shuts down cleanly on SIGINT/SIGTERM.
 */
import { mkdirSync } from 'node:fs';
import { CoordClient } from '../../coord/client/index.js';
import { systemClock, type Clock } from '../../common/clock.js';
import type { BasaltConfig } from '../../common/config.js';
import { BasaltError, ErrorCodes } from '../../common/errors.js';
import { createLogger } from '../../common/logger.js';
import { serverWalDir } from '../wal/root-reader.js';
import { SegmentWal } from '../wal/segment-wal.js';
import type { WalStats } from '../wal/group-commit.js';
import type { Wal } from '../wal/wal.js';
import { LeaseFence } from './fencing.js';
import { BackgroundWorkStats } from './background-work.js';
import { DEFAULT_HOUSEKEEPING, Housekeeper, type HousekeeperOptions, type WalPressure } from './housekeeper.js';
import { storageRegionOpener } from './region-adapter.js';
import type { RegionOpener } from './region-port.js';
import { RegionServer } from './region-server.js';

export const RS_ZNODE_ROOT = '/basalt/rs';

export interface DaemonOptions {
  dataDir: string;
  host: string;
  port: number;
  config: BasaltConfig;
  /** Coordination members; none = standalone (no registration, no fencing). */
  coord?: string[];
  clock?: Clock;
  /** Opens the server's WAL (tests pass a fault-injecting one); a SegmentWal on disk by default. */
  openWal?: (dir: string, replayRoot: string) => Promise<Wal>;
  /** Overrides of the housekeeper's bounds (server/housekeeper.ts DEFAULT_HOUSEKEEPING). */
  housekeeping?: Partial<Omit<HousekeeperOptions, 'clock' | 'wal'>>;
  /** How often the housekeeper runs (default 1 s). */
  housekeepingPeriodMs?: number;
}

/**
 * Why a daemon stopped: asked to (`stopped`), its coordination session expired (its regions are
 * being reassigned), or it aborted itself because its WAL failed (`cause` says how).
 */
export type DaemonStopReason = 'stopped' | 'session-expired' | 'aborted';

export interface DaemonStopped {
  reason: DaemonStopReason;
  cause?: string;
}

export interface RegionServerDaemon {
  server: RegionServer;
  coord: CoordClient | undefined;
  /** Graceful stop; idempotent. */
  stop(): Promise<void>;
  /** Resolves when the daemon stopped (on its own after a session expiry or an abort, or through stop()). */
  stopped: Promise<DaemonStopped>;
  /**
   * Aborts the server as HBase does after a failed WAL sync: stops serving, closes every region
   * without a flush, closes the coordination session (so the master reassigns its regions at once)
   * and resolves `stopped` with reason `aborted`. Idempotent (the first reason wins).
   */
  abort(cause: unknown): Promise<void>;
  /** WAL totals and housekeeping queues, for the status page and /metrics. */
  metrics(): DaemonMetrics;
  /** Flushes and compactions its regions completed (by reason and kind), for /metrics. */
  work: BackgroundWorkStats;
}

export interface DaemonMetrics {
  walSyncsTotal?: number;
  walBytesTotal?: number;
  walAppendsTotal?: number;
  flushQueueLength?: number;
  compactionQueueLength?: number;
  /** Compactions parked until the server's compaction throughput budget allows more. */
  throttledCompactions?: number;
  /** Bytes compactions wrote, and how often one had to wait for budget. */
  compactionWrittenBytesTotal?: number;
  compactionThrottleWaitsTotal?: number;
}

async function ensurePath(coord: CoordClient, path: string): Promise<void> {
  let prefix = '';
  for (const part of path.split('/').filter(Boolean)) {
    prefix += `/${part}`;
    try {
      await coord.create(prefix, '');
    } catch (err) {
      if (!(err instanceof BasaltError && err.code === ErrorCodes.NODE_EXISTS)) throw err;
    }
  }
}

export async function startRegionServerDaemon(options: DaemonOptions): Promise<RegionServerDaemon> {
  const log = createLogger('regionserver');
  const clock = options.clock ?? systemClock;
  const rsConfig = options.config.regionserver;
  mkdirSync(options.dataDir, { recursive: true });

  // The coordination session comes first: without it the server must not serve at all.
  let coord: CoordClient | undefined;
  let fence: LeaseFence | undefined;
  if (options.coord && options.coord.length > 0) {
    coord = await CoordClient.connect({ servers: options.coord, sessionTimeoutMs: options.config.master.sessionTimeoutMs, clock });
    fence = new LeaseFence(coord, clock, Math.min(1_000, Math.floor(coord.sessionTimeoutMs / 4)));
  }

  // The WAL directory is named after the server, which is known only once the port is bound.
  let resolveWal!: (wal: Wal) => void;
  let rejectWal!: (err: unknown) => void;
  const walReady = new Promise<Wal>((resolve, reject) => {
    resolveWal = resolve;
    rejectWal = reject;
  });
  walReady.catch(() => undefined);
  let opener: RegionOpener | undefined;
  let housekeeper: Housekeeper | undefined;
  let walInstance: Wal | undefined;
  let housekeepingTimer: NodeJS.Timeout | undefined;
  const work = new BackgroundWorkStats();
  const lazyOpener: RegionOpener = async (params) => {
    const wal = await walReady;
    if (!opener) {
      // One housekeeper per server, paced by the server's own loop (server/housekeeper.ts).
      housekeeper = new Housekeeper({
        clock,
        ...DEFAULT_HOUSEKEEPING,
        compactionThroughputBytesPerSecond: rsConfig.compactionThroughputBytesPerSecond,
        compactionThroughputUpperBytesPerSecond: rsConfig.compactionThroughputUpperBytesPerSecond,
        ...options.housekeeping,
        work,
        ...('pressure' in wal ? { wal: wal as unknown as WalPressure } : {}),
      });
      const keeper = housekeeper;
      housekeepingTimer = setInterval(() => void keeper.tick(), options.housekeepingPeriodMs ?? 1_000);
      housekeepingTimer.unref();
      opener = storageRegionOpener({
        dataRoot: options.dataDir,
        wal,
        clock,
        config: rsConfig,
        housekeeper,
        ...(fence ? { fence } : {}),
        onAbort: (cause) => void stop('aborted', cause),
      });
    }
    return opener(params);
  };

  const server = await RegionServer.start({
    host: options.host,
    port: options.port,
    config: rsConfig,
    openRegion: lazyOpener,
    dataRoot: options.dataDir,
    clock,
    ...(fence ? { fence } : {}),
    onStopped: async () => {
      if (housekeepingTimer) clearInterval(housekeepingTimer);
      const wal = await walReady.catch(() => undefined);
      await wal?.close();
    },
  });
  try {
    const walDir = serverWalDir(options.dataDir, server.serverName);
    const wal = options.openWal
      ? await options.openWal(walDir, options.dataDir)
      : await SegmentWal.open({ dir: walDir, replayRoot: options.dataDir, maxBatchEntries: rsConfig.walMaxBatchEntries });
    walInstance = wal;
    resolveWal(wal);
  } catch (err) {
    rejectWal(err);
    await server.stop().catch(() => undefined);
    await coord?.close().catch(() => undefined);
    throw err;
  }

  let resolveStopped!: (v: DaemonStopped) => void;
  const stopped = new Promise<DaemonStopped>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<void> | undefined;
  function stop(reason: DaemonStopReason = 'stopped', cause?: unknown): Promise<void> {
    stopping ??= (async () => {
      if (reason === 'aborted') log.error({ err: cause, server: server.serverName }, 'aborting the region server: its WAL failed');
      // Stopped: regions flush. Expired or aborted: the regions are (about to be) reopened elsewhere
      // from the log, so nothing more is written under the root.
      await server.stop({ abortRegions: reason !== 'stopped' });
      // Closing the session deletes the ephemeral node at once: the master need not wait it out.
      if (reason === 'session-expired') coord?.abandon();
      else await coord?.close().catch(() => undefined);
      const message = cause instanceof Error ? cause.message : cause === undefined ? undefined : String(cause);
      resolveStopped({ reason, ...(message !== undefined ? { cause: message } : {}) });
    })();
    return stopping;
  }

  if (coord) {
    const path = `${RS_ZNODE_ROOT}/${server.serverName}`;
    try {
      await ensurePath(coord, RS_ZNODE_ROOT);
      await coord.create(path, JSON.stringify({ address: server.address, startcode: server.startcode }), { ephemeral: true });
    } catch (err) {
      await stop();
      throw err;
    }
    coord.on('expired', () => {
      // Our regions are being reassigned: stop serving at once (HBase's YouAreDeadException).
      log.error({ server: server.serverName }, 'coordination session expired: shutting down');
      void stop('session-expired');
    });
  }

  const metrics = (): DaemonMetrics => {
    const out: DaemonMetrics = {
      ...(housekeeper?.queues() ?? { flushQueueLength: 0, compactionQueueLength: 0 }),
      throttledCompactions: housekeeper?.throttledCompactions ?? 0,
      compactionWrittenBytesTotal: housekeeper?.compactionThroughput.bytesWritten ?? 0,
      compactionThrottleWaitsTotal: housekeeper?.compactionThroughput.waits ?? 0,
    };
    const stats = walInstance && 'stats' in walInstance ? (walInstance as unknown as { stats(): WalStats }).stats() : undefined;
    if (stats) Object.assign(out, { walSyncsTotal: stats.syncs, walBytesTotal: stats.syncedBytes, walAppendsTotal: stats.appendedEntries });
    return out;
  };
  return { server, coord, stop: () => stop('stopped'), stopped, abort: (cause) => stop('aborted', cause), metrics, work };
}
