/**
 * Whatever a client sends — random methods, paths, query strings, headers and bodies — the gateway
 * answers with a status below 500 and one line of text or JSON, and keeps serving (seeded; the
 * seed is printed so a failure replays).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRestServer, type RestServer } from '../../rest/server.js';
import { FakeConnection } from './fake-connection.js';

let server: RestServer;

beforeAll(async () => {
  const fake = new FakeConnection();
  await fake.admin().createTable({ name: 't', families: ['cf'] });
  await fake.table('t').put({ row: 'r1', cells: [{ family: 'cf', qualifier: 'q', value: 'v' }] });
  server = await startRestServer({ connection: fake, port: 0, limits: { maxBodyBytes: 4096, maxCellsPerResponse: 100 } });
});

afterAll(async () => {
  await server.close();
});

const segment = fc.oneof(
  fc.constantFrom('t', 'schema', 'scanner', 'multiget', 'exists', 'regions', 'namespaces', 'version', 'status', 'cluster', 'r1', 'r*', 'a,b', 'cf:q', 'cf', '123', '1,2', '%zz', '%00', '', '*', 'tables', 'default'),
  fc.string({ maxLength: 8 }).map((s) => encodeURIComponent(s)),
);
const jsonish = fc.oneof(
  fc.constant(undefined),
  fc.constant('{'),
  fc.string({ maxLength: 40 }),
  fc.json(),
  fc.constantFrom(
    { Row: [{ key: 'cjE=', Cell: [{ column: 'Y2Y6cQ==', $: 'dg==' }] }] },
    { Row: [{ key: '!!', Cell: [{ column: 'Y2Y6cQ==', $: 'dg==' }] }] },
    { Row: [{ Cell: [{ $: 5 }] }] },
    { Row: 7 },
    { ColumnSchema: [{ name: 'cf', VERSIONS: -1 }] },
    { ColumnSchema: [{ name: 7 }] },
    { batch: 0, filter: '{"type":"FilterList","filters":[{"type":"PrefixFilter"}]}' },
    { filter: { type: 'SkipFilter', filters: [] } },
    { startRow: 5, column: [1, 2] },
    { properties: { a: 1 } },
  ),
);

describe('gateway robustness', () => {
  it('answers every random request with a status below 500 and stays up', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
    console.log(`gateway fuzz seed ${seed}`);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'PATCH'),
        fc.array(segment, { minLength: 0, maxLength: 5 }),
        fc.constantFrom('', '?v=2', '?v=x', '?check=put', '?check=delete', '?check=increment', '?check=nope', '?row=r1&row=%zz', '?n=3&c=2', '?c=-1', '?returnResult=true'),
        fc.constantFrom('application/json', 'application/octet-stream', 'text/xml', ''),
        jsonish,
        async (method, segments, query, contentType, body) => {
          const headers: Record<string, string> = { Accept: 'application/json' };
          if (contentType) headers['Content-Type'] = contentType;
          const init: RequestInit = { method, headers };
          if (body !== undefined && method !== 'GET' && method !== 'HEAD') init.body = typeof body === 'string' ? body : JSON.stringify(body);
          const res = await fetch(`http://${server.address}/${segments.join('/')}${query}`, init);
          const text = await res.text();
          expect(res.status, `${method} /${segments.join('/')}${query} → ${text}`).toBeLessThan(500);
          if (res.status >= 400) expect(text.trim().split('\n')).toHaveLength(1);
        },
      ),
      { seed, numRuns: 400 },
    );
    expect((await fetch(`http://${server.address}/version`)).status).toBe(200);
  });
});
