/**
 * `basalt regionserver --coord HOST:PORT[,…] --data-dir DIR [--port P]`: one region server.
 * Prints one `ready` line with its address; SIGINT/SIGTERM stop it cleanly (regions flushed, WAL
 * closed, ephemeral node removed); bad flags exit non-zero with a one-line reason.
 */
import type { Command } from 'commander';
import { parsePort } from '../common/cli-flags.js';
import { loadConfig } from '../common/config.js';
import { invalidArgument } from '../common/errors.js';
import { logReady } from '../common/logger.js';
import { parseServers } from '../coord/client/protocol.js';
import { startRegionServerDaemon } from './server/daemon.js';
import { chooseInfoPort } from '../common/http/info-port.js';
import { createLogger } from '../common/logger.js';
import { DEFAULT_REGIONSERVER_INFO_PORT } from './web/info.js';
import { mountRegionServerInfo } from './web/mount.js';

interface Flags {
  coord?: string;
  dataDir?: string;
  port: string;
  host: string;
  config?: string;
  infoPort?: string;
}

async function run(flags: Flags): Promise<void> {
  if (!flags.dataDir) throw invalidArgument('--data-dir', 'required');
  const port = parsePort(flags.port);
  const coord = flags.coord ? parseServers(flags.coord, '--coord') : undefined;
  const config = loadConfig(flags.config);
  const daemon = await startRegionServerDaemon({ dataDir: flags.dataDir, host: flags.host, port, config, ...(coord ? { coord } : {}) });
  // Status page and /metrics (regionserver/web/mount.ts).
  const info = await mountRegionServerInfo({ daemon, dataDir: flags.dataDir, choice: chooseInfoPort(flags.infoPort, port, DEFAULT_REGIONSERVER_INFO_PORT), host: flags.host, ...(coord ? { coord } : {}), log: createLogger('regionserver') }).catch(async (err: unknown) => {
    await daemon.stop();
    throw err;
  });
  void daemon.stopped.then(() => info?.close());
  const onSignal = (): void => void daemon.stop();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  logReady('regionserver', daemon.server.address, { serverName: daemon.server.serverName, coord: flags.coord ?? 'none', ...(info ? { info: info.address } : {}) });
  const { reason, cause } = await daemon.stopped;
  if (reason !== 'stopped') process.stderr.write(`basalt regionserver: ${reason}${cause ? `: ${cause}` : ''}\n`);
  process.exit(reason === 'stopped' ? 0 : 1);
}

export function register(program: Command): void {
  program
    .command('regionserver')
    .description('run a region server (serves regions over gRPC; all servers of a cluster share --data-dir)')
    .option('--coord <list>', 'coordination members HOST:PORT[,HOST:PORT…] (omit: standalone, no registration or fencing)')
    .option('--data-dir <dir>', "the cluster's data root (WAL under wal/, regions under data/)")
    .option('--port <port>', 'port to serve on (0: ephemeral)', '0')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--config <file>', 'JSON config file')
    .option('--info-port <port>', 'status page and /metrics (default 16030; ephemeral with --port 0; -1: off)')
    .action((flags: Flags) => run(flags));
}
