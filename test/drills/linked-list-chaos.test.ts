/**
 * HBase's Big-Linked-List verification under a seeded chaos schedule, with real processes: writers
 * insert rows keyed by 16 random bytes whose `prev` column points at a row they wrote and had
 * acknowledged before, while region servers are killed (SIGKILL) and paused (SIGSTOP), the active
 * master is killed, regions are moved, split and merged, and the balancer runs. At every quiet point the invariants
 * hold (no region on two servers, each table's key space covered once); at the end every
 * acknowledged row is found and every `prev` pointer resolves. The seed is printed; replay with
 * DRILL_SEED=<seed>.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../client/index.js';
import type { Connection } from '../../client/api.js';
import { SeededRandom } from '../../common/random.js';
import { MiniCluster } from '../../bench/mini-cluster.js';
import { allRegionsOpenAwayFrom, checkInvariants, sleep, startWriters, verifyLinkedList, waitFor } from './drill-support.js';

let cluster: MiniCluster | undefined;
let conn: Connection | undefined;
afterEach(async () => {
  await conn?.close().catch(() => undefined);
  conn = undefined;
  await cluster?.close();
  cluster = undefined;
});

type Action = 'kill-rs' | 'pause-rs' | 'kill-master' | 'move' | 'balance' | 'split' | 'merge';
const ACTIONS: Action[] = ['kill-rs', 'pause-rs', 'kill-master', 'move', 'balance', 'split', 'merge'];

describe('big linked list under chaos', () => {
  it('loses no acknowledged row and leaves no dangling pointer through kills, pauses, master failover, moves, splits, merges and balancing', async () => {
    const seed = Number(process.env.DRILL_SEED ?? Date.now() % 1_000_000);
    const random = new SeededRandom(seed);
    console.log(`[drill itbll] seed ${seed} (replay with DRILL_SEED=${seed})`);
    cluster = await MiniCluster.start({ masters: 2, regionServers: 3 });
    const c = cluster;
    conn = await connect({ coord: c.coordAddress, operationTimeoutMs: 45_000 });
    const cn = conn;
    await cn.admin().createTable({ name: 'itbll', families: ['f'], numRegions: 8, splitAlgorithm: 'UniformSplit' });
    const writers = startWriters(cn, 'itbll', 6);
    const log: string[] = [];
    // Every action once, in a seeded order (DRILL_ROUNDS adds more drawn at random, for long runs).
    const extra = Number(process.env.DRILL_ROUNDS ?? 0);
    const schedule = [...ACTIONS].sort(() => random.next() - 0.5).concat(Array.from({ length: extra }, () => ACTIONS[random.int(ACTIONS.length)]!));
    for (const action of schedule) {
      await sleep(500 + random.int(1_000));
      const live = c.regionServers.filter((d) => d.alive);
      const started = Date.now();
      const gone = new Set<string>();
      switch (action) {
        case 'kill-rs': {
          const victim = live[random.int(live.length)]!;
          await c.kill(victim);
          gone.add(victim.serverName);
          await c.startRegionServer();
          break;
        }
        case 'pause-rs': {
          const victim = live[random.int(live.length)]!;
          c.pause(victim);
          gone.add(victim.serverName);
          await waitFor('regions away from the paused server', () => allRegionsOpenAwayFrom(cn, gone));
          c.resume(victim);
          await Promise.race([victim.exited, sleep(15_000)]);
          await c.startRegionServer();
          break;
        }
        case 'kill-master': {
          const status = await cn.admin().clusterStatus();
          const active = c.masters.find((m) => m.serverName === status.master && m.alive);
          if (active) await c.kill(active);
          await c.startMaster();
          break;
        }
        case 'move': {
          const regions = (await cn.admin().listRegions('itbll')).filter((r) => r.state === 'OPEN');
          const region = regions[random.int(regions.length)]!;
          await cn.admin().move(region.encodedName);
          break;
        }
        case 'balance':
          await cn.admin().balance();
          break;
        case 'split': {
          // At the middle of a random region (the writers have filled every region by now).
          const regions = (await cn.admin().listRegions('itbll')).filter((r) => r.state === 'OPEN');
          await cn.admin().split({ region: regions[random.int(regions.length)]!.encodedName });
          break;
        }
        case 'merge': {
          const regions = (await cn.admin().listRegions('itbll')).filter((r) => r.state === 'OPEN');
          const i = random.int(regions.length - 1);
          await cn.admin().merge([regions[i]!.encodedName, regions[i + 1]!.encodedName]);
          break;
        }
      }
      const quietMs = await waitFor('a quiet cluster', () => allRegionsOpenAwayFrom(cn, gone), 45_000);
      const problems = await checkInvariants(cn, c.regionServers.filter((d) => d.alive));
      log.push(`${action}: quiet after ${Date.now() - started} ms (${quietMs} ms polling), acknowledged so far ${writers.acked.size}`);
      console.log(`[drill itbll] ${log[log.length - 1]}`);
      expect(problems, `${action} (seed ${seed})`).toEqual([]);
    }
    const before = writers.acked.size;
    await waitFor('writes after the last action', async () => writers.acked.size > before + 20);
    await writers.stop();
    const { found, lost, dangling } = await verifyLinkedList(cn, 'itbll', writers.acked);
    console.log(`[drill itbll] seed ${seed}\n  ${log.join('\n  ')}\n  acknowledged=${writers.acked.size} failed=${writers.failed} found=${found} lost=${lost.length} dangling=${dangling}`);
    expect(lost, `seed ${seed}`).toEqual([]);
    expect(dangling, `seed ${seed}`).toBe(0);
  }, 240_000);
});
