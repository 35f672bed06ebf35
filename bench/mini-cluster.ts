/**
 * A cluster of real daemon processes for drills and `basalt bench failover` (issue 9's
 * MiniCluster): coordination members (1, 3 or 5), masters and region servers, each `node dist/bin/basalt.js …` on loopback ephemeral ports, all
 * region servers sharing one temp data root. Any daemon can be killed (SIGKILL), paused (SIGSTOP),
 * resumed and restarted; every child is killed and the data removed on close (also if the test
 * process exits).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PartialConfig } from '../common/config.js';

/** The compiled CLI: beside this module in dist/, or dist/ of the checkout when run from sources. */
const CLI = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../dist/bin/basalt.js' : '../bin/basalt.js', import.meta.url));

export type DaemonKind = 'coord' | 'master' | 'regionserver';

export interface Daemon {
  kind: DaemonKind;
  /** host:port it serves on. */
  address: string;
  /** serverName (host:port,startcode) for masters and region servers. */
  serverName: string;
  child: ChildProcess;
  args: string[];
  output: string[];
  exited: Promise<number | null>;
  alive: boolean;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

function spawnDaemon(kind: DaemonKind, args: string[], timeoutMs = 30_000): Promise<Daemon> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BASALT_LOG_LEVEL: process.env.BASALT_LOG_LEVEL ?? 'warn' } });
  children.add(child);
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => (children.delete(child), resolve(code))));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} not ready within ${timeoutMs} ms: ${output.join('').slice(-2000)}`)), timeoutMs);
    let buffered = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output.push(text);
      if (output.length > 500) output.splice(0, output.length - 500);
      buffered += text;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const m = /basalt \S+ ready address=(\S+)(?:.*serverName=(\S+))?/.exec(line);
        if (m) {
          clearTimeout(timer);
          const daemon: Daemon = { kind, address: m[1]!, serverName: m[2] ?? m[1]!, child, args, output, exited, alive: true };
          void exited.then(() => (daemon.alive = false));
          resolve(daemon);
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => output.push(c.toString('utf8')));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${kind} exited with ${code} before ready: ${output.join('').slice(-2000)}`));
    });
  });
}

export interface MiniClusterOptions {
  /** Coordination members (default 1). */
  coordMembers?: number;
  masters?: number;
  regionServers?: number;
  config?: PartialConfig;
}

export class MiniCluster {
  readonly masters: Daemon[] = [];
  readonly regionServers: Daemon[] = [];
  readonly coordMembers: Daemon[] = [];

  private constructor(
    readonly dataDir: string,
    private readonly configPath: string,
  ) {}

  static async start(options: MiniClusterOptions = {}): Promise<MiniCluster> {
    const dataDir = mkdtempSync(join(tmpdir(), 'basalt-mini-'));
    const configPath = join(dataDir, 'config.json');
    const config: PartialConfig = {
      ...options.config,
      master: { sessionTimeoutMs: 3_000, balancerPeriodMs: 0, ...options.config?.master },
      coord: { tickMs: 20, minSessionTimeoutMs: 500, ...options.config?.coord },
    };
    writeFileSync(configPath, JSON.stringify(config));
    const cluster = new MiniCluster(dataDir, configPath);
    try {
      const members = options.coordMembers ?? 1;
      const ports = await Promise.all(Array.from({ length: members }, () => freePort()));
      const peers = ports.map((p, i) => `${i + 1}=127.0.0.1:${p}`).join(',');
      const started = await Promise.all(
        ports.map((port, i) =>
          spawnDaemon('coord', ['coord', 'start', '--id', String(i + 1), '--port', String(port), '--data-dir', join(dataDir, `coord${i + 1}`), '--config', configPath, ...(members > 1 ? ['--peers', peers] : [])]),
        ),
      );
      cluster.coordMembers.push(...started);
      for (let i = 0; i < (options.regionServers ?? 3); i++) await cluster.startRegionServer();
      for (let i = 0; i < (options.masters ?? 1); i++) await cluster.startMaster();
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  /** The coordination members, HOST:PORT[,HOST:PORT…]. */
  get coordAddress(): string {
    return this.coordMembers.map((d) => d.address).join(',');
  }

  async startRegionServer(): Promise<Daemon> {
    const d = await spawnDaemon('regionserver', ['regionserver', '--coord', this.coordAddress, '--data-dir', join(this.dataDir, 'root'), '--port', '0', '--config', this.configPath]);
    this.regionServers.push(d);
    return d;
  }

  async startMaster(): Promise<Daemon> {
    const d = await spawnDaemon('master', ['master', '--coord', this.coordAddress, '--port', '0', '--config', this.configPath]);
    this.masters.push(d);
    return d;
  }

  /** SIGKILL (a crash). Resolves when the process is gone. */
  async kill(d: Daemon): Promise<void> {
    d.child.kill('SIGKILL');
    await d.exited;
  }

  pause(d: Daemon): void {
    d.child.kill('SIGSTOP');
  }

  resume(d: Daemon): void {
    d.child.kill('SIGCONT');
  }

  /** Resolves with the time (ms since the epoch) a line matching `pattern` appeared in the daemon's output. */
  async waitForOutput(d: Daemon, pattern: RegExp, timeoutMs = 60_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(d.output.join(''))) {
      if (Date.now() > deadline) throw new Error(`${d.kind} ${d.serverName} never printed ${pattern}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return Date.now();
  }

  /** Graceful stop (SIGTERM). */
  async stop(d: Daemon): Promise<number | null> {
    d.child.kill('SIGTERM');
    return d.exited;
  }

  /** Kills every daemon (SIGKILL) and starts the same cluster again on the same data (coordination on its port). */
  async restartAll(): Promise<void> {
    const all = [...this.masters, ...this.regionServers, ...this.coordMembers];
    for (const d of all) {
      d.child.kill('SIGCONT');
      d.child.kill('SIGKILL');
    }
    await Promise.all(all.map((d) => d.exited));
    const rs = this.regionServers.length;
    const masters = this.masters.length;
    const coordArgs = this.coordMembers.map((d) => d.args);
    this.regionServers.length = 0;
    this.masters.length = 0;
    this.coordMembers.length = 0;
    this.coordMembers.push(...(await Promise.all(coordArgs.map((args) => spawnDaemon('coord', args)))));
    for (let i = 0; i < rs; i++) await this.startRegionServer();
    for (let i = 0; i < masters; i++) await this.startMaster();
  }

  async close(): Promise<void> {
    const all = [...this.masters, ...this.regionServers, ...this.coordMembers];
    for (const d of all) {
      d.child.kill('SIGCONT');
      d.child.kill('SIGKILL');
    }
    await Promise.all(all.map((d) => d.exited));
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
