/** Proves region split and merge end to end through the public client on a real in-process cluster: at a key and at the middle with reads and writes running, every row found exactly once, daughters take writes, compaction rewrites references and the janitor removes the retired parents; merge of two adjacent regions; typed refusals that change nothing. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCluster, type ClusterConnection } from '../../client/connection.js';
import type { Admin, RegionDescription } from '../../client/api.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';

let cluster: InProcessCluster;
let conn: ClusterConnection;
let admin: Admin;

beforeAll(async () => {
  cluster = await startInProcessCluster({ regionServers: 2, config: { regionserver: { memstoreFlushSizeBytes: 16 * 1024 } } });
  await cluster.activeMaster();
  conn = await connectCluster({ coord: cluster.coordAddress, operationTimeoutMs: 30_000, retryBaseDelayMs: 20, maxRetryDelayMs: 300 });
  admin = conn.admin();
});

afterAll(async () => {
  await conn?.close();
  await cluster?.close();
});

const key = (i: number) => `r${String(i).padStart(3, '0')}`;
const regionPath = (r: RegionDescription) => join(cluster.dataDir, 'data', 'default', r.table.split(':')[1]!, r.encodedName);

async function scanAll(table: string): Promise<string[]> {
  const rows: string[] = [];
  for await (const r of conn.table(table).scan({ caching: 7 })) rows.push(r.row.toString());
  return rows;
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every region row of the cluster (split parents included) as the master lists them. */
async function allRegions(): Promise<string[]> {
  const { regions } = await cluster.call('ListRegions', { table: '' });
  return regions.map((r) => r.info!.encodedName!);
}

