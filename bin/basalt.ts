#!/usr/bin/env node
/**
 * The `basalt` command line. Each subcommand lives with its component and registers itself
 * here; this file only wires them together and turns errors into a one-line reason.
 */
import { Command, CommanderError } from 'commander';
import { BasaltError } from '../common/errors.js';

const program = new Command();
program
  .name('basalt')
  .description('Basalt: a wide-column, strongly consistent store with built-in coordination')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

// Subcommand registrations (each component adds its own module below).
const registrations: Array<() => Promise<{ register(program: Command): void }>> = [
  () => import('../coord/cli.js'),
  () => import('../coord/storage/raft-bench.js'),
  () => import('../regionserver/cli-bench.js'),
  () => import('../regionserver/cli.js'),
  () => import('./standalone.js'),
  () => import('../shell/cli.js'),
  () => import('../rest/cli.js'),
  () => import('../master/cli.js'),
  () => import('../bench/ycsb-cli.js'),
  () => import('../bench/failover-cli.js'),
];

async function main(): Promise<void> {
  for (const load of registrations) (await load()).register(program);
  await program.parseAsync(process.argv);
}

main().catch((err: unknown) => {
  if (err instanceof CommanderError) {
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  const reason = err instanceof BasaltError ? `${err.code}: ${err.message}` : String((err as Error)?.message ?? err);
  process.stderr.write(`basalt: ${reason}\n`);
  process.exit(1);
});
