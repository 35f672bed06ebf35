/**
 * Issue 10's failure scenarios with real processes, each checked the Big-Linked-List way (every
 * acknowledged write is found afterwards): SIGKILL the server holding meta; SIGKILL two of four
 * region servers at once; SIGSTOP a region server past its session timeout while a client writes
 * to it (it must acknowledge nothing after its regions move, and exits when resumed); SIGKILL the
 * whole cluster and start it again on the same data. Each prints its recovery times and counts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../client/index.js';
import type { Connection } from '../../client/api.js';
import { MiniCluster, type Daemon } from '../../bench/mini-cluster.js';
import { allRegionsOpenAwayFrom, sleep, startWriters, verifyLinkedList, waitFor } from './drill-support.js';

let cluster: MiniCluster | undefined;
let conn: Connection | undefined;
afterEach(async () => {
  await conn?.close().catch(() => undefined);
  conn = undefined;
  await cluster?.close();
  cluster = undefined;
});

const writers = (c: Connection, table: string, count: number) => startWriters(c, table, count, { hexKeys: true });
const verify = verifyLinkedList;
const allOpenAway = allRegionsOpenAwayFrom;

async function setup(regionServers: number, masters = 1): Promise<{ c: MiniCluster; conn: Connection }> {
  cluster = await MiniCluster.start({ masters, regionServers });
  conn = await connect({ coord: cluster.coordAddress, operationTimeoutMs: 40_000 });
  await conn.admin().createTable({ name: 'drill', families: ['f'], numRegions: 8 });
  return { c: cluster, conn };
}

function holderOf(c: MiniCluster, serverName: string): Daemon {
  const d = c.regionServers.find((r) => r.serverName === serverName);
  if (!d) throw new Error(`no region server ${serverName}`);
  return d;
}

describe('failure scenarios', () => {
  it('SIGKILL of the server holding meta: meta moves first, then every region; nothing acknowledged is lost', async () => {
    const { c, conn } = await setup(3);
    const w = writers(conn, 'drill', 6);
    await sleep(1_000);
    const meta = (await conn.admin().listRegions('basalt:meta'))[0]!;
    const victim = holderOf(c, meta.serverName);
    const killedAt = Date.now();
    await c.kill(victim);
    const metaBackMs = await waitFor('meta open elsewhere', async () => {
      const m = (await conn.admin().listRegions('basalt:meta'))[0]!;
      return m.state === 'OPEN' && m.serverName !== victim.serverName;
    });
    const allOpenMs = await waitFor('all regions open', () => allOpenAway(conn, new Set([victim.serverName])));
    const ackedAtOpen = w.acked.size;
    await waitFor('a write after recovery', async () => w.acked.size > ackedAtOpen + 10);
    await w.stop();
    const { found, lost } = await verify(conn, 'drill', w.acked);
    console.log(`[drill meta-kill] kill→meta open=${metaBackMs} ms kill→all open=${allOpenMs} ms acknowledged=${w.acked.size} found=${found} lost=${lost.length} failed=${w.failed} total=${Date.now() - killedAt} ms`);
    expect(lost).toEqual([]);
  });

  it('SIGKILL of two of four region servers at once', async () => {
    const { c, conn } = await setup(4);
    const w = writers(conn, 'drill', 6);
    await sleep(1_000);
    const victims = c.regionServers.slice(0, 2);
    const killedAt = Date.now();
    await Promise.all(victims.map((v) => c.kill(v)));
    const allOpenMs = await waitFor('all regions open', () => allOpenAway(conn, new Set(victims.map((v) => v.serverName))));
    const ackedAtOpen = w.acked.size;
    await waitFor('writes after recovery', async () => w.acked.size > ackedAtOpen + 10);
    await w.stop();
    const { found, lost } = await verify(conn, 'drill', w.acked);
    console.log(`[drill two-rs-kill] kill→all open=${allOpenMs} ms acknowledged=${w.acked.size} found=${found} lost=${lost.length} total=${Date.now() - killedAt} ms`);
    expect(lost).toEqual([]);
  });

  it('SIGSTOP of a region server past its session timeout: no write acknowledged after its regions moved, and it exits when resumed', async () => {
    const { c, conn } = await setup(3);
    const regions = await conn.admin().listRegions('drill');
    const victim = holderOf(c, regions.find((r) => r.serverName !== (regions[0]?.serverName ?? ''))?.serverName ?? regions[0]!.serverName);
    const w = writers(conn, 'drill', 6);
    await sleep(800);
    const pausedAt = Date.now();
    c.pause(victim);
    const allOpenMs = await waitFor('regions reassigned away from the paused server', () => allOpenAway(conn, new Set([victim.serverName])));
    const ackedBeforeResume = w.acked.size;
    c.resume(victim);
    const exitCode = await Promise.race([victim.exited, sleep(20_000).then(() => 'still running')]);
    await waitFor('writes after the zombie woke', async () => w.acked.size > ackedBeforeResume + 10);
    await w.stop();
    const { found, lost } = await verify(conn, 'drill', w.acked);
    console.log(`[drill rs-pause] pause→all open elsewhere=${allOpenMs} ms zombie exit=${String(exitCode)} acknowledged=${w.acked.size} found=${found} lost=${lost.length} total=${Date.now() - pausedAt} ms`);
    expect(lost).toEqual([]);
    expect(exitCode).not.toBe('still running');
  });

  it('SIGKILL of the whole cluster, then a restart on the same data: every table and acknowledged row is back', async () => {
    const { c, conn: first } = await setup(2);
    const w = writers(first, 'drill', 4);
    await sleep(1_500);
    await w.stop();
    await first.close();
    conn = undefined;
    const restartedAt = Date.now();
    await c.restartAll();
    conn = await connect({ coord: c.coordAddress, operationTimeoutMs: 40_000 });
    const conn2 = conn;
    const openMs = await waitFor('all regions open after restart', async () => (await conn2.admin().listRegions('drill')).every((r) => r.state === 'OPEN' && c.regionServers.some((d) => d.serverName === r.serverName)));
    const { found, lost } = await verify(conn2, 'drill', w.acked);
    console.log(`[drill full-restart] restart→all open=${Date.now() - restartedAt} ms (regions ${openMs} ms after connect) acknowledged=${w.acked.size} found=${found} lost=${lost.length}`);
    expect(lost).toEqual([]);
    expect(w.acked.size).toBeGreaterThan(0);
  });
});
