// Proves that every data operation travels through the batched stream to a real region (LMDB store
// files, segment WAL) and back, with the region lifecycle driven by the admin calls and typed
// errors for routing mistakes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CellType } from '../../../common/cell.js';
import { ErrorCodes } from '../../../common/errors.js';
import { encodeFilterSpec } from '../../../common/filter/proto.js';
import { del, FAMILIES, get, put, regionInfo, startServer, valueOf, type Harness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startServer({});
  await h.client.openRegion({ info: regionInfo('r1', '', 'm'), families: FAMILIES, openEpoch: 1 });
  await h.client.openRegion({ info: regionInfo('r2', 'm', ''), families: FAMILIES, openEpoch: 1 });
});
afterAll(async () => h?.stop());

describe('data operations over the stream', () => {
  it('puts then gets a row, and a missing row comes back empty', async () => {
    await h.client.mutate('r1', put('apple', 'q', 'red'));
    expect(valueOf(await h.client.get('r1', get('apple')), 'q')).toBe('red');
    expect(await h.client.get('r1', get('banana'))).toBeUndefined();
    expect(await h.client.exists('r1', get('apple'))).toBe(true);
    expect(await h.client.exists('r1', get('banana'))).toBe(false);
  });

  it('deletes a column', async () => {
    await h.client.mutate('r1', put('cherry', 'q', 'v'));
    await h.client.mutate('r1', del('cherry', 'q'));
    expect(await h.client.get('r1', get('cherry'))).toBeUndefined();
  });

  it('increments and appends, returning the new values', async () => {
    const inc = await h.client.increment('r1', { row: Buffer.from('ctr'), columns: [{ family: 'cf', qualifier: Buffer.from('n'), amount: 5 }] });
    expect(inc.cells[0]!.value.readBigInt64BE()).toBe(5n);
    const inc2 = await h.client.increment('r1', { row: Buffer.from('ctr'), columns: [{ family: 'cf', qualifier: Buffer.from('n'), amount: -2 }] });
    expect(inc2.cells[0]!.value.readBigInt64BE()).toBe(3n);
    await h.client.append('r1', { row: Buffer.from('log'), columns: [{ family: 'cf', qualifier: Buffer.from('l'), value: Buffer.from('ab') }] });
    const app = await h.client.append('r1', { row: Buffer.from('log'), columns: [{ family: 'cf', qualifier: Buffer.from('l'), value: Buffer.from('cd') }] });
    expect(app.cells[0]!.value.toString()).toBe('abcd');
  });

  it('applies a mutateRow of several mutations on one row', async () => {
    await h.client.mutateRow('r1', [put('dog', 'a', '1'), put('dog', 'b', '2', 'meta')]);
    const row = await h.client.get('r1', get('dog'));
    expect(valueOf(row, 'a')).toBe('1');
    expect(valueOf(row, 'b', 'meta')).toBe('2');
  });

  it('checkAndMutate applies only when the condition holds', async () => {
    await h.client.mutate('r1', put('egg', 'state', 'raw'));
    const cond = (value: string) => ({ family: 'cf', qualifier: Buffer.from('state'), kind: 'compare', op: 'EQUAL', value: Buffer.from(value) });
    expect(await h.client.checkAndMutate('r1', { row: Buffer.from('egg'), condition: cond('boiled'), mutation: put('egg', 'state', 'fried') })).toBe(false);
    expect(await h.client.checkAndMutate('r1', { row: Buffer.from('egg'), condition: cond('raw'), mutation: put('egg', 'state', 'boiled') })).toBe(true);
    expect(valueOf(await h.client.get('r1', get('egg')), 'state')).toBe('boiled');
  });

  it('multi returns one result per action, failing only the bad ones', async () => {
    const results = await h.client.multi('r1', [
      { mutation: put('fig', 'q', '1') },
      { mutation: put('zebra', 'q', '1') }, // outside r1 = ['', 'm')
      { get: get('apple') },
      { mutation: { row: Buffer.from('fig'), cells: [{ family: 'nope', qualifier: Buffer.from('q'), type: CellType.Put }] } },
      { mutation: { row: Buffer.from('grape'), cells: [] } },
    ]);
    expect(results).toHaveLength(5);
    expect(results[0]).toBeUndefined();
    expect(results[1]).toMatchObject({ code: ErrorCodes.WRONG_REGION });
    expect(valueOf(results[2] as never, 'q')).toBe('red');
    expect(results[3]).toMatchObject({ code: ErrorCodes.NO_SUCH_FAMILY });
    expect(results[4]).toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT, details: { field: 'multi.actions[4].mutation.cells' } });
    expect(valueOf(await h.client.get('r1', get('fig')), 'q')).toBe('1');
  });

  it('routes each request to its named region and rejects foreign rows and unknown regions', async () => {
    await h.client.mutate('r2', put('melon', 'q', 'green'));
    expect(valueOf(await h.client.get('r2', get('melon')), 'q')).toBe('green');
    await expect(h.client.get('r1', get('melon'))).rejects.toMatchObject({ code: ErrorCodes.WRONG_REGION });
    await expect(h.client.mutate('r2', put('apple', 'q', 'x'))).rejects.toMatchObject({ code: ErrorCodes.WRONG_REGION });
    await expect(h.client.get('nowhere', get('apple'))).rejects.toMatchObject({ code: ErrorCodes.NOT_SERVING_REGION, details: { region: 'nowhere' } });
  });

  it('scans a region in batches with a resume row after each batch', async () => {
    for (let i = 0; i < 25; i++) await h.client.mutate('r2', put(`row${String(i).padStart(2, '0')}`, 'q', `v${i}`));
    const scanner = await h.client.openScanner('r2', { startRow: Buffer.from('row'), stopRow: Buffer.from('rox') }, { maxRows: 10 });
    const first = scanner.first!;
    expect(first.rows.map((r) => r.row.toString())).toEqual(Array.from({ length: 10 }, (_, i) => `row${String(i).padStart(2, '0')}`));
    expect(first.more).toBe(true);
    expect(first.resume).toEqual({ row: Buffer.from('row09'), inclusive: false });
    const second = await scanner.next();
    expect(second.rows[0]!.row.toString()).toBe('row10');
    const third = await scanner.next();
    expect(third.rows).toHaveLength(5);
    expect(third.more).toBe(false);
    expect(scanner.id).toBe(0);
    const all: string[] = [];
    for await (const row of h.client.scan('r2', { startRow: Buffer.from('row'), stopRow: Buffer.from('rox'), limit: 7 }, { maxRows: 3 })) all.push(row.row.toString());
    expect(all).toHaveLength(7);
  });

  it('applies filters sent as basalt.filter protos to gets and scans, and rejects a malformed one', async () => {
    await h.client.mutate('r2', put('pear1', 'q', 'ripe'));
    await h.client.mutate('r2', put('pear2', 'q', 'green'));
    await h.client.mutate('r2', put('plum', 'q', 'ripe'));
    const ripe = encodeFilterSpec({ type: 'ValueFilter', op: 'EQUAL', comparator: { type: 'binary', value: Buffer.from('ripe') } });
    const rows: string[] = [];
    for await (const row of h.client.scan('r2', { startRow: Buffer.from('p'), stopRow: Buffer.from('q'), filter: ripe })) rows.push(row.row.toString());
    expect(rows).toEqual(['pear1', 'plum']);
    const prefix = encodeFilterSpec({ type: 'PrefixFilter', prefix: Buffer.from('pea') });
    const prefixed: string[] = [];
    for await (const row of h.client.scan('r2', { startRow: Buffer.from('p'), stopRow: Buffer.from('q'), filter: prefix })) prefixed.push(row.row.toString());
    expect(prefixed).toEqual(['pear1', 'pear2']);
    expect(await h.client.get('r2', { row: Buffer.from('pear2'), filter: ripe })).toBeUndefined();
    await expect(h.client.get('r2', { row: Buffer.from('pear2'), filter: Buffer.from([0xff, 0xff, 0xff]) })).rejects.toMatchObject({
      code: ErrorCodes.INVALID_ARGUMENT,
      details: { field: 'get.filter' },
    });
  });

  it('reports regions, loads and the server name through the admin calls', async () => {
    const online = await h.client.onlineRegions();
    expect(online.regions.map((r) => r.info.encodedName).sort()).toEqual(['r1', 'r2']);
    expect(online.serverName).toBe(h.server.serverName);
    const load = await h.client.regionLoad('r1');
    expect(load.encodedName).toBe('r1');
    const serverLoad = await h.client.serverLoad();
    expect(serverLoad.regions).toHaveLength(2);
    expect(serverLoad.writeRequests).toBeGreaterThan(0);
    expect(serverLoad.readRequests).toBeGreaterThan(0);
    await expect(h.client.openRegion({ info: regionInfo('r1', '', 'm'), families: FAMILIES, openEpoch: 2 })).rejects.toMatchObject({
      code: ErrorCodes.INVALID_ARGUMENT,
    });
    await expect(h.client.regionLoad('nowhere')).rejects.toMatchObject({ code: ErrorCodes.NOT_SERVING_REGION });
  });

  it('closes a region (after which requests get NOT_SERVING_REGION) and reopens it', async () => {
    await h.client.openRegion({ info: regionInfo('r3', 'x', 'y', 'default:other'), families: FAMILIES, openEpoch: 1 });
    await h.client.mutate('r3', put('xylophone', 'q', 'v'));
    await h.client.flushRegion('r3');
    await h.client.compactRegion('r3', true);
    await h.client.closeRegion('r3');
    await expect(h.client.get('r3', get('xylophone'))).rejects.toMatchObject({ code: ErrorCodes.NOT_SERVING_REGION });
    await expect(h.client.closeRegion('r3')).rejects.toMatchObject({ code: ErrorCodes.NOT_SERVING_REGION });
    await h.client.openRegion({ info: regionInfo('r3', 'x', 'y', 'default:other'), families: FAMILIES, openEpoch: 2 });
    expect(valueOf(await h.client.get('r3', get('xylophone')), 'q')).toBe('v');
  });
});
