/** Proves that a client scan walks the regions of a pre-split table in order (forward and reversed, with bounds, prefix, limit and batch), and finishes without gaps or duplicates when regions move under it or its scanner's lease expires. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCluster, type ClusterConnection } from '../../client/connection.js';
import type { Result, Scan, Table } from '../../client/api.js';
import { FakeMaster } from './fake-master.js';

let master: FakeMaster;
let conn: ClusterConnection;
let table: Table;
const LEASE_MS = 1_000;
/** a0 … i9: 90 rows over five regions (splits b, d, f, h). */
const ROWS: string[] = [];
for (const letter of 'abcdefghi') for (let d = 0; d < 10; d++) ROWS.push(`${letter}${d}`);

beforeAll(async () => {
  master = await FakeMaster.start({ servers: 3, scannerLeaseMs: LEASE_MS });
  await master.createTable('letters', ['cf'], ['b', 'd', 'f', 'h']);
  conn = await connectCluster({ coord: master.coordAddress, operationTimeoutMs: 20_000, retryBaseDelayMs: 20 });
  table = conn.table('letters');
  await table.put(ROWS.map((row) => ({ row, cells: [{ family: 'cf', qualifier: 'q', value: `v-${row}` }] })));
});

afterAll(async () => {
  await conn?.close();
  await master?.close();
});

async function collect(scan: Scan, onRow?: (r: Result, index: number) => Promise<void>): Promise<string[]> {
  const out: string[] = [];
  for await (const r of table.scan(scan)) {
    out.push(r.row.toString());
    await onRow?.(r, out.length);
  }
  return out;
}

const reversed = (rows: string[]): string[] => rows.slice().reverse();

describe('scans across regions', () => {
  it('a full scan returns every row once, in order, crossing all five regions', async () => {
    expect(await collect({ caching: 7 })).toEqual(ROWS);
    expect(await collect({})).toEqual(ROWS);
  });

  it('a reversed scan returns every row in reverse order', async () => {
    expect(await collect({ reversed: true, caching: 6 })).toEqual(reversed(ROWS));
  });

  it('start is inclusive and stop exclusive, in both directions', async () => {
    const forward = ROWS.filter((r) => r >= 'c5' && r < 'g3');
    expect(await collect({ start: 'c5', stop: 'g3', caching: 4 })).toEqual(forward);
    const backward = reversed(ROWS.filter((r) => r <= 'g3' && r > 'c5'));
    expect(await collect({ start: 'g3', stop: 'c5', reversed: true, caching: 4 })).toEqual(backward);
    // A bound exactly on a region boundary.
    expect(await collect({ start: 'd', stop: 'f' })).toEqual(ROWS.filter((r) => r >= 'd' && r < 'f'));
    expect(await collect({ start: 'f', stop: 'd', reversed: true })).toEqual(reversed(ROWS.filter((r) => r >= 'd' && r < 'f')));
  });

  it('limit counts rows across regions', async () => {
    expect(await collect({ limit: 25, caching: 4 })).toEqual(ROWS.slice(0, 25));
    expect(await collect({ limit: 33, reversed: true, caching: 5 })).toEqual(reversed(ROWS).slice(0, 33));
    expect(await collect({ start: 'b5', limit: 3 })).toEqual(['b5', 'b6', 'b7']);
  });

  it('prefix selects one key range, forward and reversed', async () => {
    const e = ROWS.filter((r) => r.startsWith('e'));
    expect(await collect({ prefix: 'e' })).toEqual(e);
    expect(await collect({ prefix: 'e', reversed: true })).toEqual(reversed(e));
    expect(await collect({ prefix: 'zz' })).toEqual([]);
  });

  it('a filter in the filter language applies in every region', async () => {
    const rows = await collect({ filter: "RowFilter(=, 'regexstring:[bdh]7')" });
    expect(rows).toEqual(['b7', 'd7', 'h7']);
  });

  it('batch cuts wide rows into chunks that together hold every cell once', async () => {
    const cells = Array.from({ length: 7 }, (_, i) => ({ family: 'cf', qualifier: `w${i}`, value: String(i) }));
    await table.put({ row: 'c5', cells });
    const chunks: Result[] = [];
    for await (const r of table.scan({ start: 'c5', stop: 'c6', batch: 3 })) chunks.push(r);
    expect(chunks.map((c) => c.cells.length)).toEqual([3, 3, 2]);
    expect(chunks.flatMap((c) => c.cells.map((x) => x.qualifier.toString()))).toEqual(['q', 'w0', 'w1', 'w2', 'w3', 'w4', 'w5', 'w6']);
  });

  it('stopping a scan early releases its server-side scanner', async () => {
    for await (const r of table.scan({ caching: 2 })) {
      if (r.row.toString() === 'a1') break;
    }
    const loads = await Promise.all(master.servers.map((s) => s.admin.serverLoad()));
    expect(loads.reduce((n, l) => n + l.openScanners, 0)).toBe(0);
  });
});

