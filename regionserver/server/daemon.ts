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
import { LeaseFence } from './fencing.js';
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
}

export interface RegionServerDaemon {
  server: RegionServer;
  coord: CoordClient | undefined;
  /** Graceful stop; idempotent. */
  stop(): Promise<void>;
  /** Resolves when the daemon stopped (on its own after a session expiry, or through stop()). */
  stopped: Promise<{ reason: 'stopped' | 'session-expired' }>;
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
  let resolveWal!: (wal: SegmentWal) => void;
  let rejectWal!: (err: unknown) => void;
  const walReady = new Promise<SegmentWal>((resolve, reject) => {
    resolveWal = resolve;
    rejectWal = reject;
  });
  walReady.catch(() => undefined);
  let opener: RegionOpener | undefined;
  const lazyOpener: RegionOpener = async (params) => {
    const wal = await walReady;
    opener ??= storageRegionOpener({ dataRoot: options.dataDir, wal, clock, config: rsConfig });
    return opener(params);
  };

  const server = await RegionServer.start({
    host: options.host,
    port: options.port,
    config: rsConfig,
    openRegion: lazyOpener,
    clock,
    ...(fence ? { fence } : {}),
    onStopped: async () => {
      const wal = await walReady.catch(() => undefined);
      await wal?.close();
    },
  });
  try {
    const wal = await SegmentWal.open({
      dir: serverWalDir(options.dataDir, server.serverName),
      replayRoot: options.dataDir,
      maxBatchEntries: rsConfig.walMaxBatchEntries,
    });
    resolveWal(wal);
  } catch (err) {
    rejectWal(err);
    await server.stop().catch(() => undefined);
    await coord?.close().catch(() => undefined);
    throw err;
  }

  let resolveStopped!: (v: { reason: 'stopped' | 'session-expired' }) => void;
  const stopped = new Promise<{ reason: 'stopped' | 'session-expired' }>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<void> | undefined;
  const stop = (reason: 'stopped' | 'session-expired' = 'stopped'): Promise<void> => {
    stopping ??= (async () => {
      await server.stop();
      // Closing the session deletes the ephemeral node at once: the master need not wait it out.
      if (reason === 'stopped') await coord?.close().catch(() => undefined);
      else coord?.abandon();
      resolveStopped({ reason });
    })();
    return stopping;
  };

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

  return { server, coord, stop: () => stop('stopped'), stopped };
}
