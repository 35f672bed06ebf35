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

// Subcommand registrations: each component registers its own commands. `commands` names the
// top-level commands a module adds, so that `basalt shell` (say) loads only the shell's module —
// loading every component first made the shell's prompt take seconds. Help, an unknown command and
// `bench` (whose subcommands come from many modules) load them all.
const registrations: Array<{ commands: string[]; load: () => Promise<{ register(program: Command): void }> }> = [
  { commands: ['coord'], load: () => import('../coord/cli.js') },
  { commands: ['bench'], load: () => import('../bench/coord.js') },
  { commands: ['bench'], load: () => import('../bench/raft-log.js') },
  { commands: ['bench'], load: () => import('../bench/storage-cli.js') },
  { commands: ['regionserver'], load: () => import('../regionserver/cli.js') },
  { commands: ['start'], load: () => import('./standalone.js') },
  { commands: ['shell', 'bench'], load: () => import('../shell/cli.js') },
  { commands: ['rest'], load: () => import('../rest/cli.js') },
  { commands: ['bench'], load: () => import('../bench/rest.js') },
  { commands: ['master'], load: () => import('../master/cli.js') },
  { commands: ['bench'], load: () => import('../bench/ycsb-cli.js') },
  { commands: ['bench'], load: () => import('../bench/failover-cli.js') },
  { commands: ['bench'], load: () => import('../bench/coord-soak-cli.js') },
];

async function main(): Promise<void> {
  const command = process.argv[2];
  const known = registrations.some((r) => command !== undefined && r.commands.includes(command));
  for (const r of registrations) {
    if (!known || r.commands.includes(command!)) (await r.load()).register(program);
  }
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
