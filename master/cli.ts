/**
 * `basalt master --coord HOST:PORT[,…] [--port P]`: one master, active or standby. Logs one line
 * with `ready` and its address once it serves (as a backup or active); exits non-zero with a
 * one-line reason if it loses its coordination session.
 */
import type { Command } from 'commander';
import { parsePort } from '../common/cli-flags.js';
import { loadConfig } from '../common/config.js';
import { invalidArgument } from '../common/errors.js';
import { logReady } from '../common/logger.js';
import { Master } from './master.js';
import { chooseInfoPort } from '../common/http/info-port.js';
import { createLogger } from '../common/logger.js';
import { DEFAULT_MASTER_INFO_PORT } from './web/info.js';
import { mountMasterInfo } from './web/mount.js';

interface MasterFlags {
  coord: string;
  port: string;
  host: string;
  config?: string;
  infoPort?: string;
}

export function parseServers(value: string, flag = '--coord'): string[] {
  const servers = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (servers.length === 0) throw invalidArgument(flag, 'give at least one HOST:PORT');
  for (const s of servers) {
    if (!/^[^:\s]+:\d{1,5}$/.test(s)) throw invalidArgument(flag, `'${s}' is not HOST:PORT`);
  }
  return servers;
}

async function run(flags: MasterFlags): Promise<void> {
  const coord = parseServers(flags.coord);
  const port = parsePort(flags.port);
  const config = loadConfig(flags.config);
  const master = await Master.start({ coord, port, host: flags.host, config });
  // Status page and /metrics (master/web/mount.ts).
  const info = await mountMasterInfo({ coord, choice: chooseInfoPort(flags.infoPort, port, DEFAULT_MASTER_INFO_PORT), host: flags.host, master, log: createLogger('master') }).catch(async (err: unknown) => {
    await master.stop();
    throw err;
  });
  const stop = (): void =>
    void (async () => {
      await info?.close().catch(() => undefined);
      await master.stop();
    })();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  logReady('master', master.address, { serverName: master.serverName, ...(info ? { info: info.address } : {}) });
  void master.activated.then(() => process.stdout.write(`basalt master active address=${master.address}\n`));
  const { reason } = await master.stopped;
  if (reason !== 'stopped') {
    process.stderr.write(`basalt master: ${reason}\n`);
    process.exit(1);
  }
  process.exit(0);
}

export function register(program: Command): void {
  program
    .command('master')
    .description('run a master (active or standby) of a distributed cluster')
    .requiredOption('--coord <servers>', 'coordination members, HOST:PORT[,HOST:PORT…]')
    .option('--port <port>', 'admin RPC port (0: ephemeral)', '16000')
    .option('--host <host>', 'bind address', '127.0.0.1')
    .option('--config <file>', 'JSON config file')
    .option('--info-port <port>', 'status page and /metrics (default 16010; ephemeral with --port 0; -1: off)')
    .action((flags: MasterFlags) => run(flags));
}
