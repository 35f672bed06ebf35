/** Proves that every Table operation reaches the right region of a pre-split table through meta, on real region servers, and that bad input is refused with typed errors before anything is sent. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../common/errors.js';
import { connectCluster, type ClusterConnection } from '../../client/connection.js';
import type { Table } from '../../client/api.js';
import { FakeMaster } from './fake-master.js';

let master: FakeMaster;
let conn: ClusterConnection;
let table: Table;
/** One row per region of the table (splits g, p). */
const ROWS = ['apple', 'hazel', 'quince'];

beforeAll(async () => {
  master = await FakeMaster.start({ servers: 3 });
  await master.createTable('fruit', ['cf', { name: 'v', maxVersions: 3 }], ['g', 'p']);
  conn = await connectCluster({ coord: master.coordAddress, operationTimeoutMs: 20_000 });
  table = conn.table('fruit');
});

afterAll(async () => {
  await conn?.close();
  await master?.close();
});

describe('routing through meta', () => {
  it('the regions of the table live on three different servers', () => {
    const servers = ROWS.map((r) => master.regionFor('fruit', r).server);
    expect(new Set(servers).size).toBe(3);
  });

  it('puts and gets a row in every region, with string and binary keys', async () => {
    for (const row of ROWS) await table.put({ row, cells: [{ family: 'cf', qualifier: 'name', value: `is ${row}` }] });
    const binary = Buffer.from([0x68, 0x00, 0xff]);
    await table.put({ row: binary, cells: [{ family: 'cf', qualifier: Buffer.from([0]), value: Buffer.from([1, 2]) }] });
    for (const row of ROWS) {
      const result = await table.get({ row });
      expect(result.string('cf', 'name')).toBe(`is ${row}`);
      expect(result.row.toString()).toBe(row);
    }
    const b = await table.get({ row: binary });
    expect(b.value('cf', Buffer.from([0]))).toEqual(Buffer.from([1, 2]));
    expect((await table.get({ row: 'missing' })).isEmpty).toBe(true);
    expect(await table.exists({ row: 'hazel' })).toBe(true);
    expect(await table.exists({ row: 'nothing-here' })).toBe(false);
  });

  it('a put without timestamps gets one client timestamp for all its cells; versions come newest first', async () => {
    await table.put({ row: 'quince', cells: [{ family: 'v', qualifier: 'x', value: '1', timestamp: 10 }] });
    await table.put({ row: 'quince', cells: [{ family: 'v', qualifier: 'x', value: '2', timestamp: 20 }] });
    await table.put({ row: 'quince', cells: [{ family: 'v', qualifier: 'a', value: 'A' }, { family: 'v', qualifier: 'b', value: 'B' }] });
    const r = await table.get({ row: 'quince', columns: ['v'], maxVersions: 3 });
    expect(r.versions('v', 'x').map((c) => c.value.toString())).toEqual(['2', '1']);
    const [a, b] = [r.versions('v', 'a')[0]!, r.versions('v', 'b')[0]!];
    expect(a.timestamp).toBe(b.timestamp);
    expect(Math.abs(a.timestamp - Date.now())).toBeLessThan(60_000);
    const exact = await table.get({ row: 'quince', columns: ['v:x'], timestamp: 10 });
    expect(exact.string('v', 'x')).toBe('1');
  });

  it('getMany answers in order across regions', async () => {
    const results = await table.getMany(ROWS.slice().reverse().map((row) => ({ row, columns: ['cf:name'] })));
    expect(results.map((r) => r.string('cf', 'name'))).toEqual(ROWS.slice().reverse().map((r) => `is ${r}`));
  });

  it('deletes a column, a family and a whole row (families found without a master)', async () => {
    for (const row of ROWS) {
      await table.put({ row: `d-${row}`, cells: [{ family: 'cf', qualifier: 'a', value: '1' }, { family: 'cf', qualifier: 'b', value: '2' }, { family: 'v', qualifier: 'c', value: '3' }] });
    }
    await table.delete({ row: 'd-apple', columns: [{ family: 'cf', qualifier: 'a' }] });
    const one = await table.get({ row: 'd-apple' });
    expect(one.value('cf', 'a')).toBeUndefined();
    expect(one.string('cf', 'b')).toBe('2');
    await table.delete({ row: 'd-hazel', columns: [{ family: 'v' }] });
    expect((await table.get({ row: 'd-hazel' })).cells.map((c) => c.family)).toEqual(['cf', 'cf']);
    await table.delete({ row: 'd-quince' });
    expect((await table.get({ row: 'd-quince' })).isEmpty).toBe(true);
    // Deleting a row that has nothing is a no-op, not an error.
    await table.delete({ row: 'never-written' });
  });

  it('increments and appends in every region; incrementColumnValue returns the new counter', async () => {
    for (const row of ROWS) {
      expect(await table.incrementColumnValue(`c-${row}`, 'cf', 'n', 5)).toBe(5n);
      expect(await table.incrementColumnValue(`c-${row}`, 'cf', 'n', -2n)).toBe(3n);
      const r = await table.increment({ row: `c-${row}`, columns: [{ family: 'cf', qualifier: 'n', amount: 10 }, { family: 'cf', qualifier: 'm', amount: 1 }] });
      expect(r.counter('cf', 'n')).toBe(13n);
      expect(r.counter('cf', 'm')).toBe(1n);
      await table.append({ row: `c-${row}`, columns: [{ family: 'cf', qualifier: 's', value: 'ab' }] });
      const appended = await table.append({ row: `c-${row}`, columns: [{ family: 'cf', qualifier: 's', value: 'cd' }] });
      expect(appended.string('cf', 's')).toBe('abcd');
    }
  });

  it('checkAndMutate applies only when the check passes', async () => {
    for (const row of ROWS) {
      const key = `cam-${row}`;
      expect(await table.checkAndMutate({ row: key, family: 'cf', qualifier: 'lock', put: { row: key, cells: [{ family: 'cf', qualifier: 'lock', value: 'me' }] } })).toBe(true);
      expect(await table.checkAndMutate({ row: key, family: 'cf', qualifier: 'lock', put: { row: key, cells: [{ family: 'cf', qualifier: 'lock', value: 'you' }] } })).toBe(false);
      expect(
        await table.checkAndMutate({ row: key, family: 'cf', qualifier: 'lock', value: 'me', op: 'EQUAL', delete: { row: key, columns: [{ family: 'cf', qualifier: 'lock' }] } }),
      ).toBe(true);
      expect((await table.get({ row: key })).isEmpty).toBe(true);
      expect(await table.checkAndMutate({ row: key, filter: "PrefixFilter('zzz')", put: { row: key, cells: [{ family: 'cf', qualifier: 'f', value: '1' }] } })).toBe(false);
    }
  });

  it('checkAndMutate with a filter and a time range checks only the versions in the range', async () => {
    const key = 'hazel-tr';
    await table.put({ row: key, cells: [{ family: 'v', qualifier: 'x', value: 'old', timestamp: 100 }] });
    await table.put({ row: key, cells: [{ family: 'v', qualifier: 'x', value: 'new', timestamp: 200 }] });
    const filter = "SingleColumnValueFilter('v', 'x', =, 'binary:old')";
    const mark = { row: key, cells: [{ family: 'cf', qualifier: 'mark', value: '1' }] };
    expect(await table.checkAndMutate({ row: key, filter, put: mark })).toBe(false);
    expect(await table.checkAndMutate({ row: key, filter, timeRange: { max: 150 }, put: mark })).toBe(true);
    expect((await table.get({ row: key })).string('cf', 'mark')).toBe('1');
  });

  it('mutateRow applies puts and deletes of one row together', async () => {
    await table.put({ row: 'hazel-mr', cells: [{ family: 'cf', qualifier: 'old', value: 'x' }] });
    await table.mutateRow('hazel-mr', [
      { put: { row: 'hazel-mr', cells: [{ family: 'cf', qualifier: 'new', value: 'y' }] } },
      { delete: { row: 'hazel-mr', columns: [{ family: 'cf', qualifier: 'old', allVersions: true }] } },
    ]);
    const r = await table.get({ row: 'hazel-mr' });
    expect(r.value('cf', 'old')).toBeUndefined();
    expect(r.string('cf', 'new')).toBe('y');
  });

  it('batch groups actions per region and answers each one, a bad family failing only its action', async () => {
    const results = await table.batch([
      { put: { row: 'b-apple', cells: [{ family: 'cf', qualifier: 'q', value: '1' }] } },
      { put: { row: 'b-hazel', cells: [{ family: 'cf', qualifier: 'q', value: '2' }] } },
      { put: { row: 'b-quince', cells: [{ family: 'nope', qualifier: 'q', value: '3' }] } },
      { increment: { row: 'b-quince', columns: [{ family: 'cf', qualifier: 'n', amount: 7 }] } },
      { get: { row: 'apple' } },
      { append: { row: 'b-apple2', columns: [{ family: 'cf', qualifier: 'q', value: '+' }] } },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true, false, true, true, true]);
    expect((results[2] as { error: { code: string } }).error.code).toBe(ErrorCodes.NO_SUCH_FAMILY);
    expect((results[3] as { result: { counter(f: string, q: string): bigint | undefined } }).result.counter('cf', 'n')).toBe(7n);
    expect((results[4] as { result: { string(f: string, q: string): string | undefined } }).result.string('cf', 'name')).toBe('is apple');
    // The order of actions inside a batch is not defined (HBase's rule too), so each action has its own row.
    expect((await table.get({ row: 'b-apple' })).string('cf', 'q')).toBe('1');
    expect((await table.get({ row: 'b-apple2' })).string('cf', 'q')).toBe('+');
    expect((await table.get({ row: 'b-hazel' })).string('cf', 'q')).toBe('2');
    // put(array) and delete(array) are batches too.
    await table.put(ROWS.map((row) => ({ row: `p-${row}`, cells: [{ family: 'cf', qualifier: 'q', value: row }] })));
    expect((await table.getMany(ROWS.map((row) => ({ row: `p-${row}` })))).map((r) => r.string('cf', 'q'))).toEqual(ROWS);
    await table.delete(ROWS.map((row) => ({ row: `p-${row}` })));
    expect((await table.getMany(ROWS.map((row) => ({ row: `p-${row}` })))).every((r) => r.isEmpty)).toBe(true);
  });

  it('concurrent operations to one server share its stream: issued together, they leave in few frames', async () => {
    await table.get({ row: 'apple' });
    const address = master.servers[master.regionFor('fruit', 'apple').server]!.address;
    const server = conn.server(address);
    const frames = server.framesSent;
    const results = await Promise.all(Array.from({ length: 50 }, () => table.get({ row: 'apple' })));
    expect(results.every((r) => r.string('cf', 'name') === 'is apple')).toBe(true);
    expect(conn.server(address)).toBe(server);
    expect(server.framesSent - frames).toBeLessThan(5);
  });

  it('a cold cache meeting 300 concurrent reads on different rows sends a handful of meta lookups, not 300', async () => {
    const cold = await connectCluster({ coord: master.coordAddress, operationTimeoutMs: 20_000 });
    try {
      const t = cold.table('fruit');
      const rows = Array.from({ length: 300 }, (_, i) => `${'ahq'[i % 3]}${i}`);
      const results = await Promise.all(rows.map((row) => t.get({ row })));
      expect(results.every((r) => r.isEmpty)).toBe(true);
      expect(cold.locator.metaLookups).toBeLessThanOrEqual(12);
    } finally {
      await cold.close();
    }
  });

  it('the location cache answers repeat operations without new meta lookups', async () => {
    for (const row of ROWS) await table.get({ row });
    const before = conn.locator.metaLookups;
    for (let i = 0; i < 20; i++) for (const row of ROWS) await table.get({ row });
    expect(conn.locator.metaLookups).toBe(before);
  });
});

