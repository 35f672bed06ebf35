/** Proves `basalt shell` is wired as the contract says: registered on the basalt command line, and with no --coord it reaches the port `basalt start` (what `npm start` runs) listens on. */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { DEFAULT_COORD, register as registerShell } from '../../shell/cli.js';
import { register as registerStandalone } from '../../bin/standalone.js';

describe('basalt shell flags', () => {
  it('defaults --coord to the coordination port of the standalone cluster', () => {
    const program = new Command();
    registerStandalone(program);
    registerShell(program);
    const start = program.commands.find((c) => c.name() === 'start')!;
    const shell = program.commands.find((c) => c.name() === 'shell')!;
    const startPort = start.options.find((o) => o.long === '--port')!.defaultValue as string;
    expect(DEFAULT_COORD).toBe(`127.0.0.1:${startPort}`);
    expect(shell.options.find((o) => o.long === '--coord')!.defaultValue).toBe(DEFAULT_COORD);
    expect(shell.options.map((o) => o.long)).toEqual(expect.arrayContaining(['--execute', '--format', '--continue', '--yes', '--timeout']));
  });

  it('registers basalt bench shell on the shared bench command', () => {
    const program = new Command();
    registerShell(program);
    const bench = program.commands.find((c) => c.name() === 'bench')!;
    expect(bench.commands.map((c) => c.name())).toContain('shell');
  });
});
