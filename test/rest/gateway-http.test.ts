/**
 * The REST gateway speaks HBase REST's JSON over real HTTP on loopback — resources, shapes, status
 * codes and limits — checked against a small in-memory Connection (the end-to-end test does the
 * same against a real cluster).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock.js';
import { startRestServer, type RestServer } from '../../rest/server.js';
import { FakeConnection } from './fake-connection.js';
import type { CellJson, RowJson } from '../../rest/cellset.js';
import type { ColumnSchemaJson } from '../../rest/schema-json.js';
import { b64, httpClient, unb64 } from './http-client.js';

let server: RestServer;
let fake: FakeConnection;
let http: ReturnType<typeof httpClient>;
const clock = new ManualClock();

beforeAll(async () => {
  fake = new FakeConnection();
  server = await startRestServer({
    connection: fake,
    port: 0,
    clock,
    limits: { maxBodyBytes: 64 * 1024, maxCellsPerResponse: 50, maxScanners: 3, scannerIdleTimeoutMs: 1_000 },
  });
  http = httpClient(`http://${server.address}`);
  await fake.admin().createTable({ name: 'users', families: [{ name: 'cf', versions: 3 }, 'meta'] });
});

afterAll(async () => {
  await server.close();
});

const cellSet = (rows: Array<{ key?: string; cells: Array<{ column?: string; value: string; timestamp?: number }> }>) => ({
  Row: rows.map((r) => ({
    ...(r.key !== undefined ? { key: b64(r.key) } : {}),
    Cell: r.cells.map((c) => ({ ...(c.column !== undefined ? { column: b64(c.column) } : {}), $: b64(c.value), ...(c.timestamp !== undefined ? { timestamp: c.timestamp } : {}) })),
  })),
});

describe('cluster resources', () => {
  it('/version answers HBase VersionModel fields', async () => {
    const a = await http('GET', '/version');
    expect(a.status).toBe(200);
    expect(Object.keys(a.json())).toEqual(['REST', 'JVM', 'OS', 'Server', 'Jersey']);
    expect(a.headers.get('content-type')).toBe('application/json');
  });

  it('/version/cluster answers {"Version": …}', async () => {
    expect((await http('GET', '/version/cluster')).json()).toEqual({ Version: '0.1.0' });
  });

  it('/ lists user tables as {"table":[{"name":…}]}', async () => {
    expect((await http('GET', '/')).json()).toEqual({ table: [{ name: 'users' }] });
  });

  it('/status/cluster answers StorageClusterStatusModel with base64 region names', async () => {
    const s = (await http('GET', '/status/cluster')).json();
    expect(s).toMatchObject({ regions: 1, averageLoad: 1, DeadNodes: [] });
    expect(s.LiveNodes[0]).toMatchObject({ name: '127.0.0.1:16020', startCode: 1700000000000 });
    // RegionInfo.getRegionName(): table,startKey,regionId.encodedName. (the /T/regions name has no encoded part).
    expect(unb64(s.LiveNodes[0].Region[0].name)).toBe('users,,42.abc123.');
  });
});

describe('schema, exists, regions', () => {
  it('PUT /T/schema creates a table (201 + Location) and GET describes it in HBase attribute form', async () => {
    const put = await http('PUT', '/orders/schema', { name: 'orders', ColumnSchema: [{ name: 'd', VERSIONS: '5', TTL: '86400', BLOCKSIZE: '65536' }] });
    expect(put.status).toBe(201);
    expect(put.headers.get('location')).toBe(`http://${server.address}/orders/schema`);
    const schema = (await http('GET', '/orders/schema')).json();
    expect(schema).toMatchObject({ name: 'orders', IS_META: 'false' });
    expect(schema.ColumnSchema[0]).toMatchObject({ name: 'd', VERSIONS: '5', TTL: '86400', KEEP_DELETED_CELLS: 'FALSE' });
  });

  it('POST /T/schema adds a family to an existing table (200)', async () => {
    const post = await http('POST', '/orders/schema', { ColumnSchema: [{ name: 'x' }] });
    expect(post.status).toBe(200);
    expect((await http('GET', '/orders/schema')).json().ColumnSchema.map((c: ColumnSchemaJson) => c.name)).toEqual(['d', 'x']);
  });

  it('a schema with a bad attribute is a 400 with a one-line reason, and nothing is created', async () => {
    const a = await http('PUT', '/bad/schema', { ColumnSchema: [{ name: 'd', VERSIONS: 'many' }] });
    expect(a.status).toBe(400);
    expect(a.text).toMatch(/^Bad request: ColumnSchema\[0\]\.VERSIONS/);
    expect(a.text.trim().split('\n')).toHaveLength(1);
    expect((await http('GET', '/bad/exists')).status).toBe(404);
  });

  it('/T/exists is 200 for a table and 404 for none; /T/regions lists regions with base64 keys', async () => {
    expect((await http('GET', '/orders/exists')).status).toBe(200);
    expect((await http('GET', '/nope/exists')).status).toBe(404);
    const r = (await http('GET', '/users/regions')).json();
    expect(r).toEqual({ name: 'users', Region: [{ endKey: '', id: 42, location: '127.0.0.1:16020', name: 'users,,42', startKey: '' }] });
  });

  it('DELETE /T/schema drops the table', async () => {
    expect((await http('DELETE', '/orders/schema')).status).toBe(200);
    expect((await http('GET', '/orders/exists')).status).toBe(404);
    expect((await http('GET', '/orders/schema')).status).toBe(404);
  });

  it('a bad table name is a 400', async () => {
    expect((await http('GET', '/-bad/schema')).status).toBe(400);
  });
});

describe('rows', () => {
  it('PUT a CellSet then GET it back in HBase JSON (base64 key, column, value)', async () => {
    const put = await http('PUT', '/users/u1/cf:name', cellSet([{ key: 'u1', cells: [{ column: 'cf:name', value: 'Ada', timestamp: 100 }] }]));
    expect(put.status).toBe(200);
    const get = await http('GET', '/users/u1');
    expect(get.status).toBe(200);
    expect(get.json()).toEqual({ Row: [{ key: b64('u1'), Cell: [{ column: b64('cf:name'), timestamp: 100, $: b64('Ada') }] }] });
  });

  it('a cell without a column takes the column from the path', async () => {
    expect((await http('PUT', '/users/u1/cf:city', cellSet([{ cells: [{ value: 'London', timestamp: 100 }] }]))).status).toBe(200);
    expect(unb64((await http('GET', '/users/u1/cf:city')).json().Row[0].Cell[0].$)).toBe('London');
  });

  it('?v=N returns N versions newest first; /ts selects one version; /from,to a time range', async () => {
    for (const [ts, v] of [[200, 'Ada2'], [300, 'Ada3']] as const) {
      await http('PUT', '/users/u1/cf:name', cellSet([{ cells: [{ value: v, timestamp: ts }] }]));
    }
    const all = (await http('GET', '/users/u1/cf:name?v=3')).json().Row[0].Cell;
    expect(all.map((c: CellJson) => [c.timestamp, unb64(c.$)])).toEqual([[300, 'Ada3'], [200, 'Ada2'], [100, 'Ada']]);
    expect((await http('GET', '/users/u1/cf:name')).json().Row[0].Cell).toHaveLength(1);
    expect(unb64((await http('GET', '/users/u1/cf:name/200')).json().Row[0].Cell[0].$)).toBe('Ada2');
    const range = (await http('GET', '/users/u1/cf:name/100,300?v=5')).json().Row[0].Cell;
    expect(range.map((c: CellJson) => c.timestamp)).toEqual([200, 100]);
  });

  it('a missing row is 404', async () => {
    expect((await http('GET', '/users/nobody')).status).toBe(404);
    expect((await http('GET', '/nosuchtable/r1')).status).toBe(404);
  });

  it('multi-row PUT with a false row key writes every row; suffix globbing and ranges read them', async () => {
    const rows = cellSet(['g1', 'g2', 'g3', 'h1'].map((k) => ({ key: k, cells: [{ column: 'cf:v', value: k }] })));
    expect((await http('PUT', '/users/false-row-key', rows)).status).toBe(200);
    const glob = (await http('GET', '/users/g*')).json();
    expect(glob.Row.map((r: RowJson) => unb64(r.key))).toEqual(['g1', 'g2', 'g3']);
    const range = (await http('GET', '/users/g2,h1')).json();
    expect(range.Row.map((r: RowJson) => unb64(r.key))).toEqual(['g2', 'g3']);
  });

  it('GET /T/prefix* with query parameters is the stateless table scan (limit, startrow/endrow, column)', async () => {
    expect((await http('GET', '/users/g*?limit=2')).json().Row.map((r: RowJson) => unb64(r.key))).toEqual(['g1', 'g2']);
    const bounded = (await http('GET', '/users/*?startrow=g2&endrow=h2&column=cf:v')).json();
    expect(bounded.Row.map((r: RowJson) => unb64(r.key))).toEqual(['g2', 'g3', 'h1']);
    expect((await http('GET', '/users/g*?sideways=1')).status).toBe(400);
    expect((await http('GET', "/users/g*?filter=PrefixFilter('g'")).status).toBe(400);
    expect((await http('GET', '/users/zz*')).status).toBe(404);
  });

  it('percent-encoded keys address binary rows', async () => {
    await http('PUT', '/users/bin', cellSet([{ key: '\u0000/x', cells: [{ column: 'cf:v', value: 'binary' }] }]));
    expect(unb64((await http('GET', '/users/%00%2Fx')).json().Row[0].Cell[0].$)).toBe('binary');
  });

  it('/T/multiget returns the rows found, 404 when none', async () => {
    const a = (await http('GET', '/users/multiget?row=g1&row=nobody&row=h1')).json();
    expect(a.Row.map((r: RowJson) => unb64(r.key))).toEqual(['g1', 'h1']);
    expect((await http('GET', '/users/multiget?row=nobody')).status).toBe(404);
  });

  it('raw values: octet-stream PUT and GET with X-Timestamp', async () => {
    const put = await http('PUT', '/users/raw/cf:blob', Buffer.from([1, 2, 3]), { 'Content-Type': 'application/octet-stream', 'X-Timestamp': '555' });
    expect(put.status).toBe(200);
    const res = await fetch(`http://${server.address}/users/raw/cf:blob`, { headers: { Accept: 'application/octet-stream' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-timestamp')).toBe('555');
    expect([...Buffer.from(await res.arrayBuffer())]).toEqual([1, 2, 3]);
  });

  it('DELETE removes a column, then the row', async () => {
    await http('PUT', '/users/d1', cellSet([{ cells: [{ column: 'cf:a', value: '1' }, { column: 'cf:b', value: '2' }] }]));
    expect((await http('DELETE', '/users/d1/cf:a')).status).toBe(200);
    expect((await http('GET', '/users/d1')).json().Row[0].Cell.map((c: CellJson) => unb64(c.column))).toEqual(['cf:b']);
    expect((await http('DELETE', '/users/d1')).status).toBe(200);
    expect((await http('GET', '/users/d1')).status).toBe(404);
  });

  it('check=put applies when the checked value matches (200) and answers 304 when not', async () => {
    await http('PUT', '/users/c1', cellSet([{ cells: [{ column: 'cf:state', value: 'new' }] }]));
    const fail = await http('PUT', '/users/c1?check=put', cellSet([{ key: 'c1', cells: [{ column: 'cf:state', value: 'paid' }, { column: 'cf:state', value: 'WRONG' }] }]));
    expect(fail.status).toBe(304);
    const pass = await http('PUT', '/users/c1?check=put', cellSet([{ key: 'c1', cells: [{ column: 'cf:state', value: 'paid' }, { column: 'cf:state', value: 'new' }] }]));
    expect(pass.status).toBe(200);
    expect(unb64((await http('GET', '/users/c1/cf:state')).json().Row[0].Cell[0].$)).toBe('paid');
  });

  it('check=delete deletes only when the checked value matches', async () => {
    expect((await http('DELETE', '/users/c1?check=delete', cellSet([{ cells: [{ column: 'cf:state', value: 'new' }] }]))).status).toBe(304);
    expect((await http('PUT', '/users/c1?check=delete', cellSet([{ cells: [{ column: 'cf:state', value: 'paid' }] }]))).status).toBe(200);
    expect((await http('GET', '/users/c1')).status).toBe(404);
  });

  it('check=increment and check=append with returnResult', async () => {
    const inc = await http('PUT', '/users/n1?check=increment&returnResult=true', cellSet([{ cells: [{ column: 'cf:n', value: '5' }] }]));
    expect(inc.status).toBe(200);
    expect(Buffer.from(inc.json().Row[0].Cell[0].$, 'base64').readBigInt64BE()).toBe(5n);
    const app = await http('POST', '/users/a1?check=append&returnResult=true', cellSet([{ cells: [{ column: 'cf:s', value: 'ab' }] }]));
    expect(unb64(app.json().Row[0].Cell[0].$)).toBe('ab');
  });

  it('bad input answers 400 with one line, never a 500', async () => {
    const cases: Array<[string, string, unknown]> = [
      ['PUT', '/users/u9', '{not json'],
      ['PUT', '/users/u9', { Row: [{ key: '!!!', Cell: [{ column: b64('cf:a'), $: b64('v') }] }] }],
      ['PUT', '/users/u9', { Row: [{ Cell: [{ column: b64('cf'), $: b64('v') }] }] }],
      ['PUT', '/users/u9', { Row: [{ Cell: [{ column: b64('cf:a') }] }] }],
      ['PUT', '/users/u9?check=sideways', cellSet([{ cells: [{ column: 'cf:a', value: 'v' }] }])],
      ['GET', '/users/u1?v=0', undefined],
      ['GET', '/users/u1/cf:name/notatime', undefined],
      ['GET', '/users/%zz', undefined],
      ['DELETE', '/users/g*', undefined],
    ];
    for (const [method, path, body] of cases) {
      const a = await http(method, path, body);
      expect(a.status, `${method} ${path}`).toBe(400);
      expect(a.text.trim().split('\n'), `${method} ${path}`).toHaveLength(1);
    }
    expect((await http('GET', '/users/u1')).status).toBe(200);
  });

  it('a body past the limit is 413 and the connection still answers', async () => {
    const big = cellSet([{ key: 'big', cells: [{ column: 'cf:a', value: 'x'.repeat(100 * 1024) }] }]);
    expect((await http('PUT', '/users/big', big)).status).toBe(413);
    expect((await http('GET', '/version')).status).toBe(200);
  });

  it('a read larger than the per-response cell limit is refused, not truncated', async () => {
    const many = cellSet(Array.from({ length: 60 }, (_, i) => ({ key: `m${String(i).padStart(2, '0')}`, cells: [{ column: 'cf:v', value: 'x' }] })));
    await http('PUT', '/users/m', many);
    const a = await http('GET', '/users/m*');
    expect(a.status).toBe(400);
    expect(a.text).toContain('50 cells');
  });
});

describe('scanners', () => {
  it('create → 201 + Location; GET gives exactly `batch` cells per call; 204 when exhausted; DELETE', async () => {
    const create = await http('PUT', '/users/scanner', { startRow: b64('g'), endRow: b64('h'), batch: 2 });
    expect(create.status).toBe(201);
    const location = create.headers.get('location')!;
    expect(location).toMatch(new RegExp(`^http://${server.address}/users/scanner/\\w+$`));
    const path = new URL(location).pathname;
    const first = (await http('GET', path)).json();
    expect(first.Row.flatMap((r: RowJson) => r.Cell)).toHaveLength(2);
    expect(first.Row.map((r: RowJson) => unb64(r.key))).toEqual(['g1', 'g2']);
    const second = (await http('GET', path)).json();
    expect(second.Row.map((r: RowJson) => unb64(r.key))).toEqual(['g3']);
    expect((await http('GET', path)).status).toBe(204);
    expect((await http('DELETE', path)).status).toBe(200);
    expect((await http('GET', path)).status).toBe(404);
  });

  it('maps HBase JSON filters (a JSON string, as HBase sends it) onto FilterSpec', async () => {
    const filter = JSON.stringify({
      type: 'FilterList',
      op: 'MUST_PASS_ALL',
      filters: [
        { type: 'PrefixFilter', value: b64('g') },
        { type: 'SingleColumnValueFilter', family: b64('cf'), qualifier: b64('v'), op: 'EQUAL', comparator: { type: 'BinaryComparator', value: b64('g2') }, ifMissing: true },
        { type: 'ValueFilter', op: 'NOT_EQUAL', comparator: { type: 'SubstringComparator', value: 'zz' } },
      ],
    });
    const create = await http('POST', '/users/scanner', { filter, column: [b64('cf:v')], maxVersions: 2 });
    expect(create.status).toBe(201);
    const scan = fake.scans[fake.scans.length - 1]!;
    expect(scan.columns).toEqual([{ family: 'cf', qualifier: Buffer.from('v') }]);
    expect(scan.maxVersions).toBe(2);
    expect(scan.filter).toEqual({
      type: 'FilterList',
      operator: 'MUST_PASS_ALL',
      filters: [
        { type: 'PrefixFilter', prefix: Buffer.from('g') },
        { type: 'SingleColumnValueFilter', family: 'cf', qualifier: Buffer.from('v'), op: 'EQUAL', comparator: { type: 'binary', value: Buffer.from('g2') }, filterIfMissing: true, latestVersionOnly: true },
        { type: 'ValueFilter', op: 'NOT_EQUAL', comparator: { type: 'substring', substring: 'zz' } },
      ],
    });
    await http('DELETE', new URL(create.headers.get('location')!).pathname);
  });

  it('a bad scanner spec or filter is a 400; a scanner on a missing table is a 404', async () => {
    expect((await http('PUT', '/users/scanner', { filter: '{"type":"NoSuchFilter"}' })).status).toBe(400);
    expect((await http('PUT', '/users/scanner', { filter: '{"type":"RowFilter","op":"EQUAL","comparator":{"type":"BitComparator","value":"AA=="}}' })).status).toBe(400);
    expect((await http('PUT', '/users/scanner', { batch: 'lots' })).status).toBe(400);
    expect((await http('PUT', '/users/scanner', { batch: 51 })).status).toBe(400);
    expect((await http('PUT', '/nosuch/scanner', {})).status).toBe(404);
  });

  it('the gateway holds at most maxScanners (503 past it) and closes idle ones', async () => {
    const paths: string[] = [];
    for (let i = 0; i < 3; i++) {
      const a = await http('PUT', '/users/scanner', { batch: 1 });
      expect(a.status).toBe(201);
      paths.push(new URL(a.headers.get('location')!).pathname);
    }
    const refused = await http('PUT', '/users/scanner', { batch: 1 });
    expect(refused.status).toBe(503);
    expect(refused.text).toContain('SERVER_BUSY');
    await http('GET', paths[0]!);
    clock.advance(1_001);
    expect(await server.context.scanners.expireIdle()).toBe(3);
    expect((await http('GET', paths[0]!)).status).toBe(404);
    expect((await http('PUT', '/users/scanner', { batch: 1 })).status).toBe(201);
    await server.context.scanners.closeAll();
  });
});

describe('namespaces and metrics', () => {
  it('lists, creates (201), describes, lists tables of and drops namespaces', async () => {
    expect((await http('GET', '/namespaces')).json()).toEqual({ Namespace: ['default', 'basalt'] });
    expect((await http('POST', '/namespaces/sales', { properties: { owner: 'ops' } })).status).toBe(201);
    expect((await http('POST', '/namespaces/sales')).status).toBe(403);
    expect((await http('GET', '/namespaces/sales')).json()).toEqual({ properties: { owner: 'ops' } });
    await fake.admin().createTable({ name: 'sales:q1', families: ['f'] });
    expect((await http('GET', '/namespaces/sales/tables')).json()).toEqual({ table: [{ name: 'q1' }] });
    expect((await http('GET', '/sales:q1/exists')).status).toBe(200);
    expect((await http('GET', '/namespaces/nope')).status).toBe(404);
    expect((await http('DELETE', '/namespaces/empty')).status).toBe(404);
  });

  it('/metrics serves Prometheus text with the gateway request counters', async () => {
    const res = await fetch(`http://${server.address}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/basalt_rest_requests_total\{operation="GET row",outcome="200"\} \d+/);
    expect(text).toContain('basalt_rest_request_duration_seconds_bucket');
    expect(text).toContain('basalt_rest_scanners_open');
  });
});
