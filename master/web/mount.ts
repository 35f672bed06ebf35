/**
 * What `basalt master` and `basalt start` call to get the master's info port (status page,
 * /status.json, /metrics): a client connection for the Admin API, the chosen port (see
 * common/http/info-port.ts), and one close() for shutdown. A few lines in each daemon.
 */
import { connect } from '../../client/connection.js';
import type { Admin, Connection } from '../../client/api.js';
import { bindInfoPort, type InfoPortChoice } from '../../common/http/info-port.js';
import type { Logger } from '../../common/logger.js';
import { RequestMetrics, type MasterMetricsSnapshot, type Registry } from '../../common/metrics.js';
import { startMasterInfoServer } from './info.js';

export interface MountedInfo {
  /** host:port of the info server. */
  address: string;
  registry: Registry;
  close(): Promise<void>;
}

/** The master in this process, as the info port sees it (master/master.ts's Master fits). */
export interface MasterProcess {
  serverName: string;
  isActive: boolean;
  requestObserver?: ((method: string, seconds: number, outcome: string) => void) | undefined;
  /** While active: its procedure executor's ended counts. */
  readonly active?: { executor: { ended: { success: number; failed: number } } } | undefined;
}

export interface MountMasterInfoOptions {
  coord: string[];
  choice: InfoPortChoice | undefined;
  host?: string;
  /** The master in this process, if any (for "standby" on the page and basalt_master_is_active). */
  master?: MasterProcess;
  log: Logger;
  registry?: Registry;
  pages?: Record<string, () => Promise<string> | string>;
  serverLinks?: () => Record<string, string>;
}

/**
 * An Admin that connects on its first call: mounting the page costs the daemon nothing at start
 * (no extra coordination session until someone looks), and a failed connect is retried next time.
 */
function lazyAdmin(coord: string[]): { admin: Admin; close(): Promise<void> } {
  let connecting: Promise<Connection> | undefined;
  const connection = (): Promise<Connection> => {
    connecting ??= connect({ coord, operationTimeoutMs: 5_000 }).catch((err: unknown) => {
      connecting = undefined;
      throw err;
    });
    return connecting;
  };
  const admin = new Proxy({} as Admin, {
    get: (_target, name) => async (...args: unknown[]) => {
      const target = (await connection()).admin() as unknown as Record<string | symbol, (...a: unknown[]) => unknown>;
      return target[name]!(...args);
    },
  });
  return {
    admin,
    close: async () => {
      const c = await connecting?.catch(() => undefined);
      await c?.close().catch(() => undefined);
    },
  };
}

/** What only this master process knows: whether it is active, and what its executor ended. */
function masterSnapshot(master: MasterProcess): MasterMetricsSnapshot {
  const ended = master.active?.executor.ended;
  return { isActive: master.isActive, ...(ended ? { proceduresCompletedTotal: ended.success, proceduresFailedTotal: ended.failed } : {}) };
}

export async function mountMasterInfo(options: MountMasterInfoOptions): Promise<MountedInfo | undefined> {
  if (!options.choice) return undefined;
  const lazy = lazyAdmin(options.coord);
  const started = await bindInfoPort(
    options.choice,
    async (port) => {
      return startMasterInfoServer({
        admin: lazy.admin,
        coordAddresses: options.coord,
        host: options.host ?? '127.0.0.1',
        port,
        ...(options.master ? { self: options.master.serverName, snapshot: () => masterSnapshot(options.master!) } : {}),
        ...(options.registry ? { registry: options.registry } : {}),
        ...(options.pages ? { pages: options.pages } : {}),
        ...(options.serverLinks ? { serverLinks: options.serverLinks } : {}),
      });
    },
    options.log,
    'master',
  );
  if (!started) return undefined;
  if (options.master) {
    // Per-method counts and latency of the admin RPCs (basalt_master_requests_total, …_request_duration_seconds).
    const requests = new RequestMetrics(started.registry, 'basalt_master');
    options.master.requestObserver = (method, seconds, outcome) => requests.observe(method, seconds, outcome);
  }
  return {
    address: started.listener.address,
    registry: started.registry,
    close: async () => {
      await started.listener.close();
      await lazy.close();
    },
  };
}
