/** Proves that a split or merge survives the active master stopping before any of its steps is persisted (a standby resumes it to one consistent table), and a region server crashing on either side of the point of no return, with every acknowledged row found exactly once afterwards. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCluster, type ClusterConnection } from '../../client/connection.js';
import type { Admin } from '../../client/api.js';
import type { Master } from '../../master/master.js';
import type { ProcedureRecord } from '../../master/procedures/store.js';
import { RegionServerClient } from '../../client/rpc/region-server-client.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';

let cluster: InProcessCluster;
let conn: ClusterConnection;
let admin: Admin;

/** Where the next procedure of `type` stops its master: just before persisting `step`. */
let plan: { type: string; step: string; fired: boolean; action: 'stop-master' | 'abort-holder' } | undefined;

async function hook(record: ProcedureRecord, step: string): Promise<void> {
  if (!plan || plan.fired || record.type !== plan.type || step !== plan.step) return;
  plan.fired = true;
  if (plan.action === 'stop-master') {
    const active = cluster.masters.find((m) => m.isActive);
    void active?.stop();
    return;
  }
  // Crash (abort: no flush, WAL kept) the server holding the region the procedure works on.
  const active = cluster.masters.find((m) => m.isActive)!;
  const node = active.active!.states.get(String(record.data.region ?? (record.data.regions as string[])[0]));
  const victim = cluster.regionServers.find((rs) => rs.server.serverName === node?.serverName);
  await victim?.abort(new Error('test: region server crash'));
}

async function addStandby(): Promise<Master> {
  return cluster.addMaster({ beforeCheckpoint: hook });
}

beforeAll(async () => {
  cluster = await startInProcessCluster({ regionServers: 3, masters: 0 });
  await addStandby();
  await addStandby();
  await cluster.activeMaster();
  conn = await connectCluster({ coord: cluster.coordAddress, operationTimeoutMs: 30_000, retryBaseDelayMs: 20, maxRetryDelayMs: 300 });
  admin = conn.admin();
}, 30_000);

afterAll(async () => {
  await conn?.close();
  await cluster?.close();
});

const key = (i: number) => `k${String(i).padStart(3, '0')}`;

async function fill(table: string, n: number, flushAfter?: number): Promise<void> {
  const t = conn.table(table);
  for (let i = 0; i < n; i++) {
    await t.put({ row: key(i), cells: [{ family: 'cf', qualifier: 'q', value: `v${i}` }] });
    if (flushAfter !== undefined && i === flushAfter) await admin.flush({ table });
  }
}

async function rowsOf(table: string): Promise<string[]> {
  const out: string[] = [];
  for await (const r of conn.table(table).scan({ caching: 9 })) out.push(`${r.row.toString()}=${r.string('cf', 'q')}`);
  return out;
}

