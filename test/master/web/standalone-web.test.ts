/**
 * The web side of a whole cluster in one process: the info port serves the master's page (linking
 * each region server's page at /rs/<n>), one /metrics with master, region server and coordination
 * families read from the live daemons, and the REST gateway answers on its own port. Info ports
 * follow HBase's defaults, become ephemeral with an ephemeral cluster port, must bind when given,
 * and a busy default port costs only the page.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseInfoPort, bindInfoPort } from '../../../common/http/info-port.js';
import { createLogger } from '../../../common/logger.js';
import { mountStandaloneWeb, type StandaloneWeb } from '../../../master/web/standalone.js';
import { mountRegionServerInfo } from '../../../regionserver/web/mount.js';
import { connect } from '../../../client/index.js';
import { startInProcessCluster, type InProcessCluster } from '../../support/in-process-cluster.js';

const log = createLogger('test');
let cluster: InProcessCluster;
let web: StandaloneWeb;

beforeAll(async () => {
  cluster = await startInProcessCluster({ regionServers: 2, masters: 1 });
  const master = await cluster.activeMaster();
  web = await mountStandaloneWeb({ infoPort: '0', restPort: '0', clusterPort: 0, coordAddress: cluster.coordAddress, master, daemons: cluster.regionServers, dataDir: cluster.dataDir, log });
}, 60_000);

afterAll(async () => {
  await web?.close();
  await cluster?.close();
});

describe('standalone web', () => {
  it('serves the master page with links to each region server page', async () => {
    const info = web.readyFields['info']!;
    const page = await (await fetch(`http://${info}/`)).text();
    for (const [i, rs] of cluster.regionServers.entries()) {
      expect(page).toContain(`<a href="/rs/${i}"><code>${rs.server.serverName}</code></a>`);
      const rsPage = await fetch(`http://${info}/rs/${i}`);
      expect(rsPage.status).toBe(200);
      expect(await rsPage.text()).toContain(`<code>${rs.server.serverName}</code>`);
    }
    const json = (await (await fetch(`http://${info}/status.json`)).json()) as { status: { liveServers: unknown[] } };
    expect(json.status.liveServers).toHaveLength(2);
  });

  it('exposes master, region server and coordination metrics read from the live daemons', async () => {
    const text = await (await fetch(`http://${web.readyFields['info']}/metrics`)).text();
    expect(text).toMatch(/^basalt_master_live_servers 2$/m);
    expect(text).toMatch(/^basalt_master_is_active 1$/m);
    expect(text).toMatch(/^basalt_regionserver_regions [1-9]\d*$/m); // meta is open somewhere
    expect(text).toMatch(/^basalt_raft_is_leader 1$/m);
    expect(text).toMatch(/^basalt_raft_term [1-9]\d*$/m);
    expect(text).toMatch(/^basalt_coord_sessions [1-9]\d*$/m);
  });

  it('runs the REST gateway against the cluster', async () => {
    const res = await fetch(`http://${web.readyFields['rest']}/version/cluster`, { headers: { Accept: 'application/json' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ Version: '0.1.0' });
  });

  it("a region server's own info port serves its page and metrics", async () => {
    const rs = cluster.regionServers[0]!;
    const mounted = await mountRegionServerInfo({ daemon: rs, dataDir: cluster.dataDir, choice: { port: 0, explicit: true }, log });
    try {
      expect(await (await fetch(`http://${mounted!.address}/`)).text()).toContain('Write-ahead log');
      expect(await (await fetch(`http://${mounted!.address}/metrics`)).text()).toContain('basalt_regionserver_memstore_size_bytes');
    } finally {
      await mounted?.close();
    }
  });
});

describe('request metrics', () => {
  it("counts and times each region server's requests by operation and outcome, with its WAL totals", async () => {
    const mounted = await Promise.all(cluster.regionServers.map((rs) => mountRegionServerInfo({ daemon: rs, dataDir: cluster.dataDir, choice: { port: 0, explicit: true }, log })));
    const conn = await connect({ coord: cluster.coordAddress, operationTimeoutMs: 20_000 });
    try {
      await conn.admin().createTable({ name: 'metered', families: ['f'] });
      const t = conn.table('metered');
      await t.put({ row: 'r', cells: [{ family: 'f', qualifier: 'q', value: 'v' }] });
      expect((await t.get({ row: 'r' })).string('f', 'q')).toBe('v');
      await expect(t.put({ row: 'r', cells: [{ family: 'nope', qualifier: 'q', value: 'v' }] })).rejects.toMatchObject({ code: 'NO_SUCH_FAMILY' });
      const bodies = await Promise.all(mounted.map(async (m) => (await fetch(`http://${m!.address}/metrics`)).text()));
      const all = bodies.join('\n');
      expect(all).toMatch(/basalt_regionserver_requests_total\{operation="get",outcome="ok"\} [1-9]/);
      expect(all).toMatch(/basalt_regionserver_requests_total\{operation="mutate",outcome="ok"\} [1-9]/);
      expect(all).toMatch(/basalt_regionserver_requests_total\{operation="mutate",outcome="NO_SUCH_FAMILY"\} 1/);
      expect(all).toMatch(/basalt_regionserver_request_duration_seconds_count\{operation="get"\} [1-9]/);
      // The WAL totals and housekeeping queues come from the daemon itself.
      expect(all).toMatch(/basalt_wal_syncs_total [1-9]/);
      expect(all).toMatch(/basalt_wal_appends_total [1-9]/);
      expect(all).toMatch(/basalt_regionserver_compaction_queue_length 0/);
      // The master's admin RPCs, on the standalone info port's /metrics, with the region
      // servers' WAL totals and flushes/compactions summed over the process's servers.
      await conn.admin().flush({ table: 'metered' });
      await conn.admin().majorCompact({ table: 'metered' });
      const combined = await (await fetch(`http://${web.readyFields['info']}/metrics`)).text();
      expect(combined).toMatch(/basalt_wal_syncs_total [1-9]/);
      expect(combined).toMatch(/basalt_regionserver_flushes_total\{reason="admin"\} [1-9]/);
      expect(combined).toMatch(/basalt_regionserver_flush_duration_seconds_count [1-9]/);
      expect(combined).toMatch(/basalt_regionserver_compactions_total\{kind="major"\} [1-9]/);
      expect(combined).toMatch(/basalt_master_requests_total\{operation="CreateTable",outcome="ok"\} 1/);
      expect(combined).toMatch(/basalt_master_request_duration_seconds_count\{operation="GetProcedure"\} [1-9]/);
    } finally {
      await conn.close();
      await Promise.all(mounted.map((m) => m?.close()));
    }
  });
});

// After 'request metrics' (which counts exactly one CreateTable).
describe('procedure metrics', () => {
  it('counts the procedures the active master ended, by outcome', async () => {
    const scrape = async (): Promise<{ completed: number; failed: number }> => {
      const text = await (await fetch(`http://${web.readyFields['info']}/metrics`)).text();
      const value = (name: string): number => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? -1);
      return { completed: value('basalt_master_procedures_completed_total'), failed: value('basalt_master_procedures_failed_total') };
    };
    const before = await scrape();
    const conn = await connect({ coord: cluster.coordAddress, operationTimeoutMs: 30_000 });
    try {
      await conn.admin().createTable({ name: 'proc_metric', families: ['f'] });
      await conn.admin().disableTable('proc_metric');
      await conn.admin().deleteTable('proc_metric');
    } finally {
      await conn.close();
    }
    const after = await scrape();
    expect(after.completed).toBeGreaterThanOrEqual(before.completed + 3);
    expect(after.failed).toBe(before.failed);
  });
});

describe('info port choice', () => {
  it('uses the HBase default, ephemeral with an ephemeral daemon port, -1 for off, and validates the flag', () => {
    expect(chooseInfoPort(undefined, 16000, 16010)).toEqual({ port: 16010, explicit: false });
    expect(chooseInfoPort(undefined, 0, 16010)).toEqual({ port: 0, explicit: false });
    expect(chooseInfoPort('0', 16000, 16010)).toEqual({ port: 0, explicit: true });
    expect(chooseInfoPort('-1', 16000, 16010)).toBeUndefined();
    expect(() => chooseInfoPort('http', 16000, 16010)).toThrow(/--info-port/);
  });

  it('a busy default port is a warning; a busy explicit port fails', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    const start = (p: number) =>
      new Promise<string>((resolve, reject) => {
        const s = createServer();
        s.once('error', reject);
        s.listen(p, '127.0.0.1', () => s.close(() => resolve('bound')));
      });
    try {
      expect(await bindInfoPort({ port, explicit: false }, start, log, 'test')).toBeUndefined();
      await expect(bindInfoPort({ port, explicit: true }, start, log, 'test')).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      blocker.close();
    }
  });
});
