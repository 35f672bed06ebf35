/**
 * Mounts the master's info port: the status page, `/status.json` and `/metrics` with the master's
 * metric families. The daemon calls `startMasterInfoServer` with an Admin (a client connection to
 * the cluster, so a standby shows what the active master knows) and its coordination addresses.
 */
import type { Admin } from '../../client/api.js';
import { systemClock, type Clock } from '../../common/clock.js';
import { startInfoServer } from '../../common/http/info-server.js';
import type { HttpListener } from '../../common/http/server.js';
import { createMetricsRegistry, registerMasterMetrics, type MasterMetricsSnapshot, type Registry } from '../../common/metrics.js';
import { loadMasterPageInput } from './load.js';
import { renderMasterStatusPage } from './status-page.js';

/** HBase's master info port. */
export const DEFAULT_MASTER_INFO_PORT = 16010;

export interface MasterInfoOptions {
  admin: Admin;
  coordAddresses: string[];
  host?: string;
  port: number;
  clock?: Clock;
  /** This master's server name, to say "standby" on the page when it is not the active one. */
  self?: string;
  /** Add the master's families to this registry (default: a new one with process metrics). */
  registry?: Registry;
  /** Extra master figures the daemon knows locally (merged over what the cluster status gives). */
  snapshot?: () => Partial<MasterMetricsSnapshot> | Promise<Partial<MasterMetricsSnapshot>>;
  /** More pages on the same port, and links to them from the server list. */
  pages?: Record<string, () => Promise<string> | string>;
  serverLinks?: () => Record<string, string>;
}

export async function startMasterInfoServer(options: MasterInfoOptions): Promise<{ listener: HttpListener; registry: Registry }> {
  const clock = options.clock ?? systemClock;
  const registry = options.registry ?? createMetricsRegistry();
  registerMasterMetrics(registry, async () => {
    const local = (await options.snapshot?.()) ?? {};
    try {
      const s = await options.admin.clusterStatus();
      return {
        isActive: options.self === undefined ? undefined : s.master === options.self,
        liveServers: s.liveServers.length,
        deadServers: s.deadServers.length,
        regions: s.regionCount,
        tables: s.tableCount,
        regionsInTransition: s.regionsInTransition.length,
        proceduresRunning: s.procedures.filter((p) => p.state === 'RUNNING').length,
        ...local,
      };
    } catch {
      // No active master reachable: report only what this process knows.
      return local;
    }
  });
  const load = async () => {
    const input = await loadMasterPageInput(options.admin, options.coordAddresses, clock, options.self);
    const links = options.serverLinks?.();
    return links ? { ...input, serverLinks: links } : input;
  };
  const listener = await startInfoServer({
    host: options.host,
    port: options.port,
    registry,
    page: async () => renderMasterStatusPage(await load()),
    json: load,
    ...(options.pages ? { pages: options.pages } : {}),
  });
  return { listener, registry };
}
