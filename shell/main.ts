#!/usr/bin/env node
/**
 * The shell alone: `node dist/shell/main.js [--coord …] [-e …] [FILE]` is `basalt shell …` without
 * loading every other subcommand first (bin/basalt.ts imports all of them, the coordination and
 * region servers included, before it parses the command line). Same flags, same output.
 */
import { Command, CommanderError } from 'commander';
import { BasaltError } from '../common/errors.js';
import { register } from './cli.js';

const program = new Command().name('basalt').exitOverride().configureOutput({ writeErr: (s) => process.stderr.write(s) });
register(program);

program.parseAsync([process.argv[0]!, 'basalt', 'shell', ...process.argv.slice(2)]).catch((err: unknown) => {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  const reason = err instanceof BasaltError ? `${err.code}: ${err.message}` : String((err as Error)?.message ?? err);
  process.stderr.write(`basalt: ${reason}\n`);
  process.exit(1);
});
