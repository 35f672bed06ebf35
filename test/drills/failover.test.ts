/**
 * Failover drills with real processes: a region server killed with SIGKILL under a steady write
 * load loses no acknowledged write and its regions serve again after its session timeout; the
 * active master killed with SIGKILL is replaced by the standby, which keeps administering the
 * cluster while reads and writes continue. Each drill prints its recovery times and counts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../client/index.js';
import type { Connection } from '../../client/api.js';
import { MiniCluster } from '../../bench/mini-cluster.js';
import { sleep, startWriters, verifyLinkedList, waitFor } from './drill-support.js';

let cluster: MiniCluster | undefined;
let conn: Connection | undefined;
afterEach(async () => {
  await conn?.close().catch(() => undefined);
  conn = undefined;
  await cluster?.close();
  cluster = undefined;
});

describe('failover drills', () => {
  it('a region server killed with SIGKILL under load: its regions reopen elsewhere and every acknowledged write is found', async () => {
    cluster = await MiniCluster.start({ masters: 1, regionServers: 3 });
    conn = await connect({ coord: cluster.coordAddress, operationTimeoutMs: 30_000 });
    const admin = conn.admin();
    await admin.createTable({ name: 'drill', families: ['f'], numRegions: 9 });
    const writers = startWriters(conn, 'drill', 8, { hexKeys: true });
    await sleep(1_500);

    const regions = await admin.listRegions('drill');
    const counts = new Map<string, number>();
    for (const r of regions) counts.set(r.serverName, (counts.get(r.serverName) ?? 0) + 1);
    const victimName = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    const victim = cluster.regionServers.find((d) => d.serverName === victimName)!;
    expect(victim).toBeDefined();
    const affected = new Set(regions.filter((r) => r.serverName === victimName).map((r) => r.encodedName));
    const killedAt = Date.now();
    await cluster.kill(victim);

    const allOpenMs = await waitFor(
      'all regions open on live servers',
      async () => {
        const now = await admin.listRegions('drill');
        return now.every((r) => r.state === 'OPEN' && r.serverName !== victimName);
      },
      30_000,
    );
    await sleep(1_000);
    await writers.stop();

    const { found, lost } = await verifyLinkedList(conn, 'drill', writers.acked);
    console.log(
      `[drill rs-kill] regions=${regions.length} on-victim=${affected.size} kill→all-open=${allOpenMs} ms (session timeout 3000 ms) ` +
        `written=${writers.acked.size + writers.failed} acknowledged=${writers.acked.size} found=${found} lost=${lost.length} killedAt+${Date.now() - killedAt} ms`,
    );
    expect(lost).toEqual([]);
    expect(writers.acked.size).toBeGreaterThan(0);
  });

  it('the active master killed with SIGKILL: the standby takes over and DDL works while data keeps flowing', async () => {
    cluster = await MiniCluster.start({ masters: 2, regionServers: 2 });
    conn = await connect({ coord: cluster.coordAddress, operationTimeoutMs: 30_000 });
    const admin = conn.admin();
    await admin.createTable({ name: 'before', families: ['f'], numRegions: 4 });
    const status = await admin.clusterStatus();
    const active = cluster.masters.find((m) => m.serverName === status.master)!;
    expect(active).toBeDefined();
    const standby = cluster.masters.find((m) => m !== active)!;

    const writers = startWriters(conn, 'before', 4, { hexKeys: true });
    await sleep(500);
    const killedAt = Date.now();
    await cluster.kill(active);
    const ackedAtKill = writers.acked.size;
    const takeoverMs = await waitFor('the standby to become active', async () => (await admin.clusterStatus()).master === standby.serverName, 30_000);
    await admin.createTable({ name: 'after', families: ['f'] });
    await conn.table('after').put({ row: 'r', cells: [{ family: 'f', qualifier: 'q', value: 'v' }] });
    expect((await conn.table('after').get({ row: 'r' })).string('f', 'q')).toBe('v');
    await writers.stop();
    const { lost } = await verifyLinkedList(conn, 'before', writers.acked);
    console.log(
      `[drill master-kill] kill→standby active=${takeoverMs} ms (session timeout 3000 ms) writes acknowledged while no master was active=${writers.acked.size - ackedAtKill} ` +
        `acknowledged=${writers.acked.size} lost=${lost.length} total=${Date.now() - killedAt} ms`,
    );
    expect(lost).toEqual([]);
    expect(writers.acked.size).toBeGreaterThan(ackedAtKill);
  });
});
