/** Proves the client's recovery paths on real servers: a moved region is found again through meta, a dead server is retried until the operation's deadline ends it with TIMEOUT, and a crashed server's regions reopened elsewhere are found (data intact, scans resumed). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../common/errors.js';
import { connectCluster, type ClusterConnection } from '../../client/connection.js';
import type { Table } from '../../client/api.js';
import { FakeMaster } from './fake-master.js';

let master: FakeMaster;
let conn: ClusterConnection;
let table: Table;
const ROWS = Array.from({ length: 60 }, (_, i) => `row-${String(i).padStart(3, '0')}`);

beforeAll(async () => {
  master = await FakeMaster.start({ servers: 3 });
  await master.createTable('moving', ['cf'], ['row-020', 'row-040']);
  conn = await connectCluster({ coord: master.coordAddress, operationTimeoutMs: 20_000, retryBaseDelayMs: 20, maxRetryDelayMs: 200 });
  table = conn.table('moving');
  await table.put(ROWS.map((row) => ({ row, cells: [{ family: 'cf', qualifier: 'q', value: row }] })));
});

afterAll(async () => {
  await conn?.close();
  await master?.close();
});

describe('a region that moves', () => {
  it('is found again between two puts: the second put lands on the new server after one meta lookup', async () => {
    const region = master.regionFor('moving', 'row-025');
    await table.put({ row: 'row-025', cells: [{ family: 'cf', qualifier: 'n', value: 'before' }] });
    const from = region.server;
    const lookups = conn.locator.metaLookups;
    await master.move(region);
    expect(region.server).not.toBe(from);
    await table.put({ row: 'row-025', cells: [{ family: 'cf', qualifier: 'm', value: 'after' }] });
    expect(conn.locator.metaLookups).toBe(lookups + 1);
    const r = await table.get({ row: 'row-025' });
    expect(r.string('cf', 'n')).toBe('before');
    expect(r.string('cf', 'm')).toBe('after');
    // The new server holds it: a direct read there sees the second put.
    const direct = await master.servers[region.server]!.admin.get(region.encodedName, { row: Buffer.from('row-025') });
    expect(direct?.cells.map((c) => c.qualifier.toString())).toEqual(['m', 'n', 'q']);
  });

  it('a batch sent with stale locations re-routes the refused actions and answers all of them', async () => {
    for (const row of ['row-001', 'row-021', 'row-041']) await table.get({ row });
    await master.move(master.regionFor('moving', 'row-001'));
    await master.move(master.regionFor('moving', 'row-041'));
    const results = await table.batch([
      { get: { row: 'row-001' } },
      { put: { row: 'row-002', cells: [{ family: 'cf', qualifier: 'b', value: '2' }] } },
      { get: { row: 'row-021' } },
      { increment: { row: 'row-042', columns: [{ family: 'cf', qualifier: 'n', amount: 1 }] } },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true]);
    expect((results[0] as { result: { string(f: string, q: string): string | undefined } }).result.string('cf', 'q')).toBe('row-001');
    expect((results[3] as { result: { counter(f: string, q: string): bigint | undefined } }).result.counter('cf', 'n')).toBe(1n);
    expect((await table.get({ row: 'row-002' })).string('cf', 'b')).toBe('2');
  });

  it('a region in transition (CLOSING in meta, closed on its server) is waited for, then served', async () => {
    const region = master.regionFor('moving', 'row-005');
    await master.writeMetaRow(region, 'CLOSING');
    await master.servers[region.server]!.admin.closeRegion(region.encodedName);
    const get = table.get({ row: 'row-005' });
    await new Promise((resolve) => setTimeout(resolve, 150));
    // Finish the move by hand: open elsewhere with the next epoch, then OPEN in meta.
    region.openEpoch++;
    region.server = (region.server + 1) % 3;
    await master.servers[region.server]!.admin.openRegion({
      info: { table: region.table, startKey: region.startKey, endKey: region.endKey, regionId: region.regionId, encodedName: region.encodedName },
      families: [{ name: 'cf', maxVersions: 1 }],
      openEpoch: region.openEpoch,
    });
    await master.writeMetaRow(region, 'OPEN');
    expect((await get).string('cf', 'q')).toBe('row-005');
  });
});

describe('the coordination session', () => {
  it('is renewed after it expires, so a moved meta region and a moved region are found again', async () => {
    const c = await connectCluster({ coord: master.coordAddress, operationTimeoutMs: 20_000, retryBaseDelayMs: 20, maxRetryDelayMs: 200, sessionTimeoutMs: 1_000 });
    try {
      const t = c.table('moving');
      expect((await t.get({ row: 'row-050' })).string('cf', 'q')).toBe('row-050');
      const before = c.coord.sessionId;
      // End the session behind the client's back, as the leader's expiry does after a long pause.
      await master.ensemble.servers[0]!.coordMember!.propose({ type: 'expireSessions', sessionIds: [before], nowMs: Date.now() });
      const deadline = Date.now() + 15_000;
      while (c.coord.sessionId === before || c.coord.state !== 'connected') {
        if (Date.now() > deadline) throw new Error('no new session');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // Meta moves: only a fresh read of /basalt/meta-region-server finds it.
      const live = master.servers.map((s, i) => (s.alive && i !== master.metaServerIndex ? i : -1)).filter((i) => i >= 0);
      await master.moveMeta(live[0]!);
      await master.move(master.regionFor('moving', 'row-050'));
      expect((await t.get({ row: 'row-050' })).string('cf', 'q')).toBe('row-050');
    } finally {
      await c.close();
    }
  });
});

describe('a server that dies', () => {
  it('is retried until the deadline, then TIMEOUT with a stable code; the crashed regions reopened elsewhere are found with their data', async () => {
    // A server that holds regions of the table but not meta (rows elsewhere must stay reachable).
    const victim = master.regionsOf('moving').map((r) => r.server).find((i) => i !== master.metaServerIndex)!;
    const victimRows = ROWS.filter((r) => master.regionFor('moving', r).server === victim);
    expect(victimRows.length).toBeGreaterThan(0);
    const short = await connectCluster({ coord: master.coordAddress, operationTimeoutMs: 1_500, retryBaseDelayMs: 20, maxRetryDelayMs: 200 });
    try {
      const t = short.table('moving');
      expect((await t.get({ row: victimRows[0]! })).string('cf', 'q')).toBe(victimRows[0]);
      await master.killServer(victim, 'abort');
      const err = await t.get({ row: victimRows[0]! }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: ErrorCodes.TIMEOUT, details: { outcome: 'not applied' } });
      await expect(t.put({ row: victimRows[0]!, cells: [{ family: 'cf', qualifier: 'x', value: 'y' }] })).rejects.toMatchObject({ code: ErrorCodes.TIMEOUT });
      // The request never reached a connected server, so even an increment is retried (not "outcome unknown").
      await expect(t.incrementColumnValue(victimRows[0]!, 'cf', 'n', 1)).rejects.toMatchObject({ code: ErrorCodes.TIMEOUT });
      // Rows on live servers are still served.
      const alive = ROWS.find((r) => master.regionFor('moving', r).server !== victim)!;
      expect((await t.get({ row: alive })).string('cf', 'q')).toBe(alive);

      // The "master" reopens the dead server's regions on the others, replaying its WAL.
      await master.reassignFrom(victim);
      for (const row of victimRows) expect((await t.get({ row })).string('cf', 'q')).toBe(row);
      const scanned: string[] = [];
      for await (const r of t.scan({ caching: 7 })) scanned.push(r.row.toString());
      expect(scanned).toEqual(ROWS);
    } finally {
      await short.close();
    }
  });

  it('a scan that meets a crashed server resumes from its last row once the region reopens', async () => {
    const rows: string[] = [];
    let killed = -1;
    for await (const r of table.scan({ caching: 4 })) {
      rows.push(r.row.toString());
      if (rows.length === 22 && killed < 0) {
        // Now reading the region [row-020, row-040): crash its server, reassign after a pause.
        killed = master.regionFor('moving', r.row).server;
        await master.killServer(killed, 'abort');
        setTimeout(() => void master.reassignFrom(killed), 300);
      }
    }
    expect(killed).toBeGreaterThanOrEqual(0);
    expect(rows).toEqual(ROWS);
  });
});

describe('closing the connection', () => {
  it('rejects later calls with CLOSED', async () => {
    const c = await connectCluster({ coord: master.coordAddress });
    const t = c.table('moving');
    await t.get({ row: 'row-001' });
    await c.close();
    await expect(t.get({ row: 'row-001' })).rejects.toMatchObject({ code: ErrorCodes.CLOSED });
  });
});
