/**
 * Flag parsers shared by every `basalt` subcommand, so that a bad flag reads the same everywhere:
 * INVALID_ARGUMENT naming the flag, which bin/basalt.ts prints as one line and a non-zero exit.
 */
import type { Command } from 'commander';
import { invalidArgument } from './errors.js';

/** An integer in [min, max], or INVALID_ARGUMENT naming `flag`. */
export function parseIntInRange(value: string, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw invalidArgument(flag, `must be an integer in ${min}..${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** A TCP port; 0 asks for an ephemeral one. */
export function parsePort(value: string, flag = '--port'): number {
  return parseIntInRange(value, flag, 0, 65_535);
}

/** A commander option parser for a positive integer flag. */
export function nonNegativeInt(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
      throw invalidArgument(flag, `must be an integer ≥ 0, got ${JSON.stringify(value)}`);
    }
    return n;
  };
}

export function positiveInt(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
      throw invalidArgument(flag, `must be a positive integer, got ${JSON.stringify(value)}`);
    }
    return n;
  };
}

/** The shared `bench` parent command: whoever registers first creates it, the others find it. */
export function benchCommand(program: Command): Command {
  return program.commands.find((c) => c.name() === 'bench') ?? program.command('bench').description('benchmarks that print figures (--json for machines)');
}