describe('bad input', () => {
  it('is refused with INVALID_ARGUMENT naming the field, and nothing is written', async () => {
    const cases: Array<[() => Promise<unknown>, string]> = [
      [() => table.put({ row: '', cells: [{ family: 'cf', qualifier: 'q', value: 'v' }] }), 'put.row'],
      [() => table.put({ row: 'bad-1', cells: [] }), 'put.cells'],
      [() => table.put({ row: 'bad-1', cells: [{ family: 'c f', qualifier: 'q', value: 'v' }] }), 'put.cells[0].family'],
      [() => table.put({ row: 'bad-1', cells: [{ family: 'cf', qualifier: 'q', value: 42 as unknown as string }] }), 'put.cells[0].value'],
      [() => table.put({ row: 'bad-1', cells: [{ family: 'cf', qualifier: 'q', value: 'v', timestamp: -1 }] }), 'put.cells[0].timestamp'],
      [() => table.get({ row: 'bad-1', maxVersions: 0 }), 'get.maxVersions'],
      [() => table.increment({ row: 'bad-1', columns: [{ family: 'cf', qualifier: 'n', amount: 1.5 }] }), 'increment.columns[0].amount'],
      [() => table.batch([{ put: { row: 'bad-1', cells: [{ family: 'cf', qualifier: 'q', value: 'v' }] } }, { get: { row: '' } }]), 'actions[1].get.row'],
      [() => table.mutateRow('bad-1', [{ put: { row: 'bad-2', cells: [{ family: 'cf', qualifier: 'q', value: 'v' }] } }]), 'mutations[0].row'],
    ];
    for (const [call, field] of cases) {
      await expect(call()).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT, details: { field } });
    }
    // The batch whose second action was bad wrote nothing.
    expect((await table.get({ row: 'bad-1' })).isEmpty).toBe(true);
  });

  it('a malformed filter string is FILTER_PARSE_ERROR; an invalid table name is INVALID_ARGUMENT', async () => {
    await expect(table.get({ row: 'apple', filter: 'PrefixFilter(' })).rejects.toMatchObject({ code: ErrorCodes.FILTER_PARSE_ERROR });
    expect(() => conn.table('-bad')).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_ARGUMENT }));
  });

  it('a table with no region in meta is TABLE_NOT_FOUND; an unknown family is NO_SUCH_FAMILY', async () => {
    await expect(conn.table('nope').get({ row: 'a' })).rejects.toMatchObject({ code: ErrorCodes.TABLE_NOT_FOUND });
    await expect(table.put({ row: 'apple', cells: [{ family: 'zz', qualifier: 'q', value: 'v' }] })).rejects.toMatchObject({ code: ErrorCodes.NO_SUCH_FAMILY });
  });
});
