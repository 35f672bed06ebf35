/**
 * Proves the server-wide housekeeper: with one region written by a trickle and another by a flood
 * on one WAL, WAL-size-driven flushes of the regions pinning the oldest segment keep the log under
 * its bound; above the global memstore limit writes get SERVER_BUSY and the largest memstore is
 * flushed; idle memstores are flushed; compactions of all regions share bounded slots.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CellType } from '../../../common/cell.js';
import { ManualClock } from '../../../common/clock.js';
import { DEFAULT_CONFIG } from '../../../common/config.js';
import { ErrorCodes } from '../../../common/errors.js';
import type { RegionInfo } from '../../../regionserver/region/api.js';
import { Region } from '../../../regionserver/region/region.js';
import { Housekeeper, type HousekeeperOptions } from '../../../regionserver/server/housekeeper.js';
import { MemoryWal } from '../../../regionserver/wal/memory-wal.js';
import { family } from '../region/fixtures.js';

let dir: string;
let clock: ManualClock;
const regions: Region[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'basalt-housekeeper-'));
  clock = new ManualClock();
});
afterEach(async () => {
  for (const r of regions.splice(0)) await r.close({ flush: false }).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const LARGE = 2 ** 40;
function keeper(wal: MemoryWal | undefined, overrides: Partial<HousekeeperOptions> = {}): Housekeeper {
  return new Housekeeper({ clock, ...(wal ? { wal } : {}), globalMemstoreLimitBytes: LARGE, walMaxSegments: LARGE, walMaxBytes: LARGE, idleFlushMs: 0, maxConcurrentCompactions: 1, ...overrides });
}

async function openRegion(name: string, wal: MemoryWal, housekeeper: Housekeeper): Promise<Region> {
  const info: RegionInfo = { table: `default:${name}`, startKey: Buffer.alloc(0), endKey: Buffer.alloc(0), regionId: 1, encodedName: name };
  const region = await Region.open({
    info,
    families: [family('cf')],
    dir: join(dir, name),
    wal,
    openEpoch: 1,
    clock,
    // No size-driven flushes: only the housekeeper flushes.
    config: { ...DEFAULT_CONFIG.regionserver, memstoreFlushSizeBytes: LARGE, memstoreBlockMultiplier: 1 },
    housekeeping: housekeeper,
  });
  housekeeper.add(region);
  regions.push(region);
  return region;
}

const write = (region: Region, row: string, bytes = 200): Promise<void> =>
  region.put({ row: Buffer.from(row), cells: [{ family: 'cf', qualifier: Buffer.from('q'), type: CellType.Put, value: Buffer.alloc(bytes, 1) }] });

describe('server-wide housekeeping', () => {
  it('a trickle and a flood on one WAL: flushes of the regions pinning the oldest segment keep the WAL under its bound', async () => {
    const wal = new MemoryWal({ segmentSizeBytes: 16 * 1024 });
    const housekeeper = keeper(wal, { walMaxSegments: 4 });
    const trickle = await openRegion('trickle', wal, housekeeper);
    const flood = await openRegion('flood', wal, housekeeper);
    let maxSegments = 0;
    for (let i = 0; i < 3_000; i++) {
      if (i % 300 === 0) await write(trickle, `t${i}`);
      await write(flood, `f${String(i).padStart(5, '0')}`);
      if (i % 20 === 19) {
        await housekeeper.tick();
        await wal.reclaimed();
      }
      maxSegments = Math.max(maxSegments, wal.segmentCount());
    }
    const written = 3_000 * 200;
    console.log(`WAL: ${(written / 1024).toFixed(0)} KiB written in 16 KiB segments (≈${Math.ceil(written / 16 / 1024)} unbounded); at most ${maxSegments} kept; flushes ${JSON.stringify(housekeeper.flushes)}`);
    expect(maxSegments).toBeLessThanOrEqual(4 + 2);
    expect(housekeeper.flushes['wal-size']).toBeGreaterThan(0);
    expect(trickle.load().maxFlushedSequenceId).toBeGreaterThan(0); // the trickle was flushed: it pinned the oldest segment
  });

  it('above the global memstore limit writes get SERVER_BUSY, and the largest memstore is flushed', async () => {
    const wal = new MemoryWal();
    const housekeeper = keeper(wal, { globalMemstoreLimitBytes: 64 * 1024 });
    const small = await openRegion('small', wal, housekeeper);
    const large = await openRegion('large', wal, housekeeper);
    await write(small, 's', 1_000);
    let refused: unknown;
    for (let i = 0; i < 1_000 && !refused; i++) await write(large, `l${i}`, 1_000).catch((err: unknown) => (refused = err));
    expect(refused).toMatchObject({ code: ErrorCodes.SERVER_BUSY });
    await expect(write(small, 's2')).rejects.toMatchObject({ code: ErrorCodes.SERVER_BUSY });
    await housekeeper.tick();
    expect(housekeeper.flushes['global-memstore']).toBeGreaterThan(0);
    expect(large.memstoreSizeBytes).toBe(0);
    expect(small.memstoreSizeBytes).toBeGreaterThan(0);
    await write(small, 's3');
  });

  it('flushes a memstore idle for idleFlushMs, not one written recently', async () => {
    const wal = new MemoryWal();
    const housekeeper = keeper(wal, { idleFlushMs: 10_000 });
    const idle = await openRegion('idle', wal, housekeeper);
    const busy = await openRegion('busy', wal, housekeeper);
    await write(idle, 'a');
    clock.advance(9_000);
    await write(busy, 'b');
    clock.advance(1_000);
    await housekeeper.tick();
    await housekeeper.tick();
    expect(idle.memstoreSizeBytes).toBe(0);
    expect(busy.memstoreSizeBytes).toBeGreaterThan(0);
    expect(housekeeper.flushes.idle).toBe(1);
  });

  it('compactions of all regions share maxConcurrentCompactions slots', async () => {
    const housekeeper = keeper(undefined, { maxConcurrentCompactions: 1 });
    const first = await housekeeper.compactionSlot();
    let secondGot = false;
    const second = housekeeper.compactionSlot().then((release) => {
      secondGot = true;
      return release;
    });
    await new Promise((r) => setImmediate(r));
    expect(secondGot).toBe(false);
    first();
    (await second)();
    expect(secondGot).toBe(true);
  });
});