/** Runs a procedure through the master RPC and waits for it on whichever master ends up active. */
async function runAcrossFailover(start: () => Promise<number>): Promise<void> {
  const id = await start();
  for (;;) {
    const m = await cluster.activeMaster();
    try {
      await cluster.waitProcedure(id, m);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== 'MASTER_NOT_RUNNING' && (err as { code?: string }).code !== 'UNAVAILABLE') throw err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** No region is online on two servers, and no retired region is online anywhere. */
async function checkOnlineInvariant(retired: string[]): Promise<void> {
  const seen = new Map<string, string>();
  for (const rs of cluster.regionServers) {
    let regions: Array<{ info: { encodedName: string } }>;
    const client = new RegionServerClient({ address: rs.server.address });
    try {
      ({ regions } = await client.onlineRegions());
    } catch {
      continue; // a crashed server
    } finally {
      client.close();
    }
    for (const r of regions) {
      expect(seen.has(r.info.encodedName), `${r.info.encodedName} open on two servers`).toBe(false);
      seen.set(r.info.encodedName, rs.server.serverName);
    }
  }
  for (const name of retired) expect(seen.has(name), `retired ${name} is online`).toBe(false);
}

const expected = (n: number) => Array.from({ length: n }, (_, i) => `${key(i)}=v${i}`);

describe('split and merge across failures', () => {
  for (const step of ['close', 'create', 'meta', 'assign']) {
    it(`a split whose master stops before persisting '${step}' is finished by the standby`, async () => {
      const table = `split_${step}`;
      await admin.createTable({ name: table, families: ['cf'] });
      await fill(table, 40, 19);
      const [parent] = await admin.listRegions(table);
      plan = { type: 'split', step, fired: false, action: 'stop-master' };
      await runAcrossFailover(async () => (await cluster.call('Split', { target: { table }, splitKey: Buffer.from(key(25)), hasSplitKey: true })).procedureId as number);
      expect(plan.fired).toBe(true);
      await addStandby();
      const regions = await admin.listRegions(table);
      expect(regions.map((r) => [r.startKey.toString(), r.endKey.toString(), r.state])).toEqual([
        ['', key(25), 'OPEN'],
        [key(25), '', 'OPEN'],
      ]);
      expect(await rowsOf(table)).toEqual(expected(40));
      await checkOnlineInvariant([parent!.encodedName]);
    });
  }

  for (const step of ['close', 'create', 'meta', 'assign']) {
    it(`a merge whose master stops before persisting '${step}' is finished by the standby`, async () => {
      const table = `merge_${step}`;
      await admin.createTable({ name: table, families: ['cf'], splits: [key(20)] });
      await fill(table, 40, 30);
      const parents = await admin.listRegions(table);
      plan = { type: 'merge', step, fired: false, action: 'stop-master' };
      await runAcrossFailover(async () => (await cluster.call('Merge', { regions: parents.map((r) => r.encodedName) })).procedureId as number);
      expect(plan.fired).toBe(true);
      await addStandby();
      const regions = await admin.listRegions(table);
      expect(regions.map((r) => [r.startKey.toString(), r.endKey.toString(), r.state])).toEqual([['', '', 'OPEN']]);
      expect(await rowsOf(table)).toEqual(expected(40));
      await checkOnlineInvariant(parents.map((p) => p.encodedName));
    });
  }

  it('a region server crash before the point of no return (the parent holder, before the close) loses no acknowledged row', async () => {
    const table = 'split_rs_before';
    await admin.createTable({ name: table, families: ['cf'] });
    await fill(table, 30); // in the memstore and the WAL only
    plan = { type: 'split', step: 'close', fired: false, action: 'abort-holder' };
    await runAcrossFailover(async () => (await cluster.call('Split', { target: { table }, splitKey: Buffer.from(key(10)), hasSplitKey: true })).procedureId as number);
    expect(plan.fired).toBe(true);
    expect((await admin.listRegions(table)).map((r) => r.state)).toEqual(['OPEN', 'OPEN']);
    expect(await rowsOf(table)).toEqual(expected(30));
    await cluster.addRegionServer();
  });

  it('a region server crash after the point of no return (a daughter holder, with unflushed writes) loses no acknowledged row', async () => {
    const table = 'split_rs_after';
    await admin.createTable({ name: table, families: ['cf'] });
    await fill(table, 30, 29);
    await admin.split({ table }, key(15));
    // Writes to the daughters that only the WAL holds, then the holder of the upper daughter crashes.
    const t = conn.table(table);
    for (let i = 30; i < 40; i++) await t.put({ row: key(i), cells: [{ family: 'cf', qualifier: 'q', value: `v${i}` }] });
    const upper = (await admin.listRegions(table))[1]!;
    await cluster.regionServers.find((rs) => rs.server.serverName === upper.serverName)!.abort(new Error('test: region server crash'));
    expect(await rowsOf(table)).toEqual(expected(40));
    const after = await admin.listRegions(table);
    expect(after.map((r) => r.state)).toEqual(['OPEN', 'OPEN']);
    expect(after[1]!.serverName).not.toBe(upper.serverName);
    await cluster.addRegionServer();
  });
});
