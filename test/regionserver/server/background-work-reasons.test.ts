/**
 * Proves that a region server's BackgroundWorkStats hears of every flush with its reason (size,
 * idle, admin, close; an empty memstore is no flush) and of every store compaction with its kind,
 * each with its duration from the injected clock — the totals behind
 * basalt_regionserver_flushes_total{reason} and …_compactions_total{kind}.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CellType } from '../../../common/cell.js';
import type { Region } from '../../../regionserver/region/region.js';
import { BackgroundWorkStats, type BackgroundWorkObserver } from '../../../regionserver/server/background-work.js';
import { eventually, HousekeptRegions } from '../region/housekept-regions.js';

const env = new HousekeptRegions('basalt-background-work-');
beforeEach(() => env.setUp());
afterEach(() => env.tearDown());

const write = (region: Region, row: string, bytes = 100): Promise<void> =>
  region.put({ row: Buffer.from(row), cells: [{ family: 'cf', qualifier: Buffer.from('q'), type: CellType.Put, value: Buffer.alloc(bytes, 1) }] });

function observed(work: BackgroundWorkStats): Parameters<BackgroundWorkObserver>[0][] {
  const seen: Parameters<BackgroundWorkObserver>[0][] = [];
  work.observe((done) => void seen.push(done));
  return seen;
}

describe('background work totals', () => {
  it('count a flush by its reason only when it wrote something, with its duration', async () => {
    const work = new BackgroundWorkStats();
    const seen = observed(work);
    const housekeeper = env.keeper({ work, idleFlushMs: 60_000 });
    const region = await env.open(housekeeper, { memstoreFlushSizeBytes: 1_000 });

    // Past the flush size, the region flushes on its own (what is left after it stays under the size).
    for (let i = 0; i < 3; i++) await write(region, `s${i}`, 400);
    await eventually(() => (work.flushes.get('size') ?? 0) >= 1 && region.load().memstoreSizeBytes < 1_000, 'a size-triggered flush');

    await write(region, 'admin', 10);
    await region.flush();
    expect(work.flushes.get('admin')).toBe(1);
    // Nothing left to write: no flush happens, so none is counted.
    await region.flush();
    expect(work.flushes.get('admin')).toBe(1);

    // The housekeeper's idle pass names its reason.
    await write(region, 'idle');
    env.clock.advance(60_000);
    await housekeeper.tick();
    expect(work.flushes.get('idle')).toBe(1);

    await write(region, 'closing');
    await region.close();
    expect(work.flushes.get('close')).toBe(1);
    expect(work.flushesTotal).toBe((work.flushes.get('size') ?? 0) + 3);
    expect(seen.filter((d) => d.kind === 'flush')).toHaveLength(work.flushesTotal);
    for (const d of seen) expect(d.seconds).toBeGreaterThanOrEqual(0);
  });

  it('count store compactions by kind: minor when a compaction merges some of the files, major when asked', async () => {
    const work = new BackgroundWorkStats();
    const seen = observed(work);
    const housekeeper = env.keeper({ work });
    const region = await env.open(housekeeper, { compactionMinFiles: 2, compactionMaxFiles: 2 });
    // Three files before any compaction runs (the only slot is held), so the queued one merges two of them.
    const release = await housekeeper.compactionSlot();
    for (let i = 0; i < 3; i++) {
      await write(region, `m${i}`);
      await region.flush();
    }
    release();
    await eventually(() => work.compactions.minor >= 1, 'the minor compaction queued by the flushes');
    expect(work.compactions.major).toBe(0);

    await write(region, 'x');
    await region.flush();
    await region.compact(true);
    expect(work.compactions.major).toBe(1);
    expect(work.compactionsTotal).toBe(work.compactions.minor + 1);
    const kinds = seen.filter((d) => d.kind === 'compaction').map((d) => (d.kind === 'compaction' ? d.compaction : ''));
    expect(kinds.at(-1)).toBe('major');
    expect(kinds.filter((k) => k === 'minor')).toHaveLength(work.compactions.minor);
  });
});
