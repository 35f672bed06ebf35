/**
 * Proves that a flush never runs a compaction: at maxStoreFiles a flush writes its file and queues
 * the compaction for the housekeeper's bounded slots, a size-triggered flush is held back instead
 * (writes get SERVER_BUSY at the memstore's blocking size) until the compaction catches up or
 * storeFileBlockingWaitMs has passed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CellType } from '../../../common/cell.js';
import type { RegionServerConfig } from '../../../common/config.js';
import { ErrorCodes, isBasaltError } from '../../../common/errors.js';
import type { Region } from '../../../regionserver/region/region.js';
import type { Housekeeper } from '../../../regionserver/server/housekeeper.js';
import { eventually, HousekeptRegions } from './housekept-regions.js';

const env = new HousekeptRegions('basalt-flush-compaction-');
let releaseSlot: (() => void) | undefined;
beforeEach(() => env.setUp());
afterEach(async () => {
  releaseSlot?.();
  releaseSlot = undefined;
  await env.tearDown();
});

const keeper = (): Housekeeper => env.keeper();
const open = (housekeeper: Housekeeper, config: Partial<RegionServerConfig>): Promise<Region> => env.open(housekeeper, config);

const write = (region: Region, row: string, bytes = 100): Promise<void> =>
  region.put({ row: Buffer.from(row), cells: [{ family: 'cf', qualifier: Buffer.from('q'), type: CellType.Put, value: Buffer.alloc(bytes, 1) }] });

/** Takes the server's only compaction slot, so no compaction can run until it is released. */
async function holdTheSlot(housekeeper: Housekeeper): Promise<void> {
  releaseSlot = await housekeeper.compactionSlot();
}

function release(): void {
  releaseSlot?.();
  releaseSlot = undefined;
}

describe('a flush never runs a compaction', () => {
  it('a flush at maxStoreFiles writes its file (count +1) while the compaction waits in the housekeeper queue, and runs later', async () => {
    const housekeeper = keeper();
    const region = await open(housekeeper, { maxStoreFiles: 2 });
    await holdTheSlot(housekeeper);
    for (let i = 0; i < 2; i++) {
      await write(region, `r${i}`);
      await region.flush();
    }
    expect(region.load().storeFileCount).toBe(2);
    await write(region, 'r2');
    let flushed = false;
    const flushing = region.flush().then(() => (flushed = true));
    // Before the change the flush compacted inline, so it waited for the slot held above: forever.
    await eventually(() => flushed, 'the flush to complete while no compaction can run');
    await flushing;
    expect(region.load().storeFileCount).toBe(3);
    expect(housekeeper.queues().compactionQueueLength).toBe(1);
    release();
    await eventually(() => region.load().storeFileCount === 1, 'the queued compaction to merge the files');
    expect(housekeeper.queues().compactionQueueLength).toBe(0);
    for (let i = 0; i < 3; i++) expect(await region.get({ row: Buffer.from(`r${i}`) })).toBeDefined();
  });

  it('at maxStoreFiles the size-triggered flush is held back and writes get SERVER_BUSY until the compaction catches up', async () => {
    const housekeeper = keeper();
    const region = await open(housekeeper, { maxStoreFiles: 2, memstoreFlushSizeBytes: 2_000, memstoreBlockMultiplier: 2 });
    await holdTheSlot(housekeeper);
    for (let i = 0; i < 2; i++) {
      await write(region, `a${i}`);
      await region.flush();
    }
    let busy: unknown;
    for (let i = 0; i < 1_000 && busy === undefined; i++) {
      await write(region, `b${String(i).padStart(4, '0')}`).catch((err: unknown) => (busy = err));
    }
    expect(isBasaltError(busy, ErrorCodes.SERVER_BUSY)).toBe(true);
    expect(region.load().storeFileCount).toBe(2); // no flush added a file past the bound
    release();
    // The compaction merges the two files, then the held-back flush writes the memstore.
    await eventually(() => region.load().memstoreSizeBytes < 2_000 && region.load().storeFileCount <= 2, 'the compaction and then the held-back flush');
    await write(region, 'c');
  });

  it('after storeFileBlockingWaitMs the held-back flush goes ahead even though the compaction has not run', async () => {
    const housekeeper = keeper();
    const region = await open(housekeeper, { maxStoreFiles: 2, memstoreFlushSizeBytes: 2_000, memstoreBlockMultiplier: 100, storeFileBlockingWaitMs: 60_000 });
    await holdTheSlot(housekeeper);
    for (let i = 0; i < 2; i++) {
      await write(region, `a${i}`);
      await region.flush();
    }
    for (let i = 0; i < 30; i++) await write(region, `b${i}`);
    expect(region.load().storeFileCount).toBe(2);
    env.clock.advance(60_000);
    await write(region, 'c');
    await eventually(() => region.load().storeFileCount === 3, 'the flush past maxStoreFiles');
    expect(housekeeper.queues().compactionQueueLength).toBe(1);
  });
});
