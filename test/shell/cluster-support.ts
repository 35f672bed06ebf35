/** A real standalone cluster child process and a runner for the built `basalt shell`, for the end-to-end shell tests. */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { defaultCliPath, spawnUntil } from '../../coord/server/process-ensemble.js';

export const cli = defaultCliPath();
/** The shell-only entry next to the CLI (dist/shell/main.js): the same `shell` command without loading every other subcommand, so each run starts several times faster on a loaded machine. */
export const shellMain = join(dirname(cli), '..', 'shell', 'main.js');

export interface StandaloneCluster {
  coord: string;
  child: ChildProcess;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startStandalone(): Promise<StandaloneCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'basalt-shell-'));
  const { child, line } = await spawnUntil([cli, 'start', '--data-dir', dataDir, '--port', '0'], ' ready ', { timeoutMs: 60_000 });
  const coord = /coord=(\S+)/.exec(line)?.[1];
  if (!coord) throw new Error(`no coord= in ${line}`);
  return {
    coord,
    child,
    dataDir,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ShellRun {
  stdout: string;
  stderr: string;
  code: number;
}

/**
 * Runs `basalt shell ARGS` (entry 'basalt') or `node dist/shell/main.js ARGS` (entry 'main') with
 * TZ=UTC, optionally feeding `input` on standard input.
 */
export function runShell(args: string[], input?: string, env: NodeJS.ProcessEnv = {}, entry: 'basalt' | 'main' = 'main'): Promise<ShellRun> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      entry === 'basalt' ? [cli, 'shell', ...args] : [shellMain, ...args],
      { env: { ...process.env, TZ: 'UTC', BASALT_LOG_LEVEL: 'warn', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 }),
    );
    if (input !== undefined) child.stdin!.end(input);
    else child.stdin!.end();
  });
}

/** Replaces what changes from run to run: Took figures and cell timestamps. */
export function mask(text: string): string {
  return text.replace(/Took \d+\.\d{4} seconds/g, 'Took T seconds').replace(/timestamp=[0-9T:.-]+,/g, 'timestamp=TS,');
}
