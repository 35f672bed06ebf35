/**
 * `basalt bench rest`: the same work through the REST gateway (HTTP/JSON, base64) and through the
 * TypeScript client directly, in one run against one cluster — single-row PUTs, random single-row
 * GETs, and a full scan (a scanner with 1,000-cell batches vs the client's scan) — so the figure
 * is the gateway's cost over the client it is built on (REST requests go through a lean keep-alive
 * `node:http` client, not `fetch`). Without --coord it starts a temporary
 * standalone cluster (`basalt start` in a child process) and removes it afterwards.
 */
import { spawn } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Connection } from '../client/api.js';
import { connect } from '../client/connection.js';
import { benchCommand, positiveInt } from '../common/cli-flags.js';
import { SeededRandom } from '../common/random.js';
import { startRestServer } from '../rest/server.js';

interface BenchFlags {
  coord?: string;
  rows: number;
  gets: number;
  concurrency: number;
  seed: number;
  json?: boolean;
}

interface Figure {
  work: string;
  rest: number;
  client: number;
}

async function temporaryCluster(): Promise<{ coord: string; close(): void }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'basalt-bench-rest-'));
  const child = spawn(process.execPath, [process.argv[1]!, 'start', '--data-dir', dataDir, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BASALT_LOG_LEVEL: 'warn' },
  });
  const coord = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const m = / ready .*coord=(\S+)/.exec(buffer);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`basalt start exited with ${code}`)));
  });
  return {
    coord,
    close: () => {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function timed(count: number, concurrency: number, op: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) await op(i);
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

const key = (i: number): string => `row${String(i).padStart(8, '0')}`;

interface HttpAnswer {
  status: number;
  location?: string;
  body: Buffer;
}

/**
 * A lean HTTP/1.1 client on keep-alive connections (one per request in flight), so that the
 * figure is the gateway's cost rather than a heavy client's: Node's `fetch` spends more CPU per
 * request than the gateway's own work, and here both share the bench process.
 */
function httpClient(maxSockets: number): { call(method: string, url: string, body?: string): Promise<HttpAnswer>; close(): void } {
  const agent = new Agent({ keepAlive: true, maxSockets });
  return {
    call: (method, url, body) =>
      new Promise<HttpAnswer>((resolve, reject) => {
        const headers: Record<string, string | number> = { Accept: 'application/json' };
        if (body !== undefined) {
          headers['Content-Type'] = 'application/json';
          headers['Content-Length'] = Buffer.byteLength(body);
        }
        const req = httpRequest(url, { method, agent, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}), body: Buffer.concat(chunks) }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(body);
      }),
    close: () => agent.destroy(),
  };
}

export async function runRestBench(flags: BenchFlags): Promise<Figure[]> {
  const cluster = flags.coord ? undefined : await temporaryCluster();
  const coord = flags.coord ?? cluster!.coord;
  let connection: Connection | undefined;
  let gateway: Awaited<ReturnType<typeof startRestServer>> | undefined;
  let closeHttp: (() => void) | undefined;
  try {
    connection = await connect({ coord });
    gateway = await startRestServer({ connection, port: 0 });
    const base = `http://${gateway.address}`;
    const table = `bench_rest_${Date.now().toString(36)}`;
    await connection.admin().createTable({ name: table, families: ['cf'] });
    const value = Buffer.alloc(100, 0x61);
    const t = connection.table(table);
    const http = httpClient(flags.concurrency);
    closeHttp = () => http.close();
    const cellSet = (row: string) =>
      JSON.stringify({ Row: [{ key: Buffer.from(row).toString('base64'), Cell: [{ column: Buffer.from('cf:v').toString('base64'), $: value.toString('base64') }] }] });
    const check = (res: HttpAnswer, what: string): void => {
      if (res.status >= 300) throw new Error(`${what}: HTTP ${res.status}`);
    };
    const figures: Figure[] = [];
    const { rows, gets, concurrency } = flags;

    // PUT: the REST run writes the even rows, the client run the odd ones (both end up in the table).
    const restPut = await timed(rows, concurrency, async (i) => {
      check(await http.call('PUT', `${base}/${table}/${key(2 * i)}`, cellSet(key(2 * i))), 'PUT');
    });
    const clientPut = await timed(rows, concurrency, (i) => t.put({ row: key(2 * i + 1), cells: [{ family: 'cf', qualifier: 'v', value }] }));
    figures.push({ work: `single-row put (${rows} rows, ${concurrency} in flight)`, rest: restPut, client: clientPut });

    const random = new SeededRandom(flags.seed);
    const picks = Array.from({ length: gets }, () => key(random.int(2 * rows)));
    const restGet = await timed(gets, concurrency, async (i) => {
      check(await http.call('GET', `${base}/${table}/${picks[i]}`), 'GET');
    });
    const clientGet = await timed(gets, concurrency, async (i) => {
      await t.get({ row: picks[i]! });
    });
    figures.push({ work: `random single-row get (${gets} gets, ${concurrency} in flight)`, rest: restGet, client: clientGet });

    const total = 2 * rows;
    let started = performance.now();
    const created = await http.call('POST', `${base}/${table}/scanner`, JSON.stringify({ batch: 1000 }));
    check(created, 'scanner');
    const location = new URL(created.location!, base).toString();
    let seen = 0;
    for (;;) {
      const res = await http.call('GET', location);
      if (res.status === 204) break;
      check(res, 'scanner next');
      const body = JSON.parse(res.body.toString('utf8')) as { Row: Array<{ Cell: unknown[] }> };
      for (const r of body.Row) seen += r.Cell.length;
    }
    check(await http.call('DELETE', location), 'scanner delete');
    const restScan = seen / ((performance.now() - started) / 1000);
    started = performance.now();
    let scanned = 0;
    for await (const r of t.scan({ caching: 1000 })) scanned += r.cells.length;
    const clientScan = scanned / ((performance.now() - started) / 1000);
    if (seen !== total || scanned !== total) throw new Error(`scan saw ${seen} (REST) and ${scanned} (client) rows, expected ${total}`);
    figures.push({ work: `full scan, rows/s (${total} rows; REST scanner batch 1000)`, rest: restScan, client: clientScan });

    await connection.admin().disableTable(table);
    await connection.admin().deleteTable(table);
    return figures;
  } finally {
    closeHttp?.();
    await gateway?.close();
    await connection?.close();
    cluster?.close();
  }
}

export function register(program: Command): void {
  benchCommand(program)
    .command('rest')
    .description('the REST gateway vs the client it is built on: single-row put, random get, full scan')
    .option('--coord <servers>', 'a running cluster (default: start a temporary standalone one)')
    .option('--rows <n>', 'rows to put through each path', positiveInt('--rows'), 2_000)
    .option('--gets <n>', 'random gets through each path', positiveInt('--gets'), 2_000)
    .option('--concurrency <n>', 'requests in flight', positiveInt('--concurrency'), 8)
    .option('--seed <n>', 'seed of the random keys', positiveInt('--seed'), 42)
    .option('--json', 'print one JSON object {"results":[…]}')
    .action(async (flags: BenchFlags) => {
      const figures = await runRestBench(flags);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ results: figures })}\n`);
        return;
      }
      const lines = figures.map((f) => `${f.work.padEnd(62)} ${f.rest.toFixed(0).padStart(9)} ${f.client.toFixed(0).padStart(9)} ${((f.rest / f.client) * 100).toFixed(0).padStart(5)} %`);
      process.stdout.write(`basalt bench rest (seed ${flags.seed})\n${'work'.padEnd(62)} ${'REST/s'.padStart(9)} ${'client/s'.padStart(9)} ${'ratio'.padStart(7)}\n${lines.join('\n')}\n`);
    });
}
