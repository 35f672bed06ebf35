/**
 * The gateway's admin resources over real HTTP against a real in-process cluster (coordination
 * member, region server, master on loopback): `/status/cluster` carries each region's real load
 * (store files and memstore as the region server reported them to the master), and PUT on
 * `/namespaces/NS` replaces the namespace's properties as HBase's modifyNamespace does.
 */
import { getHeapStatistics } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../client/api.js';
import { connect } from '../../client/index.js';
import { startRestServer, type RestServer } from '../../rest/server.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';
import { waitFor } from '../support/coord-ensemble.js';
import { b64, httpClient } from './http-client.js';

let cluster: InProcessCluster;
let conn: Connection;
let rest: RestServer;
let http: ReturnType<typeof httpClient>;

beforeAll(async () => {
  cluster = await startInProcessCluster({ regionServers: 1 });
  await cluster.activeMaster();
  conn = await connect({ coord: cluster.coordAddress, operationTimeoutMs: 30_000 });
  rest = await startRestServer({ connection: conn, host: '127.0.0.1', port: 0 });
  http = httpClient(`http://${rest.address}`);
}, 60_000);

afterAll(async () => {
  await rest?.close();
  await conn?.close();
  await cluster?.close();
});

interface RegionStatusJson {
  name: string;
  stores: number;
  storefiles: number;
  storefileSizeMB: number;
  memStoreSizeMB: number;
  readRequestsCount: number;
  writeRequestsCount: number;
  storefileSizeBytes: number;
  memStoreSizeBytes: number;
}

/** Rows of `size` bytes each, as one multi-row PUT. */
function rows(prefix: string, count: number, size: number): unknown {
  return {
    Row: Array.from({ length: count }, (_, i) => ({
      key: b64(`${prefix}${String(i).padStart(3, '0')}`),
      Cell: [{ column: b64('f:v'), $: b64(Buffer.alloc(size, 65 + (i % 26))) }],
    })),
  };
}

describe('REST admin resources against a real cluster', () => {
  it('/status/cluster reports each region\'s store files, memstore and requests as its server reported them', async () => {
    expect((await http('PUT', '/sized/schema', { name: 'sized', ColumnSchema: [{ name: 'f' }, { name: 'g' }] })).status).toBe(201);
    // 1.5 MB flushed into a store file, then 1.5 MB more left in the memstore.
    expect((await http('PUT', '/sized/fakerow', rows('a', 12, 128 * 1024))).status).toBe(200);
    await conn.admin().flush({ table: 'sized' });
    expect((await http('PUT', '/sized/fakerow', rows('b', 12, 128 * 1024))).status).toBe(200);
    expect((await http('GET', `/sized/a000/f:v`)).status).toBe(200);

    const region = await waitFor(
      'the region load in /status/cluster',
      async () => {
        const status = await http('GET', '/status/cluster');
        expect(status.status).toBe(200);
        const regions = (status.json().LiveNodes as Array<{ Region: RegionStatusJson[] }>).flatMap((n) => n.Region);
        const r = regions.find((x) => Buffer.from(x.name, 'base64').toString('utf8').startsWith('sized,'));
        return r && r.storefileSizeMB >= 1 && r.memStoreSizeMB >= 1 && r.readRequestsCount >= 1 ? r : undefined;
      },
      30_000,
      200,
    );
    expect(region.stores).toBe(2);
    // HBase's full region name: table,startKey,regionId.encodedName.
    const [encoded] = (await conn.admin().listRegions('sized')).map((r) => r.encodedName);
    expect(Buffer.from(region.name, 'base64').toString('utf8')).toMatch(new RegExp(`^sized,,\\d+\\.${encoded}\\.$`));
    expect(region.storefiles).toBeGreaterThanOrEqual(1);
    expect(region.storefileSizeBytes).toBeGreaterThanOrEqual(region.storefileSizeMB * 1024 * 1024);
    expect(region.memStoreSizeBytes).toBeGreaterThanOrEqual(12 * 128 * 1024);
    expect(region.writeRequestsCount).toBeGreaterThanOrEqual(2);
  });

  it("/status/cluster reports each node's heap in use and its limit as the server reported them", async () => {
    const node = await waitFor(
      'a node with a reported heap',
      async () => {
        const nodes = (await http('GET', '/status/cluster')).json().LiveNodes as Array<{ heapSizeMB: number; maxHeapSizeMB: number }>;
        return nodes.find((n) => n.heapSizeMB > 0);
      },
      30_000,
      200,
    );
    // One process holds the whole test cluster: its V8 heap is what the region server reports.
    expect(node.maxHeapSizeMB).toBeGreaterThanOrEqual(node.heapSizeMB);
    expect(node.maxHeapSizeMB).toBe(Math.floor(getHeapStatistics().heap_size_limit / (1024 * 1024)));
  });

  it('PUT /namespaces/NS replaces its properties (200), POST creates (201), PUT on a missing one is 403', async () => {
    expect((await http('POST', '/namespaces/team', { properties: { owner: 'ada', tier: 'gold' } })).status).toBe(201);
    const put = await http('PUT', '/namespaces/team', { properties: { owner: 'grace', quota: '10' } });
    expect(put.status, put.text).toBe(200);
    expect((await http('GET', '/namespaces/team')).json()).toEqual({ properties: { owner: 'grace', quota: '10' } });
    expect((await conn.admin().describeNamespace('team')).properties).toEqual({ owner: 'grace', quota: '10' });
    // An empty body leaves no properties, as HBase's PUT with an empty model.
    expect((await http('PUT', '/namespaces/team')).status).toBe(200);
    expect((await http('GET', '/namespaces/team')).json()).toEqual({ properties: {} });
    expect((await http('PUT', '/namespaces/ghost', { properties: { a: 'b' } })).status).toBe(403);
    const bad = await http('PUT', '/namespaces/team', { properties: { a: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.text.trim()).toMatch(/properties\.a/);
  });

  it('GET /namespaces/NS/tables of a missing namespace is a 404, not an empty list', async () => {
    const missing = await http('GET', '/namespaces/nowhere/tables');
    expect(missing.status).toBe(404);
    expect(missing.text.trim()).toContain("Namespace 'nowhere' does not exist.");
    expect((await http('POST', '/namespaces/empty')).status).toBe(201);
    expect((await http('GET', '/namespaces/empty/tables')).json()).toEqual({ table: [] });
  });

  it('Admin.modifyNamespace goes through the master and refuses a missing namespace with NAMESPACE_NOT_FOUND', async () => {
    await conn.admin().createNamespace('direct', { k: 'v' });
    await conn.admin().modifyNamespace('direct', { k: 'w', x: 'y' });
    expect((await conn.admin().describeNamespace('direct')).properties).toEqual({ k: 'w', x: 'y' });
    await expect(conn.admin().modifyNamespace('absent', { k: 'v' })).rejects.toMatchObject({ code: 'NAMESPACE_NOT_FOUND' });
    await expect(conn.admin().modifyNamespace('direct', { k: 3 } as unknown as Record<string, string>)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'properties.k' } });
  });
});
