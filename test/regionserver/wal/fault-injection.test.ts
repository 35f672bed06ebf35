// Proves that a crash loses only unacknowledged WAL entries: every entry whose sync resolved survives, torn tails are cut, and a failed disk write fails every pending sync.
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../../common/errors.js';
import { SeededRandom } from '../../../common/random.js';
import { FaultInjectingWal } from '../../../regionserver/wal/fault-injecting-wal.js';
import { MemoryWalDisk } from '../../../regionserver/wal/disk.js';
import { collect, entry } from './conformance.js';

describe('FaultInjectingWal crashes', () => {
  it('keeps every acknowledged entry and never a damaged one, over many seeded crash points', async () => {
    const seed = Number(process.env.WAL_SEED ?? Date.now() % 1_000_000);
    const random = new SeededRandom(seed);
    console.log(`fault-injection seed=${seed} (rerun with WAL_SEED=${seed})`);
    for (let round = 0; round < 30; round++) {
      const storage = new MemoryWalDisk();
      let wal = new FaultInjectingWal({ storage, segmentSizeBytes: 4096 });
      const acknowledged = new Set<string>();
      const appended = new Map<string, string>();
      let nextSeq = 1;
      // Two lives per round: write, crash at a random moment (tearing part of the unsynced group), reopen.
      for (let life = 0; life < 2; life++) {
        const writers: Array<Promise<void>> = [];
        const writes = 20 + random.int(200);
        const crashAfter = random.int(writes);
        for (let i = 0; i < writes; i++) {
          const regionId = `r${random.int(4)}`;
          const e = entry(regionId, nextSeq++, 1, `value-${round}-${i}-${random.int(1e9)}`);
          const key = `${regionId}/${e.sequenceId}`;
          appended.set(key, e.cells[0]!.value.toString());
          writers.push(
            wal.sync(wal.append(e)).then(
              () => void acknowledged.add(key),
              (err: { code?: string }) => expect(err.code).toBe(ErrorCodes.WAL_CLOSED),
            ),
          );
          if (random.int(8) === 0) await new Promise((r) => setImmediate(r));
          if (i === crashAfter) {
            wal.crash((unsynced) => random.int(unsynced + 1));
            break;
          }
        }
        await Promise.allSettled(writers);
        wal = new FaultInjectingWal({ storage, segmentSizeBytes: 4096 });
        await wal.opened();
        const survived = new Set<string>();
        for (const regionId of ['r0', 'r1', 'r2', 'r3']) {
          for (const e of await collect(wal.replay(regionId, 0))) {
            const key = `${regionId}/${e.sequenceId}`;
            expect(appended.get(key), `seed ${seed}: replayed an entry never appended`).toBe(e.cells[0]!.value.toString());
            survived.add(key);
          }
        }
        for (const key of acknowledged) expect(survived.has(key), `seed ${seed} round ${round}: lost acknowledged ${key}`).toBe(true);
      }
      await wal.close();
    }
  });

  it('a failed disk write fails the pending syncs and every later append', async () => {
    const wal = new FaultInjectingWal();
    await wal.sync(wal.append(entry('r', 1)));
    wal.failNextDiskOperation(new Error('EIO: simulated'));
    await expect(wal.sync(wal.append(entry('r', 2)))).rejects.toMatchObject({ code: ErrorCodes.INTERNAL });
    expect(() => wal.append(entry('r', 3))).toThrow(expect.objectContaining({ code: ErrorCodes.INTERNAL }));
    await wal.close();
  });

  it('entries appended but never synced are lost by a crash without tearing', async () => {
    const storage = new MemoryWalDisk();
    const wal = new FaultInjectingWal({ storage });
    await wal.sync(wal.append(entry('r', 1)));
    const lost = wal.sync(wal.append(entry('r', 2)));
    wal.crash();
    await expect(lost).rejects.toMatchObject({ code: ErrorCodes.WAL_CLOSED });
    const reopened = new FaultInjectingWal({ storage });
    expect((await collect(reopened.replay('r', 0))).map((e) => e.sequenceId)).toEqual([1]);
    await reopened.close();
  });
});
