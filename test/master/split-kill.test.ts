/** Proves with real processes that a split survives SIGKILL of the active master and SIGKILL of the parent's region server while it runs under a steady writer: the table ends split into two open regions and every acknowledged write is found exactly once (delays seeded: BASALT_SEED replays). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../client/index.js';
import type { Admin, Connection } from '../../client/api.js';
import { MiniCluster } from '../../bench/mini-cluster.js';

const SEED = Number(process.env.BASALT_SEED ?? Date.now() % 1_000_000);
let state = SEED;
const random = () => ((state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);

let cluster: MiniCluster;
let conn: Connection;
let admin: Admin;

beforeAll(async () => {
  cluster = await MiniCluster.start({ masters: 2, regionServers: 2, config: { master: { sessionTimeoutMs: 3_000 } } });
  conn = await connect({ coord: cluster.coordAddress, operationTimeoutMs: 40_000 });
  admin = conn.admin();
}, 60_000);

afterAll(async () => {
  await conn?.close().catch(() => undefined);
  await cluster?.close();
});

/** A writer of distinct rows across the key space; remembers what was acknowledged. */
function startWriter(table: string) {
  const acked = new Set<string>();
  let running = true;
  let n = 0;
  const done = (async () => {
    while (running) {
      const row = `${String.fromCharCode(97 + (n % 26))}-w${n++}`;
      try {
        await conn.table(table).put({ row, cells: [{ family: 'cf', qualifier: 'q', value: row }] });
        acked.add(row);
      } catch {
        // Not acknowledged: it may or may not exist; only acknowledged rows are checked.
      }
    }
  })();
  return { acked, stop: async () => ((running = false), await done) };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 40_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      if (await check()) return Date.now() - started;
    } catch {
      // The master may be changing hands.
    }
    if (Date.now() - started > timeoutMs) throw new Error(`timed out (${timeoutMs} ms) waiting for ${what} (seed ${SEED})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function verify(table: string, acked: Set<string>): Promise<{ rows: number; lost: number }> {
  const seen = new Set<string>();
  let duplicates = 0;
  for await (const r of conn.table(table).scan({ caching: 500 })) {
    const row = r.row.toString();
    if (seen.has(row)) duplicates++;
    seen.add(row);
  }
  expect(duplicates).toBe(0);
  const lost = [...acked].filter((r) => !seen.has(r));
  expect(lost).toEqual([]);
  return { rows: seen.size, lost: lost.length };
}

async function splitAndKill(table: string, victim: () => Promise<import('../../bench/mini-cluster.js').Daemon>, label: string): Promise<void> {
  await admin.createTable({ name: table, families: ['cf'] });
  const writer = startWriter(table);
  await waitFor('rows written', async () => writer.acked.size >= 200);
  await admin.flush({ table });
  const target = await victim();
  void admin.split({ table }).catch(() => undefined);
  await waitFor('the split running', async () => (await admin.clusterStatus()).procedures.some((p) => p.type === 'split' && p.state === 'RUNNING'), 10_000);
  const delayMs = Math.floor(random() * 150);
  await new Promise((r) => setTimeout(r, delayMs));
  const step = (await admin.clusterStatus().catch(() => undefined))?.procedures.find((p) => p.type === 'split' && p.state === 'RUNNING')?.step ?? '(ended)';
  const killedAt = Date.now();
  await cluster.kill(target);
  const splitMs = await waitFor('two open regions', async () => {
    const regions = await admin.listRegions(table);
    return regions.length === 2 && regions.every((r) => r.state === 'OPEN');
  });
  await new Promise((r) => setTimeout(r, 300));
  await writer.stop();
  const { rows } = await verify(table, writer.acked);
  console.log(`[split-kill ${label}] seed=${SEED} delay=${delayMs} ms step≈${step} kill→split done=${splitMs} ms acknowledged=${writer.acked.size} found=${rows} lost=0 total=${Date.now() - killedAt} ms`);
}

describe('split under SIGKILL (real processes)', () => {
  it('the active master killed while a split runs: the standby finishes it and no acknowledged write is lost', async () => {
    await splitAndKill(
      'kill_master',
      async () => {
        const active = (await admin.clusterStatus()).master;
        return cluster.masters.find((m) => m.serverName === active && m.alive)!;
      },
      'master',
    );
    await cluster.startMaster();
  });

  it('the parent’s region server killed while a split runs: the split completes after its regions are recovered and no acknowledged write is lost', async () => {
    await splitAndKill(
      'kill_holder',
      async () => {
        const [region] = await admin.listRegions('kill_holder');
        return cluster.regionServers.find((d) => d.serverName === region!.serverName && d.alive)!;
      },
      'region server',
    );
  });
});
