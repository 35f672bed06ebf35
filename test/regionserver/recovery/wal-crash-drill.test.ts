// Proves that the on-disk WAL loses no acknowledged entry when its process is killed with SIGKILL at random moments, across many rounds of crash and replay from the data root.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../common/random.js';
import { DRILL_REGION_ID } from './drill-config.js';
import { replayRegionFromRoot } from '../../../regionserver/wal/root-reader.js';
import { killAllChildren, runAndKill } from './drill-harness.js';

afterAll(killAllChildren);

describe('WAL crash drill (real child process, SIGKILL)', () => {
  it('every acknowledged entry is replayed after each kill, and nothing replayed is damaged', async () => {
    const seed = Number(process.env.DRILL_SEED ?? Date.now() % 1_000_000);
    console.log(`WAL crash drill seed=${seed} (rerun with DRILL_SEED=${seed})`);
    const random = new SeededRandom(seed);
    const root = await mkdtemp(join(tmpdir(), 'basalt-wal-drill-'));
    const acknowledged = new Map<string, string>();
    const started = Date.now();
    let rounds = 0;
    try {
      for (let round = 0; round < 8 && (round < 4 || Date.now() - started < 12_000); round++) {
        const run = await runAndKill(
          {
            mode: 'wal',
            root,
            serverName: `wal-child-${round}`,
            openEpoch: round + 1,
            seed: seed + round,
            tag: `r${round}`,
            concurrency: 1 + random.int(8),
            batchRows: 1 + random.int(50),
            memstoreFlushSizeBytes: 0,
            flushEveryBatches: 0,
            segmentSizeBytes: 16 * 1024 + random.int(256 * 1024),
          },
          20 + random.int(400),
        );
        for (const [k, v] of run.acknowledged) acknowledged.set(k, v);
        const replayed = new Map<string, string>();
        for await (const e of replayRegionFromRoot(root, DRILL_REGION_ID, 0)) {
          const value = e.cells[0]!.value.toString();
          expect(e.cells[0]!.row.toString(), `seed ${seed}: damaged entry ${e.sequenceId}`).toBe(value);
          replayed.set(String(e.sequenceId), value);
        }
        for (const [seq, value] of acknowledged) {
          expect(replayed.get(seq), `seed ${seed} round ${round}: acknowledged entry ${seq} lost`).toBe(value);
        }
        rounds++;
      }
      console.log(`WAL crash drill: ${rounds} rounds, ${acknowledged.size} acknowledged entries verified`);
      expect(acknowledged.size).toBeGreaterThan(0);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
