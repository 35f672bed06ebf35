/**
 * `basalt bench shell [--runs N] [--coord HOST:PORT] [--json]`: how soon the shell is ready for
 * input. It times, in alternating rounds so that machine load hits every variant alike:
 *  - the floor: Node starting and printing one line (on a pseudo-terminal, like the prompt);
 *  - the interactive prompt of `basalt shell` and of the shell-only entry (dist/shell/main.js),
 *    from spawn to the first `basalt:001:0> ` on a pseudo-terminal (util-linux `script`);
 *  - a scripted `-e version` from spawn to exit;
 *  - with --coord, a scripted `-e list` against that cluster (connect + one admin call).
 * HBase's JRuby shell takes seconds to its prompt; the figure to beat here is "well under a second".
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ShellBenchOptions {
  runs: number;
  coord?: string;
  json: boolean;
}

const here = dirname(fileURLToPath(import.meta.url));
/** dist/bench → dist/bin/basalt.js and dist/shell/main.js. */
const BASALT = join(here, '..', 'bin', 'basalt.js');
const SHELL_MAIN = join(here, '..', 'shell', 'main.js');

function quote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Milliseconds from spawn until `marker` appears on the output (or until exit without one); resolves once the child has exited, so runs never overlap. */
function timeUntil(command: string, args: string[], marker: string | undefined, input?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env: { ...process.env, BASALT_LOG_LEVEL: 'warn', BASALT_HISTORY: '/dev/null' } });
    let output = '';
    let seenMs: number | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no ${marker ?? 'exit'} from ${command} ${args.join(' ')} within 30 s: ${output.slice(-500)}`));
    }, 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (marker !== undefined && seenMs === undefined && output.includes(marker)) {
        seenMs = performance.now() - started;
        child.stdin.end(input ?? '');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      const ms = marker === undefined ? performance.now() - started : seenMs;
      if (ms !== undefined && (marker !== undefined || code === 0)) resolve(ms);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code} without ${marker ?? 'success'}: ${output.slice(-500)}`));
    });
    if (marker === undefined) child.stdin.end();
  });
}

function onPty(commandLine: string): [string, string[]] {
  return ['script', ['-q', '-e', '-c', commandLine, '/dev/null']];
}

interface Variant {
  name: string;
  run(): Promise<number>;
}

function variants(options: ShellBenchOptions): Variant[] {
  const node = quote(process.execPath);
  const list: Variant[] = [
    { name: 'floor: node prints a line on a pty', run: () => timeUntil(...onPty(`${node} -e 'console.log("rea"+"dy")'`), 'ready') },
    { name: 'basalt shell: interactive prompt', run: () => timeUntil(...onPty(`${node} ${quote(BASALT)} shell`), 'basalt:001:0> ', 'exit\r') },
    { name: 'shell/main.js: interactive prompt', run: () => timeUntil(...onPty(`${node} ${quote(SHELL_MAIN)}`), 'basalt:001:0> ', 'exit\r') },
    { name: 'floor: node -e "" to exit', run: () => timeUntil(process.execPath, ['-e', ''], undefined) },
    { name: "basalt shell -e 'version' to exit", run: () => timeUntil(process.execPath, [BASALT, 'shell', '-e', 'version'], undefined) },
    { name: "shell/main.js -e 'version' to exit", run: () => timeUntil(process.execPath, [SHELL_MAIN, '-e', 'version'], undefined) },
  ];
  if (options.coord) {
    list.push({ name: "shell/main.js -e 'list' (cluster) to exit", run: () => timeUntil(process.execPath, [SHELL_MAIN, '--coord', options.coord!, '-e', 'list'], undefined) });
  }
  return list;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function runShellBench(options: ShellBenchOptions): Promise<void> {
  const all = variants(options);
  const samples = new Map<string, number[]>(all.map((v) => [v.name, []]));
  // One warm-up round (file cache), then alternating rounds.
  for (const variant of all) await variant.run();
  for (let round = 0; round < options.runs; round++) {
    for (const variant of all) samples.get(variant.name)!.push(await variant.run());
  }
  const rows = all.map((v) => {
    const sorted = [...samples.get(v.name)!].sort((a, b) => a - b);
    return { name: v.name, runs: sorted.length, p50Ms: Math.round(percentile(sorted, 50)), p90Ms: Math.round(percentile(sorted, 90)), minMs: Math.round(sorted[0]!) };
  });
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ bench: 'shell-startup', node: process.version, results: rows })}\n`);
    return;
  }
  const width = Math.max(...rows.map((r) => r.name.length));
  process.stdout.write(`${'variant'.padEnd(width)}  runs   p50 ms   p90 ms   min ms\n`);
  for (const r of rows) process.stdout.write(`${r.name.padEnd(width)}  ${String(r.runs).padStart(4)}  ${String(r.p50Ms).padStart(7)}  ${String(r.p90Ms).padStart(7)}  ${String(r.minMs).padStart(7)}\n`);
}
