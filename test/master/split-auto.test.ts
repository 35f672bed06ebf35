/** Proves the automatic split: regions whose store files pass regionserver.regionSplitSizeBytes are split at their middle by the master (from the load reports it polls) while a writer keeps writing, and every acknowledged row is found exactly once. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCluster, type ClusterConnection } from '../../client/connection.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';

let cluster: InProcessCluster;
let conn: ClusterConnection;

beforeAll(async () => {
  cluster = await startInProcessCluster({
    regionServers: 2,
    config: { regionserver: { memstoreFlushSizeBytes: 32 * 1024, regionSplitSizeBytes: 256 * 1024 } },
  });
  await cluster.activeMaster();
  conn = await connectCluster({ coord: cluster.coordAddress, operationTimeoutMs: 30_000, retryBaseDelayMs: 20, maxRetryDelayMs: 300 });
});

afterAll(async () => {
  await conn?.close();
  await cluster?.close();
});

const key = (i: number) => `row-${String((i * 7919) % 10_000).padStart(4, '0')}-${i}`;

describe('automatic split', () => {
  it('splits a region that outgrows the split size, repeatedly, without losing or duplicating a row', async () => {
    const admin = conn.admin();
    await admin.createTable({ name: 'growing', families: ['cf'] });
    const t = conn.table('growing');
    const value = 'x'.repeat(1024);
    const written: string[] = [];
    const deadline = Date.now() + 30_000;
    // Write until the table has split at least twice (or a bound on rows is reached).
    for (let batch = 0; written.length < 4_000 && Date.now() < deadline; batch++) {
      const rows = Array.from({ length: 50 }, (_, j) => key(batch * 50 + j));
      await t.put(rows.map((row) => ({ row, cells: [{ family: 'cf', qualifier: 'q', value }] })));
      written.push(...rows);
      if (batch % 10 === 9 && (await admin.listRegions('growing')).length >= 3) break;
    }
    for (;;) {
      const regions = await admin.listRegions('growing');
      if (regions.length >= 3 && regions.every((r) => r.state === 'OPEN')) break;
      if (Date.now() > deadline) throw new Error(`only ${regions.length} region(s) after ${written.length} rows`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const regions = await admin.listRegions('growing');
    // Contiguous cover of the whole key space.
    expect(regions[0]!.startKey.length).toBe(0);
    expect(regions[regions.length - 1]!.endKey.length).toBe(0);
    for (let i = 1; i < regions.length; i++) expect(regions[i]!.startKey.equals(regions[i - 1]!.endKey)).toBe(true);

    const scanned: string[] = [];
    for await (const r of t.scan({ caching: 200 })) scanned.push(r.row.toString());
    expect(scanned.length).toBe(written.length);
    expect(new Set(scanned)).toEqual(new Set(written));
    console.log(`automatic split: ${written.length} rows of 1 KiB → ${regions.length} regions`);
  });
});
