/**
 * `basalt shell [--coord HOST:PORT[,…]] [-e 'COMMANDS'] [FILE] [--format json]`: the admin shell.
 * Interactive on a terminal; scripted from -e, a file, or standard input when it is not a
 * terminal, with the same output, stopping with a non-zero status at the first failed command
 * unless --continue. The client and the coordination client are imported on first use, so the
 * prompt is ready before any cluster is reached.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Connection, ConnectOptions } from '../client/api.js';
import { BasaltError, ErrorCodes, invalidArgument } from '../common/errors.js';
import { benchCommand, positiveInt } from '../common/cli-flags.js';
import type { TimestampFormat } from './format.js';
import { ScriptSource, runLoop, type LineSource } from './line-source.js';
import { TerminalProgress } from './progress.js';
import { Session, errorLine } from './session.js';
import { basaltVersion } from './version.js';

/** The standalone cluster `npm start` runs. */
export const DEFAULT_COORD = '127.0.0.1:16100';

interface ShellFlags {
  coord: string;
  execute?: string;
  format: string;
  continue?: boolean;
  yes?: boolean;
  timestampFormat: string;
  timeout: number;
}

async function connectTo(coord: string[], timeoutMs: number): Promise<Connection> {
  const client = (await import('../client/index.js')) as Record<string, unknown>;
  const connect = client.connect as ((options: ConnectOptions) => Promise<Connection>) | undefined;
  if (typeof connect !== 'function') throw new BasaltError(ErrorCodes.UNAVAILABLE, 'this build of Basalt has no client connect() yet');
  return connect({ coord, operationTimeoutMs: timeoutMs });
}

async function dumpCoordination(coord: string[]): Promise<string[]> {
  const [{ CoordClient }, { coordinationDump }] = await Promise.all([import('../coord/client/index.js'), import('./coord-dump.js')]);
  const client = await CoordClient.connect({ servers: coord, sessionTimeoutMs: 10_000, initialConnectTimeoutMs: 10_000 });
  try {
    return await coordinationDump(client, coord);
  } finally {
    await client.close();
  }
}

/** Lines written to stdout erase a progress bar on the same terminal first. */
class ProgressAwareStdout {
  bar: TerminalProgress | undefined;
  write(text: string): void {
    this.bar?.clear();
    process.stdout.write(text);
  }
}

