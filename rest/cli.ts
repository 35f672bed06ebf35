/**
 * `basalt rest --coord HOST:PORT[,…] [--host H] [--port P]`: the HBase-compatible REST gateway
 * (default port 8080, as HBase's). Connects to the cluster through the public client, serves
 * until SIGINT/SIGTERM, and prints one `ready` line with its address.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { connect } from '../client/connection.js';
import { parsePort, positiveInt } from '../common/cli-flags.js';
import { createLogger, logReady } from '../common/logger.js';
import { DEFAULT_REST_LIMITS } from './context.js';
import { startRestServer } from './server.js';

interface RestFlags {
  coord: string;
  host: string;
  port: string;
  maxScanners?: number;
  scannerTimeoutMs?: number;
  maxBodyBytes?: number;
  maxCells?: number;
}

/** The package version, found from dist/rest (built) or rest/ (sources). */
export function packageVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    const url = new URL(rel, import.meta.url);
    if (existsSync(url)) {
      const pkg = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'basalt' && pkg.version) return pkg.version;
    }
  }
  return '0.0.0';
}

async function run(flags: RestFlags): Promise<void> {
  const port = parsePort(flags.port);
  const log = createLogger('rest');
  const connection = await connect({ coord: flags.coord });
  const server = await startRestServer({
    connection,
    host: flags.host,
    port,
    version: packageVersion(),
    limits: {
      ...(flags.maxScanners ? { maxScanners: flags.maxScanners } : {}),
      ...(flags.scannerTimeoutMs ? { scannerIdleTimeoutMs: flags.scannerTimeoutMs } : {}),
      ...(flags.maxBodyBytes ? { maxBodyBytes: flags.maxBodyBytes } : {}),
      ...(flags.maxCells ? { maxCellsPerResponse: flags.maxCells } : {}),
    },
  }).catch(async (err: unknown) => {
    await connection.close().catch(() => undefined);
    throw err;
  });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      await server.close().catch((err: unknown) => log.warn({ err }, 'closing the HTTP server failed'));
      await connection.close().catch(() => undefined);
      process.exit(0);
    })();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  logReady('rest', server.address, { coord: flags.coord });
  await new Promise<never>(() => undefined);
}

export function register(program: Command): void {
  program
    .command('rest')
    .description('run the HBase-compatible REST gateway (JSON)')
    .option('--coord <servers>', 'coordination members host:port[,host:port…]', '127.0.0.1:16100')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'HTTP port (0: ephemeral)', '8080')
    .option('--max-scanners <n>', `most stateful scanners open at once (default ${DEFAULT_REST_LIMITS.maxScanners})`, positiveInt('--max-scanners'))
    .option('--scanner-timeout-ms <ms>', `close scanners idle this long (default ${DEFAULT_REST_LIMITS.scannerIdleTimeoutMs})`, positiveInt('--scanner-timeout-ms'))
    .option('--max-body-bytes <n>', `largest request body (default ${DEFAULT_REST_LIMITS.maxBodyBytes})`, positiveInt('--max-body-bytes'))
    .option('--max-cells <n>', `most cells in one response (default ${DEFAULT_REST_LIMITS.maxCellsPerResponse})`, positiveInt('--max-cells'))
    .action((flags: RestFlags) => run(flags));
}
