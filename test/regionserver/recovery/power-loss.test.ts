/**
 * Proves that a power loss at every step of a flush and of a compaction leaves every acknowledged
 * write readable: the store-file writer and the manifest go through FaultInjectingFiles, which
 * loses unsynced file contents and unsynced directory changes, and the WAL through
 * FaultInjectingWal, which keeps only what was synced. A missing fsync anywhere on those paths
 * makes this fail (a SIGKILL drill cannot show it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CellType } from '../../../common/cell.js';
import { ManualClock } from '../../../common/clock.js';
import { DEFAULT_CONFIG } from '../../../common/config.js';
import type { RegionInfo } from '../../../regionserver/region/api.js';
import { Region } from '../../../regionserver/region/region.js';
import { FaultInjectingFiles, SimulatedCrash } from '../../../regionserver/storage/fault-injecting-files.js';
import { MemoryWalDisk } from '../../../regionserver/wal/disk.js';
import { FaultInjectingWal } from '../../../regionserver/wal/fault-injecting-wal.js';
import { family } from '../region/fixtures.js';

const info: RegionInfo = { table: 'default:t', startKey: Buffer.alloc(0), endKey: Buffer.alloc(0), regionId: 1, encodedName: 'powerloss' };
const config = { ...DEFAULT_CONFIG.regionserver, compactionMinFiles: 100, majorCompactionPeriodMs: 0 };

/** Writes 3 × 20 rows with a flush after the first two batches; returns the acknowledged rows. */
async function load(region: Region): Promise<string[]> {
  const rows: string[] = [];
  for (let batch = 0; batch < 3; batch++) {
    for (let i = 0; i < 20; i++) {
      const row = `r${batch}-${String(i).padStart(2, '0')}`;
      await region.put({ row: Buffer.from(row), cells: [{ family: 'cf', qualifier: Buffer.from('q'), type: CellType.Put, value: Buffer.from(`v-${row}`) }] });
      rows.push(row);
    }
    if (batch < 2) await region.flush();
  }
  return rows;
}

describe('power loss during flush and compaction', () => {
  it('at every crash point, every acknowledged write is readable after reopening', async () => {
    let crashPoints = 0;
    for (let k = 0; ; k++) {
      const dir = mkdtempSync(join(tmpdir(), 'basalt-powerloss-'));
      const clock = new ManualClock();
      const walDisk = new MemoryWalDisk();
      const files = new FaultInjectingFiles();
      try {
        const wal = new FaultInjectingWal({ storage: walDisk });
        const region = await Region.open({ info, families: [family('cf')], dir, wal, openEpoch: 1, clock, config, files });
        const acked = await load(region);
        files.crashAfter(k);
        let crashed = false;
        try {
          await region.flush();
          await region.compact(true);
        } catch (err) {
          if (!(err instanceof SimulatedCrash)) throw err;
          crashed = true;
        }
        // The machine loses power: unsynced store-file data, manifest writes and renames go, and
        // so does every unsynced WAL byte.
        files.powerLoss();
        wal.crash();
        await region.close({ flush: false }).catch(() => undefined);

        const reopened = await Region.open({ info, families: [family('cf')], dir, wal: new FaultInjectingWal({ storage: walDisk }), openEpoch: 2, clock, config });
        const missing: string[] = [];
        for (const row of acked) {
          const got = await reopened.get({ row: Buffer.from(row) });
          if (got?.cells[0]?.value.toString() !== `v-${row}`) missing.push(row);
        }
        await reopened.close({ flush: false });
        expect(missing, `crash after ${k} file operations`).toEqual([]);
        if (!crashed) break;
        crashPoints++;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    console.log(`power loss at ${crashPoints} crash points of a flush + major compaction: no acknowledged write lost`);
    expect(crashPoints).toBeGreaterThan(8);
  });
});
