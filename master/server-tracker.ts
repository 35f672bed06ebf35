/**
 * Region-server liveness and load, as the active master sees it. A region server is live while
 * its ephemeral node `/basalt/rs/<host:port,startcode>` exists: the node vanishes when the
 * server's coordination session ends (a crash is noticed one session timeout after its last
 * keep-alive, by which time its lease fence already refuses writes). Loads are pulled from each
 * server's GetServerLoad every `loadPeriodMs` (request rates are deltas between two reports).
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../common/clock.js';
import { ErrorCodes, isBasaltError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { RegionServerClient, type ServerLoad } from '../client/rpc/region-server-client.js';
import type { CoordClient } from '../coord/client/index.js';

export const RS_ZNODE = '/basalt/rs';
const MAX_DEAD_REMEMBERED = 100;

export interface LiveServer {
  serverName: string;
  address: string;
  startcode: number;
  client: RegionServerClient;
  load?: ServerLoad;
  /** Monotonic ms of the last load report. */
  loadAtMs: number;
  requestsPerSecond: number;
}

export declare interface ServerTracker {
  on(event: 'added' | 'removed', listener: (serverName: string) => void): this;
}

export class ServerTracker extends EventEmitter {
  private readonly live = new Map<string, LiveServer>();
  private readonly dead: Array<{ serverName: string; sinceMs: number }> = [];
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;

  constructor(
    private readonly coord: CoordClient,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly loadPeriodMs: number,
  ) {
    super();
  }

  async start(): Promise<void> {
    try {
      await this.coord.create(RS_ZNODE, '');
    } catch (err) {
      if (!isBasaltError(err, ErrorCodes.NODE_EXISTS)) throw err;
    }
    await this.refresh();
    this.timer = setInterval(() => void this.pollLoads(), this.loadPeriodMs);
    this.timer.unref();
    void this.pollLoads();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const s of this.live.values()) s.client.close();
    this.live.clear();
  }

  /** Re-reads the children of /basalt/rs (with a watch that calls it again). */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      try {
        do {
          this.refreshAgain = false;
          await this.readOnce();
        } while (this.refreshAgain && !this.stopped);
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private async readOnce(): Promise<void> {
    if (this.stopped) return;
    let children: string[];
    try {
      ({ children } = await this.coord.getChildren(RS_ZNODE, { watch: () => void this.refresh() }));
    } catch (err) {
      if (this.stopped) return;
      this.log.warn({ err }, 'reading the region server list failed; retrying');
      setTimeout(() => void this.refresh(), 500).unref();
      return;
    }
    const present = new Set(children);
    for (const name of children) {
      if (this.live.has(name)) continue;
      const [address, startcode] = name.split(',');
      if (!address || !startcode) continue;
      this.live.set(name, { serverName: name, address, startcode: Number(startcode), client: new RegionServerClient({ address }), loadAtMs: 0, requestsPerSecond: 0 });
      this.log.info({ server: name }, 'region server joined');
      this.emit('added', name);
    }
    for (const [name, server] of this.live) {
      if (present.has(name)) continue;
      this.live.delete(name);
      server.client.close();
      this.dead.push({ serverName: name, sinceMs: this.clock.now() });
      if (this.dead.length > MAX_DEAD_REMEMBERED) this.dead.shift();
      this.log.warn({ server: name }, 'region server is gone (its session ended)');
      this.emit('removed', name);
    }
  }

  isLive(serverName: string): boolean {
    return this.live.has(serverName);
  }

  get(serverName: string): LiveServer | undefined {
    return this.live.get(serverName);
  }

  /** A live server named by its serverName or its host:port. */
  find(nameOrAddress: string): LiveServer | undefined {
    return this.live.get(nameOrAddress) ?? [...this.live.values()].find((s) => s.address === nameOrAddress);
  }

  liveServers(): LiveServer[] {
    return [...this.live.values()].sort((a, b) => (a.serverName < b.serverName ? -1 : 1));
  }

  deadServers(): Array<{ serverName: string; sinceMs: number }> {
    return [...this.dead];
  }

  /** Resolves once at least `count` servers are live, or after `timeoutMs` (returns how many are). */
  async waitForServers(count: number, timeoutMs: number): Promise<number> {
    const deadline = this.clock.monotonic() + timeoutMs;
    while (this.live.size < count && this.clock.monotonic() < deadline && !this.stopped) {
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.live.size;
  }

  private async pollLoads(): Promise<void> {
    await Promise.all(
      [...this.live.values()].map(async (server) => {
        try {
          const load = await server.client.serverLoad();
          const now = this.clock.monotonic();
          if (server.load && server.loadAtMs > 0 && now > server.loadAtMs) {
            const delta = load.totalRequests - server.load.totalRequests;
            server.requestsPerSecond = Math.max(0, (delta * 1000) / (now - server.loadAtMs));
          }
          server.load = load;
          server.loadAtMs = now;
        } catch {
          // A server that does not answer is judged by its session, not by one missed report.
        }
      }),
    );
  }
}
