/** Spawns `basalt regionserver` child processes from dist/ and always cleans them up. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../dist/bin/basalt.js', import.meta.url));

export interface Child {
  proc: ChildProcess;
  address: string;
  serverName: string;
  output(): string;
  exited: Promise<number | null>;
}

const children = new Set<ChildProcess>();

export function killAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
}

export function runBasalt(args: string[]): ChildProcess {
  const proc = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BASALT_LOG_LEVEL: 'warn' } });
  children.add(proc);
  return proc;
}

/** Starts a region server and waits (bounded) for its ready line. */
export async function startRegionServerProcess(args: string[], timeoutMs = 30_000): Promise<Child> {
  const proc = runBasalt(['regionserver', ...args]);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = /basalt regionserver ready address=(\S+) serverName=(\S+)/.exec(out);
    if (m) return { proc, address: m[1]!, serverName: m[2]!, output: () => out, exited };
    if (proc.exitCode !== null) throw new Error(`region server exited early (${proc.exitCode}): ${out}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`region server not ready within ${timeoutMs} ms: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}
