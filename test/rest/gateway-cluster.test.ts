/**
 * End to end: `basalt rest` as a child process in front of a real standalone cluster (`basalt
 * start`, also a child process) answers HBase REST's JSON over loopback — table DDL, rows,
 * versions, globbing, multiget, check-and-put, scanners with HBase JSON filters run by the region
 * server, namespaces, cluster status — and stops cleanly on SIGTERM.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCliPath, spawnUntil } from '../../coord/server/process-ensemble.js';
import type { CellJson, RowJson } from '../../rest/cellset.js';
import type { ColumnSchemaJson } from '../../rest/schema-json.js';
import { b64, httpClient, unb64 } from './http-client.js';

const cli = defaultCliPath();
let cluster: ChildProcess;
let gateway: ChildProcess;
let dataDir: string;
let base: string;
let regionServer: string;
let startLine: string;
let http: ReturnType<typeof httpClient>;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'basalt-rest-e2e-'));
  const started = await spawnUntil([cli, 'start', '--data-dir', dataDir, '--port', '0'], ' ready ', { timeoutMs: 60_000 });
  cluster = started.child;
  startLine = started.line;
  const coord = /coord=(\S+)/.exec(started.line)![1]!;
  regionServer = /regionServers=(\S+)/.exec(started.line)![1]!;
  const rest = await spawnUntil([cli, 'rest', '--coord', coord, '--port', '0'], ' ready ', { timeoutMs: 60_000 });
  gateway = rest.child;
  base = `http://${/address=(\S+)/.exec(rest.line)![1]!}`;
  http = httpClient(base);
}, 120_000);

afterAll(async () => {
  gateway?.kill('SIGKILL');
  cluster?.kill('SIGKILL');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const cells = (key: string, list: Array<[string, string, number?]>) => ({
  Row: [{ key: b64(key), Cell: list.map(([column, value, timestamp]) => ({ column: b64(column), $: b64(value), ...(timestamp ? { timestamp } : {}) })) }],
});

describe('basalt rest against a real cluster', () => {
  it('creates a table through /T/schema and describes it, its regions and the cluster', async () => {
    const created = await http('PUT', '/people/schema', { name: 'people', ColumnSchema: [{ name: 'cf', VERSIONS: '3' }, { name: 'x' }] });
    expect(created.status, created.text).toBe(201);
    const schema = (await http('GET', '/people/schema')).json();
    expect(schema.name).toBe('people');
    expect(schema.ColumnSchema.map((c: ColumnSchemaJson) => [c.name, c.VERSIONS])).toEqual([
      ['cf', '3'],
      ['x', '1'],
    ]);
    expect((await http('GET', '/')).json()).toEqual({ table: [{ name: 'people' }] });
    expect((await http('GET', '/people/exists')).status).toBe(200);
    const regions = (await http('GET', '/people/regions')).json();
    expect(regions.Region).toHaveLength(1);
    expect(regions.Region[0]).toMatchObject({ startKey: '', endKey: '', location: regionServer });
    const status = (await http('GET', '/status/cluster')).json();
    expect(status.LiveNodes.map((n: { name: string }) => n.name)).toEqual([regionServer]);
    expect(status.regions).toBeGreaterThanOrEqual(2); // meta and people
    expect((await http('GET', '/version/cluster')).json()).toEqual({ Version: '0.1.0' });
  });

  it('writes and reads rows: versions, one timestamp, column lists, globbing, multiget, deletes', async () => {
    for (const [ts, v] of [[1000, 'a1'], [2000, 'a2'], [3000, 'a3']] as const) {
      expect((await http('PUT', '/people/ada/cf:name', cells('ada', [['cf:name', v, ts]]))).status).toBe(200);
    }
    await http('PUT', '/people/ada', cells('ada', [['x:tag', 'math']]));
    const versions = (await http('GET', '/people/ada/cf:name?v=3')).json().Row[0].Cell;
    expect(versions.map((c: CellJson) => [c.timestamp, unb64(c.$)])).toEqual([
      [3000, 'a3'],
      [2000, 'a2'],
      [1000, 'a1'],
    ]);
    expect(unb64((await http('GET', '/people/ada/cf:name/2000')).json().Row[0].Cell[0].$)).toBe('a2');
    const row = (await http('GET', '/people/ada')).json().Row[0];
    expect(row.Cell.map((c: CellJson) => unb64(c.column))).toEqual(['cf:name', 'x:tag']);

    const many = { Row: ['bob', 'bea', 'cid'].map((k) => ({ key: b64(k), Cell: [{ column: b64('cf:name'), $: b64(k.toUpperCase()) }] })) };
    expect((await http('PUT', '/people/fakerow', many)).status).toBe(200);
    expect((await http('GET', '/people/b*')).json().Row.map((r: RowJson) => unb64(r.key))).toEqual(['bea', 'bob']);
    const multi = (await http('GET', '/people/multiget?row=cid&row=nobody&row=ada')).json();
    expect(multi.Row.map((r: RowJson) => unb64(r.key))).toEqual(['cid', 'ada']);

    expect((await http('DELETE', '/people/ada/x:tag')).status).toBe(200);
    expect((await http('GET', '/people/ada')).json().Row[0].Cell.map((c: CellJson) => unb64(c.column))).toEqual(['cf:name']);
    expect((await http('DELETE', '/people/cid')).status).toBe(200);
    expect((await http('GET', '/people/cid')).status).toBe(404);
  });

  it('check=put applies only when the checked value matches', async () => {
    const body = (expected: string) => cells('bob', [['cf:name', 'ROBERT'], ['cf:name', expected]]);
    expect((await http('PUT', '/people/bob?check=put', body('nope'))).status).toBe(304);
    expect((await http('PUT', '/people/bob?check=put', body('BOB'))).status).toBe(200);
    expect(unb64((await http('GET', '/people/bob/cf:name')).json().Row[0].Cell[0].$)).toBe('ROBERT');
  });

  it('scanners return exactly `batch` cells per call, run HBase JSON filters on the server, and end with 204', async () => {
    const rows = { Row: Array.from({ length: 5 }, (_, i) => ({ key: b64(`s${i}`), Cell: [{ column: b64('cf:a'), $: b64(`v${i}`) }, { column: b64('cf:b'), $: b64(i % 2 ? 'odd' : 'even') }] })) };
    await http('PUT', '/people/fakerow', rows);
    const create = await http('POST', '/people/scanner', { startRow: b64('s'), endRow: b64('t'), batch: 3 });
    expect(create.status).toBe(201);
    const path = new URL(create.headers.get('location')!).pathname;
    const sizes: number[] = [];
    for (;;) {
      const next = await http('GET', path);
      if (next.status === 204) break;
      expect(next.status).toBe(200);
      sizes.push(next.json().Row.flatMap((r: RowJson) => r.Cell).length);
    }
    expect(sizes).toEqual([3, 3, 3, 1]);
    expect((await http('DELETE', path)).status).toBe(200);

    const filter = JSON.stringify({
      type: 'SingleColumnValueFilter',
      family: b64('cf'),
      qualifier: b64('b'),
      op: 'EQUAL',
      comparator: { type: 'BinaryComparator', value: b64('odd') },
      ifMissing: true,
    });
    const filtered = await http('PUT', '/people/scanner', { startRow: b64('s'), endRow: b64('t'), filter });
    expect(filtered.status, filtered.text).toBe(201);
    const got = (await http('GET', new URL(filtered.headers.get('location')!).pathname)).json();
    expect(got.Row.map((r: RowJson) => unb64(r.key))).toEqual(['s1', 's3']);
  });

  it('the stateless table scan runs a filter-language filter on the server', async () => {
    const res = await http('GET', `/people/s*?filter=${encodeURIComponent("SingleColumnValueFilter('cf','b',=,'binary:even')")}&column=cf:b`);
    expect(res.status, res.text).toBe(200);
    expect(res.json().Row.map((r: RowJson) => unb64(r.key))).toEqual(['s0', 's2', 's4']);
    expect((await http('GET', '/people/s*?limit=2')).json().Row.map((r: RowJson) => unb64(r.key))).toEqual(['s0', 's1']);
  });

  it('namespaces: create, a table inside, list its tables', async () => {
    expect((await http('POST', '/namespaces/ops')).status).toBe(201);
    expect((await http('GET', '/namespaces')).json().Namespace).toContain('ops');
    expect((await http('PUT', '/ops:jobs/schema', { ColumnSchema: [{ name: 'f' }] })).status).toBe(201);
    expect((await http('GET', '/namespaces/ops/tables')).json()).toEqual({ table: [{ name: 'jobs' }] });
  });

  it('bad input is a one-line 400, a missing table a 404, and the gateway serves /metrics', async () => {
    const bad = await http('PUT', '/people/zed', { Row: [{ key: b64('zed'), Cell: [{ column: b64('nofamily:q'), $: b64('v') }] }] });
    expect([400, 404]).toContain(bad.status);
    expect(bad.text.trim().split('\n')).toHaveLength(1);
    expect((await http('PUT', '/people/scanner', { filter: '{"type":"PrefixFilter","value":"%%%"}' })).status).toBe(400);
    expect((await http('GET', '/ghost/row1')).status).toBe(404);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/basalt_rest_requests_total\{operation="PUT scanner",outcome="201"\} [1-9]/);
  });

  it('basalt start itself serves a REST gateway (rest=) and a status page with /metrics (info=)', async () => {
    const rest = /rest=(\S+)/.exec(startLine)?.[1];
    const info = /info=(\S+)/.exec(startLine)?.[1];
    expect(rest, startLine).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(info, startLine).toMatch(/^127\.0\.0\.1:\d+$/);
    const schema = await fetch(`http://${rest}/people/schema`, { headers: { Accept: 'application/json' } });
    expect(schema.status).toBe(200);
    expect(((await schema.json()) as { name: string }).name).toBe('people');
    const page = await fetch(`http://${info}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('people');
    expect(await (await fetch(`http://${info}/metrics`)).text()).toMatch(/^basalt_master_tables \d+$/m);
  });

  it('drops a table through DELETE /T/schema, then stops cleanly on SIGTERM', async () => {
    expect((await http('DELETE', '/people/schema')).status).toBe(200);
    expect((await http('GET', '/people/exists')).status).toBe(404);
    const exited = new Promise<number | null>((resolve) => gateway.once('exit', (code) => resolve(code)));
    gateway.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
