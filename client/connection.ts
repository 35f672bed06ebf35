/**
 * `connect()`: one coordination session (meta and master locations), one RegionServerClient per
 * region server address shared by every operation (concurrent operations to a server share its
 * stream), one location cache, one master client. Tables and the admin are cheap views on it.
 */
import { systemClock, type Clock } from '../common/clock.js';
import { BasaltError, ErrorCodes, invalidArgument } from '../common/errors.js';
import { systemRandom, type Random } from '../common/random.js';
import { qualifyTableName } from '../common/table-names.js';
import { CoordClient } from '../coord/client/index.js';
import type { Admin, Connection, ConnectOptions, Table } from './api.js';
import { AdminClient } from './admin.js';
import { RegionLocator } from './locator.js';
import { MasterClient } from './master-client.js';
import { Retrier, type RetryPolicy } from './retry.js';
import { RegionServerClient } from './rpc/region-server-client.js';
import { TableClient } from './table.js';

export const DEFAULT_COORD = '127.0.0.1:16100';

/** connect()'s options plus the injection points tests use. */
export interface ConnectOptionsInternal extends ConnectOptions {
  clock?: Clock;
  random?: Random;
  /** Coordination session timeout (default 10 s). */
  sessionTimeoutMs?: number;
}

function positive(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw invalidArgument(field, 'must be a positive number of ms');
  return value;
}

function coordServers(coord: string | string[] | undefined): string[] {
  if (coord === undefined) return [DEFAULT_COORD];
  const list = (Array.isArray(coord) ? coord : String(coord).split(','))
    .map((s) => String(s).trim())
    .filter((s) => s.length > 0);
  if (list.length === 0) throw invalidArgument('coord', 'at least one host:port');
  for (const address of list) {
    if (!/^[^:\s]+:\d{1,5}$/.test(address)) throw invalidArgument('coord', `'${address}' is not host:port`);
  }
  return list;
}

export class ClusterConnection implements Connection {
  readonly retrier: Retrier;
  readonly locator: RegionLocator;
  readonly master: MasterClient;
  readonly clock: Clock;
  private readonly servers = new Map<string, RegionServerClient>();
  private closed = false;
  /** HBase's nonce group: one per connection; with a per-call nonce it makes a retried increment, append or checkAndMutate apply at most once. */
  readonly nonceGroup: number;
  private readonly random: Random;

  private coordClient: CoordClient;
  private reconnecting: Promise<void> | undefined;

  constructor(
    coord: CoordClient,
    readonly policy: RetryPolicy,
    clock: Clock,
    random: Random,
    private readonly reconnectCoord?: () => Promise<CoordClient>,
  ) {
    this.coordClient = coord;
    this.clock = clock;
    this.random = random;
    this.nonceGroup = 1 + random.int(2 ** 52 - 1);
    this.retrier = new Retrier(policy, clock, random, () => this.closed);
    // Master calls are cheap and a standby becomes active within a second of the old master's
    // session ending: poll for it at most every 250 ms, so a takeover is seen at once.
    this.master = new MasterClient(() => this.coordClient, new Retrier({ ...policy, maxRetryDelayMs: Math.min(policy.maxRetryDelayMs, 250) }, clock, random, () => this.closed), clock);
    this.locator = new RegionLocator({
      coord: () => this.coordClient,
      server: (address) => this.server(address),
      tableExists: (table) => this.master.tableExistsIfReachable(table),
      tableState: (table) => this.master.tableStateIfReachable(table),
    });
  }

  get coord(): CoordClient {
    return this.coordClient;
  }

  /**
   * The coordination session expired (the client was paused or cut off longer than its timeout):
   * open a new one and drop what came from the old one's watches. Until it is back, meta and
   * master lookups answer retryable errors and cached locations keep serving.
   */
  private watchSession(coord: CoordClient): void {
    coord.once('expired', () => {
      if (this.closed || !this.reconnectCoord || this.reconnecting) return;
      this.reconnecting = (async () => {
        let attempt = 0;
        while (!this.closed) {
          try {
            const fresh = await this.reconnectCoord!();
            if (this.closed) {
              await fresh.close().catch(() => undefined);
              return;
            }
            const old = this.coordClient;
            this.coordClient = fresh;
            this.watchSession(fresh);
            this.locator.invalidateMeta();
            this.master.forgetAddress();
            await old.close().catch(() => undefined);
            return;
          } catch {
            await new Promise((resolve) => setTimeout(resolve, Math.min(this.policy.maxRetryDelayMs, this.policy.retryBaseDelayMs * 2 ** attempt++)));
          }
        }
      })().finally(() => (this.reconnecting = undefined));
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  startSessionWatch(): void {
    this.watchSession(this.coordClient);
  }

  /** A fresh nonce for one non-idempotent call (kept across its retries). */
  nextNonce(): number {
    return 1 + this.random.int(2 ** 52 - 1);
  }

  /** The shared client of one region server. */
  server(address: string): RegionServerClient {
    if (this.closed) throw new BasaltError(ErrorCodes.CLOSED, 'the connection is closed');
    let client = this.servers.get(address);
    if (!client) {
      client = new RegionServerClient({ address, requestTimeoutMs: this.policy.rpcTimeoutMs, clock: this.clock });
      this.servers.set(address, client);
    }
    return client;
  }

  table(name: string): Table {
    return new TableClient(this, qualifyTableName(name));
  }

  admin(): Admin {
    return new AdminClient(this);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const client of this.servers.values()) client.close();
    this.servers.clear();
    this.master.close();
    await this.reconnecting?.catch(() => undefined);
    await this.coordClient.close().catch(() => undefined);
  }
}

/** Connects to a cluster through its coordination service (default 127.0.0.1:16100, the standalone cluster). */
export async function connect(options: ConnectOptions = {}): Promise<Connection> {
  return connectCluster(options);
}

export async function connectCluster(options: ConnectOptionsInternal = {}): Promise<ClusterConnection> {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'must be an object');
  const servers = coordServers(options.coord);
  const policy: RetryPolicy = {
    operationTimeoutMs: positive(options.operationTimeoutMs, 60_000, 'operationTimeoutMs'),
    retryBaseDelayMs: positive(options.retryBaseDelayMs, 50, 'retryBaseDelayMs'),
    maxRetryDelayMs: positive(options.maxRetryDelayMs, 2_000, 'maxRetryDelayMs'),
    rpcTimeoutMs: positive(options.rpcTimeoutMs, 30_000, 'rpcTimeoutMs'),
  };
  const clock = options.clock ?? systemClock;
  const open = (): Promise<CoordClient> =>
    CoordClient.connect({
      servers,
      sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
      initialConnectTimeoutMs: Math.min(policy.operationTimeoutMs, 10_000),
      clock,
    });
  const conn = new ClusterConnection(await open(), policy, clock, options.random ?? systemRandom, open);
  conn.startSessionWatch();
  return conn;
}
