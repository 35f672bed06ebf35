/**
 * Registers `basalt bench storage`. The `bench` parent command is shared with other benchmarks:
 * whoever registers first creates it, the others find it by name.
 */
import type { Command } from 'commander';
import { benchCommand, nonNegativeInt, positiveInt } from '../common/cli-flags.js';


export function register(program: Command): void {
  benchCommand(program)
    .command('storage')
    .description('one region in process vs raw LMDB: durable load, random get, 100-row scan (YCSB record shape)')
    .option('--records <n>', 'rows to load (10 columns × 100 bytes each)', positiveInt('records'), 50_000)
    .option('--gets <n>', 'random whole-row gets (default min(records, 20000))', positiveInt('gets'))
    .option('--scans <n>', '100-row scans (default min(records/50, 2000))', positiveInt('scans'))
    .option('--batch-rows <n>', 'rows per durable load batch', positiveInt('batch-rows'), 100)
    .option('--concurrency <n>', 'load batches in flight', positiveInt('concurrency'), 4)
    .option('--warmup-records <n>', 'rows each system loads into a scratch store before measuring (default min(records/5, 10000); 0: none)', nonNegativeInt('warmup-records'))
    .option('--seed <n>', 'seed of the data and the random keys', positiveInt('seed'), 42)
    .option('--runs <n>', 'runs per system, interleaved; the best of each is shown, ratios also per run with their median', positiveInt('runs'), 3)
    .option('--dir <path>', 'where to put the data (default: a temp dir, removed afterwards)')
    .option('--no-grpc', 'skip the basalt-grpc (region server in a child process) and grpc-echo rows')
    .option('--json', 'print one JSON object {"results":[…],"ratios":{…}}')
    .action(async (opts: { records: number; gets?: number; scans?: number; warmupRecords?: number; batchRows: number; concurrency: number; seed: number; runs: number; dir?: string; grpc: boolean; json?: boolean }) => {
      // Loaded on use: the CLI's other commands should not pay for LMDB and the region code.
      const { renderBenchTable, runStorageBench } = await import('./storage/storage-bench.js');
      const { GRPC_STORAGE_SYSTEMS, grpcRatios, grpcRatiosPerRun } = await import('./storage/grpc-workload.js');
      const { rows, runs } = await runStorageBench({
        records: opts.records,
        gets: opts.gets,
        scans: opts.scans,
        batchRows: opts.batchRows,
        warmupRecords: opts.warmupRecords,
        concurrency: opts.concurrency,
        seed: opts.seed,
        runs: opts.runs,
        dir: opts.dir,
        ...(opts.grpc ? { extraSystems: GRPC_STORAGE_SYSTEMS } : {}),
      });
      const ratios = grpcRatios(rows);
      const perRun = grpcRatiosPerRun(runs);
      if (opts.json) {
        process.stdout.write(JSON.stringify({ results: rows, ratios, perRun }) + '\n');
        return;
      }
      const pct = (x: number | undefined): string => (x === undefined ? 'n/a' : `${(x * 100).toFixed(0)} %`);
      process.stdout.write(`basalt bench storage: ${opts.records} records, best of ${opts.runs} interleaved runs\n${renderBenchTable(rows)}\n`);
      if (opts.grpc) {
        process.stdout.write(
          `load through gRPC vs in process: ${pct(ratios.loadGrpcVsInProcess)} (target ≥ 70 %); ` +
            `gets vs bare echo: ${pct(ratios.getGrpcVsEcho)} (target ≥ 50 %); scans vs in process: ${pct(ratios.scanGrpcVsInProcess)} (best runs)\n`,
        );
        const spread = (name: string): string => {
          const r = perRun[name];
          return r ? `median ${pct(r.median)} (runs ${r.runs.map((x) => pct(x)).join(', ')})` : 'n/a';
        };
        process.stdout.write(
          `within each run: load through gRPC vs in process ${spread('loadGrpcVsInProcess')} (target ≥ 70 %); ` +
            `gets vs bare echo ${spread('getGrpcVsEcho')}; scans vs in process ${spread('scanGrpcVsInProcess')}\n`,
        );
      }
    });
}
