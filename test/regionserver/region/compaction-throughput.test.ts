/**
 * Proves the server's compaction throughput bound: compactions report the bytes they write to the
 * housekeeper's token bucket, a compaction over budget waits (on a manual clock) until housekeeping
 * passes find the debt paid off, and a limit of 0 leaves compactions unthrottled.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CellType } from '../../../common/cell.js';
import type { Region } from '../../../regionserver/region/region.js';
import { ThroughputBucket, type Housekeeper } from '../../../regionserver/server/housekeeper.js';
import { eventually, HousekeptRegions } from './housekept-regions.js';

const env = new HousekeptRegions('basalt-compaction-throughput-');
beforeEach(() => env.setUp());
afterEach(() => env.tearDown());

const ROWS = 200;
const VALUE_BYTES = 1_000;

function keeper(compactionThroughputBytesPerSecond: number): Housekeeper {
  return env.keeper({ compactionThroughputBytesPerSecond });
}

/** A region with two store files of ROWS/2 rows each (no automatic compaction). */
async function regionWithTwoFiles(housekeeper: Housekeeper): Promise<Region> {
  const region = await env.open(housekeeper);
  for (let i = 0; i < ROWS; i++) {
    await region.put({ row: Buffer.from(`row${String(i).padStart(4, '0')}`), cells: [{ family: 'cf', qualifier: Buffer.from('q'), type: CellType.Put, value: Buffer.alloc(VALUE_BYTES, i % 256) }] });
    if (i === ROWS / 2 - 1 || i === ROWS - 1) await region.flush();
  }
  expect(region.load().storeFileCount).toBe(2);
  return region;
}

