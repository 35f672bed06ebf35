/**
 * `basalt regionserver --coord HOST:PORT[,…] --data-dir DIR [--port P]`: one region server.
 * Prints one `ready` line with its address; SIGINT/SIGTERM stop it cleanly (regions flushed, WAL
 * closed, ephemeral node removed); bad flags exit non-zero with a one-line reason.
 */
import type { Command } from 'commander';
import { loadConfig } from '../common/config.js';
import { invalidArgument } from '../common/errors.js';
import { logReady } from '../common/logger.js';
import { parseServers } from '../coord/client/protocol.js';
import { startRegionServerDaemon } from './server/daemon.js';
import { benchCommand } from './cli-bench.js';

interface Flags {
  coord?: string;
  dataDir?: string;
  port: string;
  host: string;
  config?: string;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) throw invalidArgument('--port', `must be an integer in 0..65535, got ${JSON.stringify(value)}`);
  return port;
}

async function run(flags: Flags): Promise<void> {
  if (!flags.dataDir) throw invalidArgument('--data-dir', 'required');
  const port = parsePort(flags.port);
  const coord = flags.coord ? parseServers(flags.coord, '--coord') : undefined;
  const config = loadConfig(flags.config);
  const daemon = await startRegionServerDaemon({ dataDir: flags.dataDir, host: flags.host, port, config, ...(coord ? { coord } : {}) });
  const onSignal = (): void => void daemon.stop();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  logReady('regionserver', daemon.server.address, { serverName: daemon.server.serverName, coord: flags.coord ?? 'none' });
  const { reason } = await daemon.stopped;
  process.exit(reason === 'stopped' ? 0 : 1);
}

function positiveInt(field: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 1) throw invalidArgument(field, `must be a positive integer, got ${JSON.stringify(value)}`);
    return n;
  };
}

interface BenchFlags {
  records: number;
  gets?: number;
  scans?: number;
  batchRows: number;
  concurrency: number;
  seed: number;
  runs: number;
  json?: boolean;
}

/**
 * `basalt bench grpc`: `basalt bench storage`'s table (raw LMDB, the region in process) plus the
 * data plane's rows, basalt-grpc and grpc-echo, and the ratios the data plane aims at.
 */
function registerBench(program: Command): void {
  benchCommand(program)
    .command('grpc')
    .description('the storage benchmark plus basalt-grpc (a region server in a child process) and grpc-echo (the bare transport)')
    .option('--records <n>', 'rows to load (10 columns × 100 bytes each)', positiveInt('records'), 50_000)
    .option('--gets <n>', 'random whole-row gets (default min(records, 20000))', positiveInt('gets'))
    .option('--scans <n>', '100-row scans (default min(records/50, 2000))', positiveInt('scans'))
    .option('--batch-rows <n>', 'rows per load batch (one Multi call through gRPC)', positiveInt('batch-rows'), 100)
    .option('--concurrency <n>', 'load batches in flight', positiveInt('concurrency'), 4)
    .option('--seed <n>', 'seed of the data and the random keys', positiveInt('seed'), 42)
    .option('--runs <n>', 'runs per system, interleaved; the best of each is shown', positiveInt('runs'), 2)
    .option('--json', 'print one JSON object {"results":[…],"ratios":{…}}')
    .action(async (opts: BenchFlags) => {
      const { renderBenchTable, runStorageBench } = await import('./bench/storage-bench.js');
      const { GRPC_STORAGE_SYSTEMS, grpcRatios } = await import('./bench/grpc-workload.js');
      const rows = await runStorageBench({
        records: opts.records,
        gets: opts.gets,
        scans: opts.scans,
        batchRows: opts.batchRows,
        concurrency: opts.concurrency,
        seed: opts.seed,
        runs: opts.runs,
        extraSystems: GRPC_STORAGE_SYSTEMS,
      });
      const ratios = grpcRatios(rows);
      if (opts.json) {
        process.stdout.write(JSON.stringify({ results: rows, ratios }) + '\n');
        return;
      }
      const pct = (x: number | undefined): string => (x === undefined ? 'n/a' : `${(x * 100).toFixed(0)} %`);
      process.stdout.write(`basalt bench grpc: ${opts.records} records, best of ${opts.runs} interleaved runs\n${renderBenchTable(rows)}\n`);
      process.stdout.write(
        `load through gRPC vs in process: ${pct(ratios.loadGrpcVsInProcess)} (target ≥ 50 %); ` +
          `gets vs bare echo: ${pct(ratios.getGrpcVsEcho)} (target ≥ 50 %); scans vs in process: ${pct(ratios.scanGrpcVsInProcess)}\n`,
      );
    });
}

export function register(program: Command): void {
  registerBench(program);
  program
    .command('regionserver')
    .description('run a region server (serves regions over gRPC; all servers of a cluster share --data-dir)')
    .option('--coord <list>', 'coordination members HOST:PORT[,HOST:PORT…] (omit: standalone, no registration or fencing)')
    .option('--data-dir <dir>', "the cluster's data root (WAL under wal/, regions under data/)")
    .option('--port <port>', 'port to serve on (0: ephemeral)', '0')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--config <file>', 'JSON config file')
    .action((flags: Flags) => run(flags));
}
