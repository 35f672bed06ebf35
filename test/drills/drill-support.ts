/**
 * Shared by the drills: steady writers that remember what was acknowledged, polling with a
 * deadline, the Big-Linked-List check (every acknowledged row found, every `prev` pointer
 * resolves), and the cluster invariants checked while chaos runs (no region open on two servers;
 * every key of an enabled table covered by exactly one region).
 */
import { randomBytes } from 'node:crypto';
import { compareBytes } from '../../common/bytes.js';
import type { Connection } from '../../client/api.js';
import { RegionServerClient } from '../../client/rpc/region-server-client.js';
import type { Daemon } from '../../bench/mini-cluster.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 40_000): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export interface Writers {
  /** Acknowledged rows (latin1 keys) → the row each points back to ('' for a chain's first). */
  acked: Map<string, string>;
  readonly failed: number;
  stop(): Promise<void>;
}

/**
 * `count` writers. Each inserts rows keyed by 16 random bytes (or hex counters with `hexKeys`) whose
 * `f:prev` column names the writer's previous acknowledged row, as HBase's ITBLL generator does.
 */
export function startWriters(conn: Connection, table: string, count: number, options: { hexKeys?: boolean } = {}): Writers {
  const acked = new Map<string, string>();
  let failed = 0;
  let stop = false;
  let seq = 0;
  const loops = Array.from({ length: count }, async () => {
    let prev = '';
    while (!stop) {
      const n = seq++;
      const key = options.hexKeys ? Buffer.from(((n * 2654435761) >>> 0).toString(16).padStart(8, '0')) : randomBytes(16);
      try {
        await conn.table(table).put({ row: key, cells: [{ family: 'f', qualifier: 'prev', value: Buffer.from(prev, 'latin1') }] });
        acked.set(key.toString('latin1'), prev);
        prev = key.toString('latin1');
      } catch {
        failed++;
      }
    }
  });
  return {
    acked,
    get failed() {
      return failed;
    },
    async stop() {
      stop = true;
      await Promise.all(loops);
    },
  };
}

/** Full scan: rows found, acknowledged rows missing, and `prev` pointers to rows that do not exist. */
export async function verifyLinkedList(conn: Connection, table: string, acked: Map<string, string>): Promise<{ found: number; lost: string[]; dangling: number }> {
  const rows = new Map<string, string>();
  for await (const row of conn.table(table).scan()) rows.set(row.row.toString('latin1'), row.value('f', 'prev')?.toString('latin1') ?? '');
  const lost = [...acked.keys()].filter((k) => !rows.has(k));
  let dangling = 0;
  for (const prev of rows.values()) if (prev && !rows.has(prev)) dangling++;
  return { found: rows.size, lost, dangling };
}

export async function allRegionsOpenAwayFrom(conn: Connection, gone: ReadonlySet<string>): Promise<boolean> {
  const regions = await conn.admin().listRegions();
  return regions.length > 0 && regions.every((r) => r.state === 'OPEN' && !gone.has(r.serverName));
}

/**
 * The invariants of a quiet moment: no region online on two live servers, and the regions of each
 * enabled table cover the key space exactly once (sorted, adjacent, from '' to '').
 */
export async function checkInvariants(conn: Connection, live: Daemon[]): Promise<string[]> {
  const problems: string[] = [];
  const holders = new Map<string, string[]>();
  for (const d of live) {
    const client = new RegionServerClient({ address: d.address, requestTimeoutMs: 5_000 });
    try {
      const { regions } = await client.onlineRegions();
      for (const r of regions) holders.set(r.info.encodedName, [...(holders.get(r.info.encodedName) ?? []), d.serverName]);
    } catch {
      // A server that does not answer holds nothing it can serve.
    } finally {
      client.close();
    }
  }
  for (const [region, servers] of holders) if (servers.length > 1) problems.push(`region ${region} open on ${servers.join(' and ')}`);
  for (const table of await conn.admin().listTables()) {
    if (table.state !== 'ENABLED') continue;
    const regions = (await conn.admin().listRegions(table.name)).sort((a, b) => compareBytes(a.startKey, b.startKey));
    let expectStart: Buffer = Buffer.alloc(0);
    for (const r of regions) {
      if (compareBytes(r.startKey, expectStart) !== 0) problems.push(`${table.name}: gap or overlap at ${r.startKey.toString('hex')}`);
      expectStart = r.endKey;
    }
    if (expectStart.length !== 0) problems.push(`${table.name}: key space not covered to the end`);
  }
  return problems;
}