describe('compaction throughput bound', () => {
  it('the token bucket: one second of burst, then a debt that the refill pays off at the rate', () => {
    const bucket = new ThroughputBucket(1_000, 0);
    bucket.take(600, 0);
    expect(bucket.inDebt(0)).toBe(false);
    bucket.take(900, 0); // 500 bytes of debt
    expect(bucket.inDebt(0)).toBe(true);
    expect(bucket.waitMs(0)).toBe(500);
    expect(bucket.inDebt(499)).toBe(true);
    expect(bucket.inDebt(500)).toBe(false);
    // An idle hour buys no more than one second of budget.
    expect(bucket.inDebt(3_600_000)).toBe(false);
    bucket.take(1_001, 3_600_000);
    expect(bucket.inDebt(3_600_000)).toBe(true);
  });

  it('a compaction over budget waits for housekeeping passes on the injected clock, and finishes once the debt is paid', async () => {
    const rate = 20_000;
    const housekeeper = keeper(rate);
    const region = await regionWithTwoFiles(housekeeper);
    let done = false;
    const compaction = region.compact(true).then(() => (done = true));
    await eventually(() => housekeeper.throttledCompactions === 1, 'the compaction to wait for budget');
    const written = housekeeper.compactionThroughput.bytesWritten;
    expect(written).toBeGreaterThan(ROWS * VALUE_BYTES);
    // Passes without time passing release nothing: the bucket is still in debt.
    await housekeeper.tick();
    await housekeeper.tick();
    expect(done).toBe(false);
    expect(region.load().storeFileCount).toBe(2);
    let secondsAdvanced = 0;
    while (!done) {
      env.clock.advance(1_000);
      secondsAdvanced++;
      await housekeeper.tick();
      await eventually(() => done || housekeeper.throttledCompactions === 1, 'the compaction to finish or wait again');
      expect(secondsAdvanced).toBeLessThan(1_000);
    }
    await compaction;
    // One second of burst is free; the rest of the bytes written cost time at the rate.
    expect(secondsAdvanced).toBeGreaterThanOrEqual(Math.floor((written - rate) / rate));
    expect(housekeeper.compactionThroughput.waits).toBeGreaterThanOrEqual(1);
    expect(region.load().storeFileCount).toBe(1);
    console.log(`compaction wrote ${written} bytes at ≤ ${rate} B/s: ${secondsAdvanced} s of manual clock`);
  });

  it('a limit of 0 means unlimited: the compaction never waits', async () => {
    const housekeeper = keeper(0);
    const region = await regionWithTwoFiles(housekeeper);
    await region.compact(true);
    expect(region.load().storeFileCount).toBe(1);
    expect(housekeeper.compactionThroughput.bytesWritten).toBeGreaterThan(ROWS * VALUE_BYTES);
    expect(housekeeper.compactionThroughput.waits).toBe(0);
    expect(housekeeper.throttledCompactions).toBe(0);
  });

  it('closing the region does not wait for the budget: the parked compaction is abandoned', async () => {
    const housekeeper = keeper(1_000);
    const region = await regionWithTwoFiles(housekeeper);
    void region.compact(true).catch(() => undefined);
    await eventually(() => housekeeper.throttledCompactions === 1, 'the compaction to wait for budget');
    await region.close();
    expect(region.load().storeFileCount).toBe(0); // closed: the stores let go of their files
  });

  it('pressure-aware range: the limit rises from the lower bound with the fullest store’s pressure and is lifted at maxStoreFiles', async () => {
    const MB = 1_000_000;
    const keeper2 = env.keeper({ compactionThroughputBytesPerSecond: 10 * MB, compactionThroughputUpperBytesPerSecond: 30 * MB });
    const fake = { walKey: 'k', memstoreSizeBytes: 0, lastWriteMs: 0, flushable: false, compactionPressure: 0, flush: async () => undefined };
    keeper2.add(fake);
    expect(keeper2.compactionLimit()).toBe(10 * MB);
    fake.compactionPressure = 0.5;
    expect(keeper2.compactionLimit()).toBe(20 * MB);
    fake.compactionPressure = 1;
    expect(keeper2.compactionLimit()).toBe(30 * MB);
    fake.compactionPressure = 1.25;
    expect(keeper2.compactionLimit()).toBe(Infinity);
    // Without an upper bound the lower one is a fixed rate; without a lower one, no limit.
    const fixed = env.keeper({ compactionThroughputBytesPerSecond: 10 * MB });
    fixed.add({ ...fake, compactionPressure: 0.9 });
    expect(fixed.compactionLimit()).toBe(10 * MB);
    expect(env.keeper({ compactionThroughputUpperBytesPerSecond: 30 * MB }).compactionLimit()).toBe(Infinity);
  });

  it('a region’s pressure is its fullest store’s file count between compactionMinFiles and maxStoreFiles', async () => {
    const housekeeper = keeper(0);
    // Holding the server's one compaction slot keeps the automatic compactions queued, so files pile up.
    const release = await housekeeper.compactionSlot();
    const region = await env.open(housekeeper, { compactionMinFiles: 1, maxStoreFiles: 5 });
    expect(region.compactionPressure).toBe(0);
    for (let f = 1; f <= 3; f++) {
      await region.put({ row: Buffer.from(`r${f}`), cells: [{ family: 'cf', qualifier: Buffer.from('q'), type: CellType.Put, value: Buffer.from('v') }] });
      await region.flush();
    }
    expect(region.load().storeFileCount).toBe(3);
    expect(region.compactionPressure).toBe(0.5); // (3 − 1) / (5 − 1)
    release();
    await eventually(() => region.load().storeFileCount === 1, 'the queued compaction');
    expect(region.compactionPressure).toBe(0);
    await region.close();
  });

  it('the bucket follows a changed rate: a debt taken at a low rate is paid at the higher one, and an unlimited rate has no debt', () => {
    const bucket = new ThroughputBucket(1_000, 0);
    bucket.take(3_000, 0); // 2,000 bytes of debt at 1,000/s
    bucket.setRate(4_000, 0);
    expect(bucket.waitMs(0)).toBe(500); // the debt stays, paid at 4,000/s
    expect(bucket.inDebt(500)).toBe(false);
    bucket.take(2_000, 500);
    expect(bucket.waitMs(500)).toBe(500);
    bucket.setRate(Infinity, 500);
    expect(bucket.inDebt(500)).toBe(false);
    bucket.take(1e12, 500);
    expect(bucket.inDebt(500)).toBe(false);
    bucket.setRate(1_000, 500);
    expect(bucket.inDebt(500)).toBe(false);
    bucket.take(1_500, 510);
    expect(bucket.inDebt(510)).toBe(true);
  });
});
