// Proves that a Region on the on-disk WAL keeps every acknowledged write when its process is killed with SIGKILL at random moments (with flushes mid-way), reopened in process each round.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../common/config.js';
import { SeededRandom } from '../../../common/random.js';
import { removeServerWal } from '../../../regionserver/wal/root-reader.js';
import { killAllChildren, runAndKill } from './drill-harness.js';
import { openDrillRegion } from './region-fixture.js';

afterAll(killAllChildren);

/** Reopens the region in this process (as the next owner would) and reads every row. */
async function readAllRows(root: string, serverName: string, openEpoch: number): Promise<Map<string, string>> {
  const { region, wal } = await openDrillRegion(root, serverName, openEpoch, { ...DEFAULT_CONFIG.regionserver, memstoreFlushSizeBytes: 256 * 1024 });
  const rows = new Map<string, string>();
  try {
    const scanner = region.scan({});
    try {
      for (;;) {
        const { rows: batch, more } = await scanner.next(1000, 16 * 1024 * 1024);
        for (const r of batch) {
          expect(r.cells.length).toBe(1);
          rows.set(r.row.toString(), r.cells[0]!.value.toString());
        }
        if (!more) break;
      }
    } finally {
      scanner.close();
    }
  } finally {
    // Close flushes: what the dead child's log held is now in store files.
    await region.close();
    await wal.close();
  }
  return rows;
}

describe('Region crash drill (real child process, SIGKILL)', () => {
  it('every acknowledged row survives each kill, flushed or not, and no row is damaged', async () => {
    const seed = Number(process.env.DRILL_SEED ?? Date.now() % 1_000_000);
    console.log(`Region crash drill seed=${seed} (rerun with DRILL_SEED=${seed})`);
    const random = new SeededRandom(seed);
    const root = await mkdtemp(join(tmpdir(), 'basalt-region-drill-'));
    const acknowledged = new Map<string, string>();
    const started = Date.now();
    let rounds = 0;
    let flushes = 0;
    try {
      for (let round = 0; round < 20 && (round < 5 || Date.now() - started < 45_000); round++) {
        const child = `region-child-${round}`;
        const run = await runAndKill(
          {
            mode: 'region',
            root,
            serverName: child,
            openEpoch: 2 * round + 1,
            seed: seed + round,
            tag: `r${String(round).padStart(2, '0')}`,
            concurrency: 1 + random.int(6),
            batchRows: 1 + random.int(40),
            memstoreFlushSizeBytes: 32 * 1024 + random.int(256 * 1024),
            flushEveryBatches: random.int(2) === 0 ? 0 : 5 + random.int(30),
            segmentSizeBytes: 16 * 1024 + random.int(256 * 1024),
          },
          50 + random.int(600),
        );
        flushes += run.flushes;
        for (const [k, v] of run.acknowledged) acknowledged.set(k, v);
        const verifier = `verifier-${round}`;
        const rows = await readAllRows(root, verifier, 2 * round + 2);
        for (const [row, value] of rows) {
          expect(value.startsWith(`${row}:`), `seed ${seed}: row ${row} holds a damaged value`).toBe(true);
        }
        for (const [row, value] of acknowledged) {
          expect(rows.get(row), `seed ${seed} round ${round}: acknowledged row ${row} lost`).toBe(value);
        }
        // Both logs are no longer needed: the verifier's close flushed everything to store files.
        await removeServerWal(root, child);
        await removeServerWal(root, verifier);
        rounds++;
      }
      console.log(`Region crash drill: ${rounds} rounds, ${acknowledged.size} acknowledged rows verified, ${flushes} explicit flushes`);
      expect(acknowledged.size).toBeGreaterThan(0);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
