/**
 * `basalt start [--data-dir DIR] [--region-servers N] [--port P]`: a whole cluster in one process,
 * like HBase's standalone mode — a coordination ensemble of one and N region servers sharing one
 * data root (default ./basalt-data). The ready line carries `coord=HOST:PORT` for clients and the
 * shell. The master runs in the same process; the ready line is printed once it is active and the
 * meta region is open, so a client can create tables at once.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../common/config.js';
import { parseIntInRange, parsePort } from '../common/cli-flags.js';
import { createLogger, logReady } from '../common/logger.js';
import { CoordServer } from '../coord/server/coord-server.js';
import { openMemberStorage } from '../coord/server/open-storage.js';
import { Master } from '../master/master.js';
import { startRegionServerDaemon, type RegionServerDaemon } from '../regionserver/server/daemon.js';
import { mountStandaloneWeb, type StandaloneWeb } from '../master/web/standalone.js';

interface StartFlags {
  dataDir: string;
  regionServers: string;
  port: string;
  masterPort?: string;
  infoPort?: string;
  restPort?: string;
  config?: string;
}

/** Most region servers one standalone process runs: they share its event loop. */
const MAX_REGION_SERVERS = 16;

async function start(flags: StartFlags): Promise<void> {
  const count = parseIntInRange(flags.regionServers, '--region-servers', 1, MAX_REGION_SERVERS);
  const port = parsePort(flags.port);
  const config = loadConfig(flags.config);
  const log = createLogger('standalone');

  const coordServer = await CoordServer.listen('127.0.0.1', port);
  const storage = await openMemberStorage(join(flags.dataDir, 'coord'), [1]).catch(async (err: unknown) => {
    await coordServer.close();
    throw err;
  });
  const daemons: RegionServerDaemon[] = [];
  let master: Master | undefined;
  let web: StandaloneWeb | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (code: number): Promise<void> =>
    (stopping ??= (async () => {
      // The master first (no new assignments), then the region servers: they flush and close
      // their WALs while their sessions still live.
      await web?.close();
      await master?.stop().catch(() => undefined);
      await Promise.allSettled(daemons.map((d) => d.stop()));
      await coordServer.close().catch(() => undefined);
      process.exit(code);
    })());
  coordServer.start({ id: 1, peers: new Map([[1, coordServer.address]]), storage, config: config.coord, onFatal: () => void stop(1) });
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    for (let i = 0; i < count; i++) {
      const daemon = await startRegionServerDaemon({ dataDir: flags.dataDir, host: '127.0.0.1', port: 0, config, coord: [coordServer.address] });
      daemons.push(daemon);
      // A region server that stops on its own (its session expired) takes the cluster down loudly.
      void daemon.stopped.then(({ reason }) => {
        if (reason !== 'stopped') {
          log.error({ server: daemon.server.serverName, reason }, 'region server stopped on its own');
          void stop(1);
        }
      });
    }
    master = await Master.start({ coord: [coordServer.address], port: flags.masterPort === undefined ? 0 : parsePort(flags.masterPort, '--master-port'), config });
    void master.stopped.then(({ reason }) => {
      if (reason !== 'stopped') {
        log.error({ reason }, 'the master stopped on its own');
        void stop(1);
      }
    });
    // Ready means usable: the master is active and meta is open.
    await master.activated;
    // Status page, /metrics and the REST gateway (master/web/standalone.ts).
    web = await mountStandaloneWeb({ infoPort: flags.infoPort, restPort: flags.restPort, clusterPort: port, coordAddress: coordServer.address, master, daemons, dataDir: flags.dataDir, log });
  } catch (err) {
    await web?.close();
    await master?.stop().catch(() => undefined);
    await Promise.allSettled(daemons.map((d) => d.stop()));
    await coordServer.close().catch(() => undefined);
    throw err;
  }
  logReady('standalone', coordServer.address, {
    coord: coordServer.address,
    master: master.address,
    regionServers: daemons.map((d) => d.server.address).join(','),
    dataDir: flags.dataDir,
    ...web.readyFields,
  });
  await new Promise<never>(() => undefined);
}

export function register(program: Command): void {
  program
    .command('start')
    .description('run a standalone cluster in one process (coordination + master + N region servers) with data under --data-dir')
    .option('--data-dir <dir>', 'the cluster data root', './basalt-data')
    .option('--region-servers <n>', 'how many region servers', '1')
    .option('--port <port>', 'coordination port for clients (0: ephemeral)', '16100')
    .option('--master-port <port>', 'master admin RPC port (default: ephemeral)')
    .option('--info-port <port>', 'status page and /metrics (default 16010; ephemeral with --port 0; -1: off)')
    .option('--rest-port <port>', 'REST gateway (default 8080; ephemeral with --port 0; -1: off)')
    .option('--config <file>', 'JSON config file')
    .action((flags: StartFlags) => start(flags));
}