describe('scans that survive change', () => {
  it('a forward scan finishes without gaps or duplicates while the regions it is reading and about to read move', async () => {
    const lookups = conn.locator.metaLookups;
    const rows = await collect({ caching: 3 }, async (r, n) => {
      if (n === 14) {
        // Reading region [b, d): move it and the next one to other servers.
        await master.move(master.regionFor('letters', 'b0'));
        await master.move(master.regionFor('letters', 'd0'));
      }
      if (n === 60) await master.move(master.regionFor('letters', r.row));
    });
    expect(rows).toEqual(ROWS);
    // The moves were noticed: the stale locations were looked up again in meta.
    expect(conn.locator.metaLookups).toBeGreaterThanOrEqual(lookups + 3);
  });

  it('a reversed scan finishes without gaps or duplicates while regions move', async () => {
    const rows = await collect({ reversed: true, caching: 4 }, async (r, n) => {
      if (n === 5 || n === 47) await master.move(master.regionFor('letters', r.row));
    });
    expect(rows).toEqual(reversed(ROWS));
  });

  it('a region that moves in the middle of a row cut by batch resumes that row without repeating its cells', async () => {
    const cells = Array.from({ length: 8 }, (_, i) => ({ family: 'cf', qualifier: `z${i}`, value: String(i) }));
    await table.put({ row: 'g4', cells });
    const chunks: Result[] = [];
    // caching 1: one chunk per round trip, so the move lands between two chunks of g4.
    for await (const r of table.scan({ start: 'g4', stop: 'g6', batch: 3, caching: 1 })) {
      chunks.push(r);
      if (chunks.length === 1) await master.move(master.regionFor('letters', 'g4'));
    }
    const seen = chunks.map((c) => `${c.row.toString()}/${c.cells.map((x) => x.qualifier.toString()).join(',')}`);
    expect(seen).toEqual(['g4/q,z0,z1', 'g4/z2,z3,z4', 'g4/z5,z6,z7', 'g5/q']);
  });

  it('a caller slower than the scanner lease gets a new scanner from the resume row', async () => {
    let waited = false;
    const rows = await collect({ caching: 5 }, async (_r, n) => {
      if (n === 7) {
        // The server sweeps idle scanners every lease/2: wait until ours is gone.
        const deadline = Date.now() + 20 * LEASE_MS;
        for (;;) {
          const loads = await Promise.all(master.servers.map((s) => s.admin.serverLoad()));
          if (loads.every((l) => l.openScanners === 0)) break;
          if (Date.now() > deadline) throw new Error('the scanner never expired');
          await new Promise((resolve) => setTimeout(resolve, LEASE_MS / 4));
        }
        waited = true;
      }
    });
    expect(waited).toBe(true);
    expect(rows).toEqual(ROWS);
  });
});