export async function runShell(file: string | undefined, flags: ShellFlags): Promise<number> {
  const coord = flags.coord.split(',').map((s) => s.trim()).filter(Boolean);
  if (coord.length === 0) throw invalidArgument('--coord', 'expected HOST:PORT[,HOST:PORT…]');
  if (flags.format !== 'text' && flags.format !== 'json') throw invalidArgument('--format', `expected text or json, got ${JSON.stringify(flags.format)}`);
  if (flags.timestampFormat !== 'iso' && flags.timestampFormat !== 'epoch') throw invalidArgument('--timestamp-format', `expected iso or epoch, got ${JSON.stringify(flags.timestampFormat)}`);
  if (flags.execute !== undefined && file !== undefined) throw invalidArgument('FILE', 'give either -e COMMANDS or a FILE, not both');

  let script: string | undefined = flags.execute;
  if (file !== undefined) {
    try {
      script = readFileSync(file, 'utf8');
    } catch (err) {
      throw invalidArgument('FILE', `cannot read ${file}: ${(err as Error).message}`);
    }
  }
  const interactive = script === undefined && process.stdin.isTTY === true;
  if (script === undefined && !interactive) script = await readStdin();

  // `basalt shell -e "scan 't'" | head` closes the pipe early: that ends the shell quietly.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const stdout = new ProgressAwareStdout();
  const stderr = { write: (text: string) => void (stdout.bar?.clear(), process.stderr.write(text)) };
  let source: LineSource | undefined;
  const session = new Session({
    connect: () => connectTo(coord, flags.timeout),
    out: stdout,
    err: stderr,
    width: process.stdout.isTTY ? () => process.stdout.columns ?? 0 : 0,
    json: flags.format === 'json',
    timestampFormat: flags.timestampFormat as TimestampFormat,
    continueOnError: flags.continue === true,
    version: basaltVersion(),
    confirm: async (question) => {
      if (flags.yes) {
        stdout.write(`${question} y (--yes)\n`);
        return true;
      }
      // A script run from a terminal asks the person at it; a piped script answers from its next line.
      const answer = !interactive && process.stdin.isTTY ? await askTerminal(question) : await source?.ask(question);
      return answer !== undefined && /^\s*y(es)?\s*$/i.test(answer);
    },
    progress: () => {
      if (!process.stderr.isTTY) return undefined;
      stdout.bar = new TerminalProgress(process.stderr);
      return stdout.bar;
    },
    coordinationDump: () => dumpCoordination(coord),
  });

  try {
    if (interactive) {
      const { InteractiveSource } = await import('./interactive.js');
      process.stdout.write(`Basalt Shell\nUse "help" to get list of supported commands.\nUse "exit" to quit this interactive shell.\nVersion ${basaltVersion()}, Node ${process.version}\n\n`);
      const prompt = new InteractiveSource(session);
      source = prompt;
      const status = await runLoop(session, prompt, { scripted: false, continueOnError: true });
      prompt.close();
      return status;
    }
    source = new ScriptSource(script!, stdout);
    return await runLoop(session, source, { scripted: true, continueOnError: flags.continue === true });
  } finally {
    await session.close().catch(() => undefined);
  }
}

async function askTerminal(question: string): Promise<string> {
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  try {
    return await new Promise<string>((resolve) => rl.question(`${question} `, resolve));
  } finally {
    rl.close();
  }
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (chunk: Buffer) => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

export function register(program: Command): void {
  program
    .command('shell [file]')
    .description('the admin shell (HBase shell syntax): interactive, or scripted from -e, FILE or standard input')
    .option('--coord <list>', 'coordination members HOST:PORT[,HOST:PORT…]', DEFAULT_COORD)
    .option('-e, --execute <commands>', 'run these commands (several separated by ";") and exit')
    .option('--format <format>', 'text (HBase layout) or json (get, scan, list as JSON)', 'text')
    .option('--continue', 'in scripted mode, keep going after a failed command (exit status 0)')
    .option('--yes', 'answer yes to confirmations (disable_all, drop_all)')
    .option('--timestamp-format <format>', 'cell timestamps as iso (local time, as HBase 2) or epoch milliseconds', 'iso')
    .option('--timeout <ms>', 'how long one operation may take, retries included', positiveInt('--timeout'), 30_000)
    .action(async (file: string | undefined, flags: ShellFlags) => {
      let status: number;
      try {
        status = await runShell(file, flags);
      } catch (err) {
        if (err instanceof BasaltError && err.code === ErrorCodes.INVALID_ARGUMENT) throw err; // bad flags: basalt's one-line reason
        process.stderr.write(`${errorLine(err)}\n`);
        status = 1;
      }
      // Open client channels must not keep a finished script alive.
      process.exit(status);
    });

  benchCommand(program)
    .command('shell')
    .description('how soon the shell is ready for input (interactive prompt on a pty, scripted -e), against Node\'s own start-up')
    .option('--runs <n>', 'timed rounds (after one warm-up round)', positiveInt('--runs'), 10)
    .option('--coord <list>', 'also time a scripted `list` against this cluster')
    .option('--json', 'print JSON')
    .action(async (flags: { runs: number; coord?: string; json?: boolean }) => {
      const { runShellBench } = await import('../bench/shell-startup.js');
      await runShellBench({ runs: flags.runs, json: flags.json === true, ...(flags.coord ? { coord: flags.coord } : {}) });
    });
}
