/**
 * Real member processes (`basalt coord start`) on loopback for drills and the benchmark: free
 * ports, temp data dirs, the `ready` line awaited, and everything killed and removed on close
 * (also when the parent exits).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BasaltError, ErrorCodes } from '../../common/errors.js';
import { fetchMemberStatus, type MemberStatus } from '../client/status.js';

/** The compiled CLI: next to this file in dist/, or dist/ of the checkout when run from sources. */
export function defaultCliPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const compiled = join(here, '..', '..', 'bin', 'basalt.js');
  if (existsSync(compiled) && !fileURLToPath(import.meta.url).endsWith('.ts')) return compiled;
  return join(here, '..', '..', 'dist', 'bin', 'basalt.js');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface MemberProcess {
  id: number;
  /** The client address (`--port`). */
  address: string;
  /** The address peers dial: its entry in --peers (the client address unless the members use --peer-port). */
  peerAddress: string;
  dataDir: string;
  child: ChildProcess;
  /** stdout and stderr so far (for failure messages). */
  output: string[];
  exited: boolean;
  /** The command line, to restart the member on the same data dir. */
  args: string[];
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** Spawns a node child and resolves once a stdout line contains `marker`. */
export function spawnUntil(args: string[], marker: string, options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ child: ChildProcess; line: string; output: string[] }> {
  installExitHook();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BASALT_LOG_LEVEL: 'warn', ...options.env } });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new BasaltError(ErrorCodes.TIMEOUT, `no "${marker}" line from ${args.join(' ')}: ${output.join('').slice(-2_000)}`));
    }, options.timeoutMs ?? 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output.push(chunk.toString());
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.includes(marker)) {
          clearTimeout(timer);
          resolve({ child, line, output });
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new BasaltError(ErrorCodes.UNAVAILABLE, `${args.join(' ')} exited (${code ?? signal}) before "${marker}": ${output.join('').slice(-2_000)}`));
    });
  });
}

export class ProcessEnsemble {
  private constructor(
    readonly members: MemberProcess[],
    private readonly baseDir: string,
    private readonly ownsBaseDir: boolean,
  ) {}

  /**
   * Starts `size` members (1: no --peers) and waits for every `ready` line. `separatePeerPorts`:
   * each member also gets `--peer-port` and --peers names those; `memberArgs` adds flags per member
   * (for instance its TLS files).
   */
  static async start(options: {
    size: number;
    cliPath?: string;
    baseDir?: string;
    configFile?: string;
    separatePeerPorts?: boolean;
    memberArgs?: (id: number) => string[];
  }): Promise<ProcessEnsemble> {
    const cli = options.cliPath ?? defaultCliPath();
    const baseDir = options.baseDir ?? mkdtempSync(join(tmpdir(), 'basalt-coord-'));
    const ports = await Promise.all(Array.from({ length: options.size }, () => freePort()));
    const peerPorts = options.separatePeerPorts ? await Promise.all(Array.from({ length: options.size }, () => freePort())) : ports;
    const peers = peerPorts.map((port, i) => `${i + 1}=127.0.0.1:${port}`).join(',');
    const ensemble = new ProcessEnsemble([], baseDir, options.baseDir === undefined);
    try {
      await Promise.all(
        ports.map(async (port, i) => {
          const id = i + 1;
          const dataDir = join(baseDir, `member-${id}`);
          const args = [cli, 'coord', 'start', '--id', String(id), '--port', String(port), '--data-dir', dataDir];
          if (options.separatePeerPorts) args.push('--peer-port', String(peerPorts[i]));
          if (options.size > 1) args.push('--peers', peers);
          if (options.configFile) args.push('--config', options.configFile);
          args.push(...(options.memberArgs?.(id) ?? []));
          const { child, output } = await spawnUntil(args, 'ready');
          const member: MemberProcess = { id, address: `127.0.0.1:${port}`, peerAddress: `127.0.0.1:${peerPorts[i]}`, dataDir, child, output, exited: false, args };
          child.once('exit', () => (member.exited = true));
          ensemble.members.push(member);
        }),
      );
    } catch (err) {
      await ensemble.close();
      throw err;
    }
    ensemble.members.sort((a, b) => a.id - b.id);
    return ensemble;
  }

  get addresses(): string[] {
    return this.members.map((m) => m.address);
  }

  get servers(): string {
    return this.addresses.join(',');
  }

  member(id: number): MemberProcess {
    const m = this.members.find((x) => x.id === id);
    if (!m) throw new BasaltError(ErrorCodes.INTERNAL, `no member ${id}`);
    return m;
  }

  /** Status of every live member (members that do not answer are left out). */
  async statuses(): Promise<MemberStatus[]> {
    const all = await Promise.all(this.members.filter((m) => !m.exited).map((m) => fetchMemberStatus(m.address, 1_000).catch(() => undefined)));
    return all.filter((s): s is MemberStatus => s !== undefined);
  }

  /** Waits until one live member reports itself leader (and the others agree), returns its status. */
  async waitForLeader(timeoutMs = 20_000, exclude: number[] = []): Promise<MemberStatus> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const statuses = await this.statuses();
      const leaders = statuses.filter((s) => s.role === 'leader' && !exclude.includes(s.id));
      if (leaders.length === 1) return leaders[0]!;
      if (Date.now() > deadline) throw new BasaltError(ErrorCodes.TIMEOUT, `no leader within ${timeoutMs} ms: ${JSON.stringify(statuses)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Starts a stopped or killed member again on its data dir and port. */
  async restart(id: number): Promise<void> {
    const m = this.member(id);
    if (!m.exited) throw new BasaltError(ErrorCodes.INTERNAL, `member ${id} is still running`);
    const { child, output } = await spawnUntil(m.args, 'ready');
    m.child = child;
    m.output = output;
    m.exited = false;
    child.once('exit', () => (m.exited = true));
  }

  signal(id: number, signal: NodeJS.Signals): void {
    this.member(id).child.kill(signal);
  }

  async waitForExit(id: number, timeoutMs = 10_000): Promise<void> {
    const m = this.member(id);
    if (m.exited) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new BasaltError(ErrorCodes.TIMEOUT, `member ${id} still running`)), timeoutMs);
      m.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** SIGKILLs every member still running (SIGCONT first: a stopped process ignores nothing but must run to die cleanly) and removes the data. */
  async close(): Promise<void> {
    await Promise.all(
      this.members.map(async (m) => {
        if (m.exited) return;
        m.child.kill('SIGCONT');
        m.child.kill('SIGKILL');
        await this.waitForExit(m.id).catch(() => undefined);
      }),
    );
    if (this.ownsBaseDir) rmSync(this.baseDir, { recursive: true, force: true });
  }
}