describe('split and merge through the client', () => {
  it('splits at a key while a writer and a scan run: every row exactly once, daughters take writes, and the parent goes once compactions rewrote its files', async () => {
    await admin.createTable({ name: 'events', families: ['cf'] });
    const events = conn.table('events');
    await events.put(Array.from({ length: 100 }, (_, i) => ({ row: key(i), cells: [{ family: 'cf', qualifier: 'q', value: `v${i}` }] })));
    await admin.flush({ table: 'events' });
    const [parent] = await admin.listRegions('events');

    // A scan opened before the split and a writer running through it.
    const scan = events.scan({ caching: 5 })[Symbol.asyncIterator]();
    const firstRows: string[] = [];
    for (let i = 0; i < 10; i++) firstRows.push((await scan.next()).value.row.toString());
    let writing = true;
    let written = 0;
    const writer = (async () => {
      for (let i = 100; writing; i++) {
        await events.put({ row: key(i), cells: [{ family: 'cf', qualifier: 'q', value: `v${i}` }] });
        written = i - 99;
      }
    })();

    await admin.split({ table: 'events' }, key(50));
    writing = false;
    await writer;
    const regions = await admin.listRegions('events');
    expect(regions.map((r) => [r.startKey.toString(), r.endKey.toString(), r.state])).toEqual([
      ['', key(50), 'OPEN'],
      [key(50), '', 'OPEN'],
    ]);
    expect(regions.every((r) => r.regionId > parent!.regionId)).toBe(true);

    // The scan resumed across the split without gaps or duplicates.
    const rest: string[] = [];
    for (let step = await scan.next(); !step.done; step = await scan.next()) rest.push(step.value.row.toString());
    const scanned = [...firstRows, ...rest];
    expect(new Set(scanned).size).toBe(scanned.length);
    expect(scanned.slice(0, 100)).toEqual(Array.from({ length: 100 }, (_, i) => key(i)));

    const total = 100 + written;
    expect(await scanAll('events')).toEqual(Array.from({ length: total }, (_, i) => key(i)));
    for (const i of [0, 49, 50, 99, total - 1]) expect((await events.get({ row: key(i) })).string('cf', 'q')).toBe(`v${i}`);
    // Writes to both daughters.
    await events.put([
      { row: key(10), cells: [{ family: 'cf', qualifier: 'q', value: 'lower' }] },
      { row: key(60), cells: [{ family: 'cf', qualifier: 'q', value: 'upper' }] },
    ]);
    expect((await events.get({ row: key(10) })).string('cf', 'q')).toBe('lower');
    expect((await events.get({ row: key(60) })).string('cf', 'q')).toBe('upper');

    // The daughters compact their references away on open; the janitor then removes the parent.
    await until('the parent retired', async () => !(await allRegions()).includes(parent!.encodedName));
    expect(existsSync(regionPath(parent!))).toBe(false);
    expect(await scanAll('events')).toHaveLength(total);
  });

  it('splits at the middle when no key is given; the boundary is a row of the region', async () => {
    await admin.createTable({ name: 'middle', families: ['cf'] });
    const t = conn.table('middle');
    await t.put(Array.from({ length: 60 }, (_, i) => ({ row: key(i), cells: [{ family: 'cf', qualifier: 'q', value: `v${i}` }] })));
    await admin.split({ table: 'middle' });
    const regions = await admin.listRegions('middle');
    expect(regions).toHaveLength(2);
    const boundary = regions[1]!.startKey.toString();
    expect(Number(boundary.slice(1))).toBeGreaterThanOrEqual(20);
    expect(Number(boundary.slice(1))).toBeLessThanOrEqual(40);
    expect(await scanAll('middle')).toEqual(Array.from({ length: 60 }, (_, i) => key(i)));
    // Each daughter splits again once its references are gone.
    await until('the references compacted away', async () => {
      const { regions: all } = await cluster.call('ListRegions', { table: '' });
      return !all.some((r) => r.state === 'SPLIT' && r.info?.table === 'default:middle');
    });
    await admin.split({ region: regions[0]!.encodedName });
    expect(await admin.listRegions('middle')).toHaveLength(3);
    expect(await scanAll('middle')).toEqual(Array.from({ length: 60 }, (_, i) => key(i)));
  });

  it('merges two adjacent regions into one that serves all their rows; the parents go', async () => {
    await admin.createTable({ name: 'pair', families: ['cf'], splits: [key(20)] });
    const t = conn.table('pair');
    await t.put(Array.from({ length: 40 }, (_, i) => ({ row: key(i), cells: [{ family: 'cf', qualifier: 'q', value: `v${i}` }] })));
    const [a, b] = await admin.listRegions('pair');
    await admin.merge([b!.encodedName, a!.encodedName]);
    const regions = await admin.listRegions('pair');
    expect(regions.map((r) => [r.startKey.toString(), r.endKey.toString(), r.state])).toEqual([['', '', 'OPEN']]);
    expect(await scanAll('pair')).toEqual(Array.from({ length: 40 }, (_, i) => key(i)));
    await t.put({ row: key(30), cells: [{ family: 'cf', qualifier: 'q', value: 'merged' }] });
    expect((await t.get({ row: key(30) })).string('cf', 'q')).toBe('merged');
    await until('the parents removed', async () => !existsSync(regionPath(a!)) && !existsSync(regionPath(b!)));
  });

  it('refuses a split key outside the region, an empty region and regions that are not adjacent, changing nothing', async () => {
    await admin.createTable({ name: 'refuse', families: ['cf'], splits: ['g', 'p'] });
    const before = await admin.listRegions('refuse');
    await expect(admin.split({ region: before[1]!.encodedName }, 'a')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'splitKey' } });
    await expect(admin.split({ table: 'refuse' }, 'g')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'splitKey' } });
    await expect(admin.merge([before[0]!.encodedName, before[2]!.encodedName])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'regions' } });
    // An empty region has no middle: the procedure fails and the region opens again.
    await expect(admin.split({ region: before[0]!.encodedName })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const after = await admin.listRegions('refuse');
    expect(after.map((r) => [r.encodedName, r.state])).toEqual(before.map((r) => [r.encodedName, 'OPEN']));
  });
});
