/** Registers `basalt bench coord-soak`. */
import type { Command } from 'commander';
import { benchCommand, positiveInt } from '../common/cli-flags.js';

export function register(program: Command): void {
  benchCommand(program)
    .command('coord-soak')
    .description('3 coordination members under write load with every core kept busy: print leader changes (goal: none), terms and write latency')
    .option('--duration-s <n>', 'how long to run', positiveInt('duration-s'), 600)
    .option('--busy <n>', 'spinning processes (default: one per core)', positiveInt('busy'))
    .option('--json', 'print one JSON object')
    .action(async (opts: { durationS: number; busy?: number; json?: boolean }) => {
      const { renderSoak, runCoordSoak } = await import('./coord-soak.js');
      const report = await runCoordSoak({ durationS: opts.durationS, ...(opts.busy ? { busy: opts.busy } : {}) }, opts.json ? undefined : (line) => process.stderr.write(`${line}\n`));
      process.stdout.write(opts.json ? JSON.stringify(report) + '\n' : renderSoak(report) + '\n');
    });
}
