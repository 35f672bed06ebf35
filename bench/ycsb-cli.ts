/** Registers `basalt bench ycsb`. */
import type { Command } from 'commander';
import { benchCommand, positiveInt } from '../common/cli-flags.js';
import { invalidArgument } from '../common/errors.js';

export function register(program: Command): void {
  benchCommand(program)
    .command('ycsb')
    .description("YCSB's core workloads A–F through connect(), with direct-to-server reads as the baseline in the same run")
    .option('--workload <w>', 'a | b | c | d | e | f', 'c')
    .option('--records <n>', 'records loaded first (10 fields × 100 B)', positiveInt('records'), 10_000)
    .option('--operations <n>', 'operations in the run phase', positiveInt('operations'), 20_000)
    .option('--threads <n>', 'concurrent client loops', positiveInt('threads'), 16)
    .option('--seed <n>', 'seed of the data and the request stream', positiveInt('seed'), 42)
    .option('--coord <servers>', 'an existing cluster (default: start `basalt start --region-servers 3` in a child process)')
    .option('--json', 'print one JSON object')
    .action(async (opts: { workload: string; records: number; operations: number; threads: number; seed: number; coord?: string; json?: boolean }) => {
      const workload = opts.workload.toLowerCase();
      if (!['a', 'b', 'c', 'd', 'e', 'f'].includes(workload)) throw invalidArgument('--workload', `'${opts.workload}' is not one of a, b, c, d, e, f`);
      const { renderYcsb, runYcsb } = await import('./ycsb.js');
      const report = await runYcsb({ workload: workload as 'a', records: opts.records, operations: opts.operations, threads: opts.threads, seed: opts.seed, ...(opts.coord ? { coord: opts.coord } : {}) });
      process.stdout.write(opts.json ? JSON.stringify(report) + '\n' : renderYcsb(report) + '\n');
    });
}
