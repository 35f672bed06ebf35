/** Registers `basalt bench failover`. */
import type { Command } from 'commander';
import { benchCommand, positiveInt } from '../common/cli-flags.js';

export function register(program: Command): void {
  benchCommand(program)
    .command('failover')
    .description('kill a region server and the active master under write load; print detection, recovery, stall and lost writes (median of rounds)')
    .option('--rounds <n>', 'kill rounds (each: one region server, then the active master)', positiveInt('rounds'), 3)
    .option('--regions <n>', 'regions of the test table', positiveInt('regions'), 24)
    .option('--rows <n>', 'rows preloaded', positiveInt('rows'), 100_000)
    .option('--session-timeout-ms <n>', 'session timeout of masters and region servers', positiveInt('session-timeout-ms'), 3_000)
    .option('--json', 'print one JSON object')
    .action(async (opts: { rounds: number; regions: number; rows: number; sessionTimeoutMs: number; json?: boolean }) => {
      const { renderFailover, runFailoverBench } = await import('./failover.js');
      const report = await runFailoverBench(opts, opts.json ? undefined : (line) => process.stderr.write(`${line}\n`));
      process.stdout.write(opts.json ? JSON.stringify(report) + '\n' : renderFailover(report) + '\n');
    });
}
