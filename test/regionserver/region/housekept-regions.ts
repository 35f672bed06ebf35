/** Shared by the flush/compaction tests: regions opened under a Housekeeper on a manual clock, one temp dir per test. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../common/clock.js';
import { DEFAULT_CONFIG, type RegionServerConfig } from '../../../common/config.js';
import { Region } from '../../../regionserver/region/region.js';
import { Housekeeper, type HousekeeperOptions } from '../../../regionserver/server/housekeeper.js';
import { MemoryWal } from '../../../regionserver/wal/memory-wal.js';
import { family, regionInfo } from './fixtures.js';

const LARGE = 2 ** 40;

export class HousekeptRegions {
  dir = '';
  clock = new ManualClock();
  private readonly regions: Region[] = [];

  constructor(private readonly tempPrefix: string) {}

  /** From beforeEach: a fresh temp dir and manual clock. */
  setUp(): void {
    this.dir = mkdtempSync(join(tmpdir(), this.tempPrefix));
    this.clock = new ManualClock();
  }

  /** From afterEach: closes the regions without flushing and removes the temp dir. */
  async tearDown(): Promise<void> {
    for (const r of this.regions.splice(0)) await r.close({ flush: false }).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** A housekeeper that never flushes for memory, WAL or idleness, with one compaction slot. */
  keeper(options: Partial<HousekeeperOptions> = {}): Housekeeper {
    return new Housekeeper({ clock: this.clock, globalMemstoreLimitBytes: LARGE, walMaxSegments: LARGE, walMaxBytes: LARGE, idleFlushMs: 0, maxConcurrentCompactions: 1, ...options });
  }

  /** Opens a region of family 'cf' under the housekeeper; no automatic compaction unless `config` says so. */
  async open(housekeeper: Housekeeper, config: Partial<RegionServerConfig> = {}): Promise<Region> {
    const region = await Region.open({
      info: regionInfo(),
      families: [family('cf')],
      dir: join(this.dir, 'region'),
      wal: new MemoryWal(),
      openEpoch: 1,
      clock: this.clock,
      config: { ...DEFAULT_CONFIG.regionserver, compactionMinFiles: 50, ...config },
      housekeeping: housekeeper,
    });
    housekeeper.add(region);
    this.regions.push(region);
    return region;
  }
}

/** Polls (never sleeps as an assertion) until `done` holds or a generous deadline passes. */
export async function eventually(done: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
