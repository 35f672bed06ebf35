/**
 * Every JSON answer has HBase REST's shape: the field names and JSON types of hbase-rest's models
 * (VersionModel, StorageClusterVersionModel, StorageClusterStatusModel, TableListModel,
 * TableSchemaModel, TableInfoModel, CellSetModel, NamespacesModel, NamespacesInstanceModel), each
 * written below as a skeleton. Basalt may add fields; it may not drop or retype one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRestServer, type RestServer } from '../../rest/server.js';
import { FakeConnection } from './fake-connection.js';
import { b64, httpClient } from './http-client.js';

type Skeleton = 'string' | 'number' | 'boolean' | Skeleton[] | { [key: string]: Skeleton };

const CELL_SET: Skeleton = { Row: [{ key: 'string', Cell: [{ column: 'string', timestamp: 'number', $: 'string' }] }] };
const SHAPES: Record<string, Skeleton> = {
  '/version': { REST: 'string', JVM: 'string', OS: 'string', Server: 'string', Jersey: 'string' },
  '/version/cluster': { Version: 'string' },
  '/status/cluster': {
    regions: 'number',
    requests: 'number',
    averageLoad: 'number',
    LiveNodes: [
      {
        name: 'string',
        startCode: 'number',
        requests: 'number',
        heapSizeMB: 'number',
        maxHeapSizeMB: 'number',
        Region: [
          {
            name: 'string',
            stores: 'number',
            storefiles: 'number',
            storefileSizeMB: 'number',
            memStoreSizeMB: 'number',
            storefileIndexSizeKB: 'number',
            readRequestsCount: 'number',
            writeRequestsCount: 'number',
            rootIndexSizeKB: 'number',
            totalStaticIndexSizeKB: 'number',
            totalStaticBloomSizeKB: 'number',
            totalCompactingKVs: 'number',
            currentCompactedKVs: 'number',
          },
        ],
      },
    ],
    DeadNodes: [],
  },
  '/': { table: [{ name: 'string' }] },
  '/shapes/schema': {
    name: 'string',
    ColumnSchema: [
      {
        name: 'string',
        BLOOMFILTER: 'string',
        VERSIONS: 'string',
        IN_MEMORY: 'string',
        KEEP_DELETED_CELLS: 'string',
        DATA_BLOCK_ENCODING: 'string',
        TTL: 'string',
        COMPRESSION: 'string',
        MIN_VERSIONS: 'string',
        BLOCKCACHE: 'string',
        BLOCKSIZE: 'string',
        REPLICATION_SCOPE: 'string',
      },
    ],
    IS_META: 'string',
  },
  '/shapes/regions': { name: 'string', Region: [{ endKey: 'string', id: 'number', location: 'string', name: 'string', startKey: 'string' }] },
  '/shapes/r1': CELL_SET,
  '/shapes/multiget?row=r1': CELL_SET,
  '/shapes/r*': CELL_SET,
  '/namespaces': { Namespace: ['string'] },
  '/namespaces/default': { properties: {} },
  '/namespaces/default/tables': { table: [{ name: 'string' }] },
};

/** Paths where `value` lacks a field of `shape` or has it with another JSON type. */
function mismatches(shape: Skeleton, value: unknown, path = '$'): string[] {
  if (typeof shape === 'string') return typeof value === shape ? [] : [`${path}: expected ${shape}, got ${JSON.stringify(value)}`];
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return [`${path}: expected an array`];
    if (shape.length === 0) return [];
    if (value.length === 0) return [`${path}: expected at least one element to check`];
    return value.flatMap((v, i) => mismatches(shape[0]!, v, `${path}[${i}]`));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [`${path}: expected an object`];
  return Object.entries(shape).flatMap(([k, s]) => (k in value ? mismatches(s, (value as Record<string, unknown>)[k], `${path}.${k}`) : [`${path}.${k}: missing`]));
}

let server: RestServer;
let http: ReturnType<typeof httpClient>;

beforeAll(async () => {
  const fake = new FakeConnection();
  server = await startRestServer({ connection: fake, port: 0 });
  http = httpClient(`http://${server.address}`);
  expect((await http('PUT', '/shapes/schema', { ColumnSchema: [{ name: 'cf' }] })).status).toBe(201);
  expect((await http('PUT', '/shapes/r1', { Row: [{ key: b64('r1'), Cell: [{ column: b64('cf:q'), $: b64('v') }] }] })).status).toBe(200);
});

afterAll(async () => {
  await server.close();
});

describe("HBase REST's JSON shapes", () => {
  for (const [path, shape] of Object.entries(SHAPES)) {
    it(`GET ${path}`, async () => {
      const a = await http('GET', path);
      expect(a.status, a.text).toBe(200);
      expect(a.headers.get('content-type')).toBe('application/json');
      expect(mismatches(shape, a.json())).toEqual([]);
    });
  }

  it('the shape check itself catches a missing or retyped field', () => {
    expect(mismatches({ a: 'string', b: ['number'] }, { a: 1, b: [2] })).toEqual(['$.a: expected string, got 1']);
    expect(mismatches({ Row: [{ key: 'string' }] }, { Row: [{}] })).toEqual(['$.Row[0].key: missing']);
  });
});
