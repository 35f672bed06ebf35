/**
 * In-process coordination ensembles for tests: members on loopback ephemeral ports, with
 * in-memory or LMDB Raft storage in temp dirs, always closed and cleaned up by `close()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG, type CoordConfig } from '../../common/config.js';
import { CoordServer } from '../../coord/server/coord-server.js';
import { LmdbRaftStorage } from '../../coord/storage/lmdb-raft-storage.js';
import { MemoryRaftStorage } from '../../coord/storage/memory-raft-storage.js';
import type { RaftLogStorage } from '../../coord/storage/raft-log-storage.js';
import { CoordClient, type CoordClientOptions } from '../../coord/client/index.js';

export interface Ensemble {
  servers: CoordServer[];
  addresses: string[];
  connect(options?: Partial<CoordClientOptions>): Promise<CoordClient>;
  leaderIndex(): number;
  /** Stops member i (0-based) as a crash would, minus the lost unsynced writes. */
  stop(i: number): Promise<void>;
  /** Starts member i again on its port with storage from the factory (LMDB: the same files). */
  restart(i: number): Promise<void>;
  close(): Promise<void>;
}

export const TEST_COORD_CONFIG: CoordConfig = {
  ...DEFAULT_CONFIG.coord,
  tickMs: 20,
  electionTicks: 10,
  heartbeatTicks: 2,
  minSessionTimeoutMs: 500,
};

export async function startEnsemble(
  size: number,
  options: {
    config?: Partial<CoordConfig>;
    storage?: (id: number, voters: number[]) => RaftLogStorage;
    /** LMDB Raft logs in a fresh temp dir named with this prefix (removed by close); overrides `storage`. */
    lmdbDirPrefix?: string;
    catchUpEntries?: number;
  } = {},
): Promise<Ensemble> {
  const dirs: string[] = [];
  if (options.lmdbDirPrefix !== undefined) {
    const base = tempDir(options.lmdbDirPrefix);
    dirs.push(base);
    options = { ...options, storage: (id, voters) => LmdbRaftStorage.open({ path: join(base, `m${id}`), bootstrapVoters: voters }) };
  }
  const servers = await Promise.all(Array.from({ length: size }, () => CoordServer.listen()));
  const peers = new Map(servers.map((s, i) => [i + 1, s.address] as const));
  const voters = [...peers.keys()];
  const clients: CoordClient[] = [];
  const startMember = (server: CoordServer, i: number): void => {
    server.start({
      id: i + 1,
      peers,
      storage: options.storage ? options.storage(i + 1, voters) : MemoryRaftStorage.bootstrap(voters),
      config: { ...TEST_COORD_CONFIG, ...options.config },
      ...(options.catchUpEntries !== undefined ? { catchUpEntries: options.catchUpEntries } : {}),
    });
  };
  servers.forEach(startMember);
  return {
    servers,
    addresses: servers.map((s) => s.address),
    async connect(clientOptions = {}) {
      const client = await CoordClient.connect({ servers: servers.map((s) => s.address), sessionTimeoutMs: 2_000, ...clientOptions });
      clients.push(client);
      return client;
    },
    async stop(i) {
      await servers[i]!.close();
    },
    async restart(i) {
      const address = servers[i]!.address;
      const port = Number(address.slice(address.lastIndexOf(':') + 1));
      servers[i] = await CoordServer.listen('127.0.0.1', port);
      startMember(servers[i]!, i);
    },
    leaderIndex() {
      return servers.findIndex((s) => s.coordMember?.isLeader());
    },
    async close() {
      for (const c of clients) c.abandon();
      await Promise.all(servers.map((s) => s.close()));
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Polls `condition` until it holds or the deadline passes (then throws with `what`). */
export async function waitFor<T>(what: string, condition: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** For tests that start CoordServers by hand (from afterEach): abandons the clients, closes the servers and empties both arrays. */
export async function closeMembers(servers: CoordServer[], clients: CoordClient[]): Promise<void> {
  for (const c of clients.splice(0)) c.abandon();
  await Promise.all(servers.splice(0).map((s) => s.close()));
}
