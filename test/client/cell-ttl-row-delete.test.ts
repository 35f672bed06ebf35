/** Proves, through the client and the shell over real gRPC to real region servers, that a Put's per-cell TTL reaches the region (an expired cell is not returned, also after flush and major compaction, which drops it) and that a whole-row delete is one mutation the region turns into a DeleteFamily marker in every family of the table. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, isBasaltError } from '../../common/errors.js';
import { connectCluster, type ClusterConnection } from '../../client/connection.js';
import type { ResultCell, Table } from '../../client/api.js';
import { Session } from '../../shell/session.js';
import { FakeMaster } from './fake-master.js';

let master: FakeMaster;
let conn: ClusterConnection;
let table: Table;
const HOUR = 3_600_000;

beforeAll(async () => {
  master = await FakeMaster.start({ servers: 2 });
  await master.createTable('ttl', [{ name: 'a', maxVersions: 3 }, 'b', 'c'], ['m']);
  conn = await connectCluster({ coord: master.coordAddress, operationTimeoutMs: 20_000 });
  table = conn.table('ttl');
});

afterAll(async () => {
  await conn?.close();
  await master?.close();
});

const text = (cells: readonly ResultCell[]): string[] => cells.map((c) => `${c.family}:${c.qualifier.toString()}=${c.type === 'Put' ? c.value.toString() : c.type}`);

async function flushAndCompact(row: string): Promise<void> {
  const region = master.regionFor('ttl', row);
  const admin = master.servers[region.server]!.admin;
  await admin.flushRegion(region.encodedName);
  await admin.compactRegion(region.encodedName, true);
}

describe('per-cell TTL through the client', () => {
  // Timestamps an hour in the past: one cell's TTL ended long ago, the other's is hours away, so
  // the outcome does not depend on how fast the test runs.
  it('a cell past timestamp + ttlMs is not returned, one within it is; a flush and a major compaction keep that, and the compaction drops the expired cell', async () => {
    const ts = Date.now() - HOUR;
    await table.put({ row: 'r1', ttlMs: 60_000, cells: [{ family: 'a', qualifier: 'gone', value: 'x', timestamp: ts }] });
    await table.put({ row: 'r1', ttlMs: 10 * HOUR, cells: [{ family: 'a', qualifier: 'live', value: 'y', timestamp: ts }] });
    await table.put({ row: 'r1', cells: [{ family: 'b', qualifier: 'plain', value: 'z', timestamp: ts }] });
    expect(text((await table.get({ row: 'r1' })).cells)).toEqual(['a:live=y', 'b:plain=z']);
    expect(text((await table.get({ row: 'r1', raw: true })).cells)).toEqual(['a:gone=x', 'a:live=y', 'b:plain=z']);
    await flushAndCompact('r1');
    expect(text((await table.get({ row: 'r1' })).cells)).toEqual(['a:live=y', 'b:plain=z']);
    expect(text((await table.get({ row: 'r1', raw: true })).cells)).toEqual(['a:live=y', 'b:plain=z']);
  });

  it('a TTL applies to every cell of the put, in batch and mutateRow too', async () => {
    const ts = Date.now() - HOUR;
    await table.batch([{ put: { row: 'r2', ttlMs: 1_000, cells: [{ family: 'a', qualifier: 'q', value: 'v', timestamp: ts }, { family: 'c', qualifier: 'q', value: 'w', timestamp: ts }] } }]);
    await table.mutateRow('r3', [{ put: { row: 'r3', ttlMs: 1_000, cells: [{ family: 'a', qualifier: 'q', value: 'v', timestamp: ts }] } }, { put: { row: 'r3', cells: [{ family: 'b', qualifier: 'q', value: 'kept', timestamp: ts }] } }]);
    expect((await table.get({ row: 'r2' })).isEmpty).toBe(true);
    expect(text((await table.get({ row: 'r3' })).cells)).toEqual(['b:q=kept']);
  });

  it('increment and append carry a TTL to the cells they write; without one the cells stay', async () => {
    await table.increment({ row: 'i1', columns: [{ family: 'a', qualifier: 'short', amount: 1 }], ttlMs: 1 });
    await table.append({ row: 'i1', columns: [{ family: 'b', qualifier: 'short', value: 'x' }], ttlMs: 1 });
    await table.increment({ row: 'i1', columns: [{ family: 'a', qualifier: 'kept', amount: 1 }] });
    // The 1-ms cells expire on the server's clock; wait for that (bounded), then the kept one is alone.
    const deadline = Date.now() + 10_000;
    let cells = text((await table.get({ row: 'i1' })).cells);
    while (cells.length > 1 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      cells = text((await table.get({ row: 'i1' })).cells);
    }
    expect(cells).toEqual([`a:kept=${Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]).toString()}`]);
  });

  it('refuses a TTL that is not a positive whole number of ms before sending, naming the field', async () => {
    for (const ttlMs of [0, -5, 1.5]) {
      const err = await table.put({ row: 'r4', ttlMs, cells: [{ family: 'a', qualifier: 'q', value: 'v' }] }).then(() => undefined, (e: unknown) => e);
      expect(isBasaltError(err, ErrorCodes.INVALID_ARGUMENT)).toBe(true);
      expect((err as { details: { field?: string } }).details.field).toBe('put.ttlMs');
    }
    expect((await table.get({ row: 'r4' })).isEmpty).toBe(true);
  });
});

describe('whole-row delete through the client', () => {
  it('marks every family of the table, including one the row has no cell in, in one mutation', async () => {
    await table.put({ row: 'd1', cells: [{ family: 'a', qualifier: 'x', value: '1' }, { family: 'b', qualifier: 'y', value: '2' }] });
    await table.delete({ row: 'd1' });
    expect((await table.get({ row: 'd1' })).isEmpty).toBe(true);
    const markers = (await table.get({ row: 'd1', raw: true })).cells.filter((c) => c.type === 'DeleteFamily');
    expect(markers.map((c) => c.family)).toEqual(['a', 'b', 'c']);
    expect(new Set(markers.map((c) => c.timestamp)).size).toBe(1);
  });

  it('a delete at timestamp T hides only cells at or before T', async () => {
    await table.put({ row: 'd2', cells: [{ family: 'a', qualifier: 'x', value: 'old', timestamp: 100 }, { family: 'b', qualifier: 'y', value: 'at', timestamp: 200 }, { family: 'c', qualifier: 'z', value: 'new', timestamp: 300 }] });
    await table.delete({ row: 'd2', timestamp: 200 });
    expect(text((await table.get({ row: 'd2' })).cells)).toEqual(['c:z=new']);
  });

  it('works in batch across regions, in mutateRow before a put, and in checkAndMutate', async () => {
    for (const row of ['d3', 'z3']) await table.put({ row, cells: [{ family: 'c', qualifier: 'q', value: row }] });
    const results = await table.batch([{ delete: { row: 'd3' } }, { delete: { row: 'z3' } }, { delete: { row: 'never-written' } }]);
    expect(results.every((r) => r.ok)).toBe(true);
    for (const row of ['d3', 'z3']) expect((await table.get({ row })).isEmpty).toBe(true);
    await table.put({ row: 'd4', cells: [{ family: 'a', qualifier: 'q', value: 'before', timestamp: 10 }] });
    await table.mutateRow('d4', [{ delete: { row: 'd4', timestamp: 20 } }, { put: { row: 'd4', cells: [{ family: 'b', qualifier: 'q', value: 'after', timestamp: 20 }] } }]);
    expect(text((await table.get({ row: 'd4' })).cells)).toEqual(['b:q=after']);
    expect(await table.checkAndMutate({ row: 'd4', family: 'b', qualifier: 'q', value: 'after', delete: { row: 'd4' } })).toBe(true);
    expect((await table.get({ row: 'd4' })).isEmpty).toBe(true);
  });
});

describe('the shell over the same connection', () => {
  it("put, incr and append {TTL => ms} write per-cell TTLs and deleteall marks every family", async () => {
    let out = '';
    let err = '';
    const session = new Session({ connect: async () => conn, out: { write: (t) => void (out += t) }, err: { write: (t) => void (err += t) }, monotonic: () => 0 });
    const ts = Date.now() - HOUR;
    for (const source of [
      `put 'ttl', 's1', 'a:gone', 'x', ${ts}, {TTL => 60000}`,
      `put 'ttl', 's1', 'a:live', 'y', ${ts}, {TTL => ${10 * HOUR}}`,
      "put 'ttl', 's2', 'b:q', 'v'",
      "deleteall 'ttl', 's2'",
      "incr 'ttl', 's3', 'a:n', 3, {TTL => 1}",
      "append 'ttl', 's3', 'b:s', 'x', {TTL => 1}",
      "incr 'ttl', 's3', 'a:kept', 2",
    ]) {
      expect((await session.execute(source)).ok, `${source}: ${err}`).toBe(true);
    }
    expect(err).toBe('');
    expect(out).not.toContain('ERROR');
    expect(text((await table.get({ row: 's1' })).cells)).toEqual(['a:live=y']);
    expect(text((await table.get({ row: 's2', raw: true })).cells.filter((c) => c.type !== 'Put'))).toEqual(['a:=DeleteFamily', 'b:=DeleteFamily', 'c:=DeleteFamily']);
    expect((await table.get({ row: 's2' })).isEmpty).toBe(true);
    expect(out).toContain('COUNTER VALUE = 3\n');
    expect(out).toContain('CURRENT VALUE = x\n');
    // The 1-ms cells of incr and append expire on the server's clock (bounded wait); the other stays.
    const deadline = Date.now() + 10_000;
    let cells = (await table.get({ row: 's3' })).cells;
    while (cells.length > 1 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      cells = (await table.get({ row: 's3' })).cells;
    }
    expect(cells.map((c) => `${c.family}:${c.qualifier.toString()}`)).toEqual(['a:kept']);
  });
});
