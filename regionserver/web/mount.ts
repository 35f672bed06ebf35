/**
 * What `basalt regionserver` calls to get its info port (status page, /status.json, /metrics):
 * one call after the daemon started, one close() at shutdown.
 */
import { bindInfoPort, type InfoPortChoice } from '../../common/http/info-port.js';
import type { Logger } from '../../common/logger.js';
import { serverWalDir } from '../wal/root-reader.js';
import type { RegionServerDaemon } from '../server/daemon.js';
import { startRegionServerInfoServer } from './info.js';

export interface MountRegionServerInfoOptions {
  daemon: RegionServerDaemon;
  dataDir: string;
  choice: InfoPortChoice | undefined;
  host?: string;
  coord?: string[];
  log: Logger;
}

export async function mountRegionServerInfo(options: MountRegionServerInfoOptions): Promise<{ address: string; close(): Promise<void> } | undefined> {
  const server = options.daemon.server;
  const started = await bindInfoPort(
    options.choice,
    (port) =>
      startRegionServerInfoServer({
        server,
        host: options.host ?? '127.0.0.1',
        port,
        walDir: serverWalDir(options.dataDir, server.serverName),
        extra: () => options.daemon.metrics(),
        work: options.daemon.work,
        ...(options.coord ? { coord: options.coord } : {}),
      }),
    options.log,
    'regionserver',
  );
  return started && { address: started.listener.address, close: () => started.listener.close() };
}
