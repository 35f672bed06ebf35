// Proves that a Region never leaves a failed write in the WAL for replay to resurrect, treats a failed WAL sync as fatal for the region, and writes a durable open marker at its epoch after replay.
import { walRegionKey } from '../../../regionserver/region/identity.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../common/clock.js';
import { DEFAULT_CONFIG } from '../../../common/config.js';
import { BasaltError, ErrorCodes, isBasaltError } from '../../../common/errors.js';
import { Region } from '../../../regionserver/region/region.js';
import type { MemoryWalDisk } from '../../../regionserver/wal/disk.js';
import { FaultInjectingWal } from '../../../regionserver/wal/fault-injecting-wal.js';
import { isOpenMarker } from '../../../regionserver/wal/fencing.js';
import { MemoryWal, MemoryWalStorage } from '../../../regionserver/wal/memory-wal.js';
import type { Wal, WalEntry } from '../../../regionserver/wal/wal.js';
import { b, family, put, regionInfo } from './fixtures.js';

describe('Region over the WAL: durability of failed writes and the open marker', () => {
  let dir: string;
  const clock = new ManualClock(1_700_000_000_000);
  const info = regionInfo();
  const open = (wal: Wal, openEpoch = 1): Promise<Region> =>
    Region.open({ info, families: [family('cf')], dir: join(dir, 'region'), wal, openEpoch, clock, config: DEFAULT_CONFIG.regionserver });
  const row = (r: Region, key: string): Promise<string | undefined> => r.get({ row: b(key) }).then((res) => res?.cells[0]?.value.toString());
  const entriesOf = async (wal: Wal): Promise<WalEntry[]> => {
    const out: WalEntry[] = [];
    for await (const e of wal.replay(walRegionKey(info), 0)) out.push(e);
    return out;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'basalt-region-wal-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a batch the WAL refuses part-way leaves none of its rows after a crash and reopen', async () => {
    const storage = new MemoryWalStorage();
    // A WAL queue of 3 entries: the 4th row of a 5-row batch would not fit.
    const wal = new MemoryWal({ storage, maxQueuedEntries: 3 });
    const region = await open(wal);
    const rows = [1, 2, 3, 4, 5].map((i) => `row-${i}`);
    // Another write is queued first (the WAL accepts an oversized batch only into an empty queue).
    const first = region.put({ row: b('first'), cells: [put('cf', 'q', 'first')] });
    const results = await region.batch(rows.map((r) => ({ row: b(r), cells: [put('cf', 'q', `v-${r}`)] })));
    await first;
    expect(results.map((e) => (isBasaltError(e) ? e.code : 'applied'))).toEqual(rows.map(() => ErrorCodes.SERVER_BUSY));
    for (const r of rows) expect(await row(region, r)).toBeUndefined();
    // A later acknowledged write's sync covers everything queued before it.
    // (Retried while the queue is still full of what an earlier append left in it.)
    for (let attempt = 0; ; attempt++) {
      try {
        await region.put({ row: b('after'), cells: [put('cf', 'q', 'after')] });
        break;
      } catch (err) {
        if (!isBasaltError(err, ErrorCodes.SERVER_BUSY) || attempt >= 100) throw err;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    // Crash: no flush; a new WAL on the same simulated disk and a new Region replay the log.
    await region.close({ flush: false });
    await wal.close();
    const wal2 = new MemoryWal({ storage });
    const reopened = await open(wal2, 2);
    try {
      expect(await row(reopened, 'first')).toBe('first');
      expect(await row(reopened, 'after')).toBe('after');
      for (const r of rows) expect(await row(reopened, r), `${r} of the refused batch`).toBeUndefined();
    } finally {
      await reopened.close({ flush: false });
      await wal2.close();
    }
  });

  it('a failed WAL sync fails the write and takes the region out of service; acknowledged writes survive the reopen', async () => {
    const storage: MemoryWalDisk = new MemoryWalStorage();
    const wal = new FaultInjectingWal({ storage });
    const region = await open(wal);
    await region.put({ row: b('acked'), cells: [put('cf', 'q', 'acked')] });
    wal.failNextDiskOperation(new Error('EIO: simulated disk failure'));
    const failed = await region.put({ row: b('failed'), cells: [put('cf', 'q', 'failed')] }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failed).toBeInstanceOf(BasaltError);
    // The outcome of the failed write is unknown (its entry may be on disk): the region serves
    // neither reads nor writes until it is reopened from the log.
    expect(region.isAborted).toBe(true);
    await expect(region.get({ row: b('acked') })).rejects.toMatchObject({ code: ErrorCodes.NOT_SERVING_REGION });
    await expect(region.put({ row: b('next'), cells: [put('cf', 'q', 'next')] })).rejects.toMatchObject({ code: ErrorCodes.NOT_SERVING_REGION });
    await region.close({ flush: true }); // an aborted region never flushes its memstore
    expect(region.load().maxFlushedSequenceId).toBe(0);
    await wal.close().catch(() => undefined);
    const wal2 = new FaultInjectingWal({ storage });
    const reopened = await open(wal2, 2);
    try {
      expect(await row(reopened, 'acked')).toBe('acked');
      expect(await row(reopened, 'next')).toBeUndefined();
    } finally {
      await reopened.close({ flush: false });
      await wal2.close();
    }
  });

  it('open writes a durable, empty open marker at its epoch after replay, above every replayed sequence id', async () => {
    const storage = new MemoryWalStorage();
    const wal = new MemoryWal({ storage });
    const first = await open(wal, 1);
    await first.put({ row: b('r1'), cells: [put('cf', 'q', 'v1')] });
    await first.close({ flush: false });
    await wal.close();
    const wal2 = new MemoryWal({ storage });
    const second = await open(wal2, 2);
    try {
      // (Entries of the first open may already be reclaimed: its edit was flushed by this open.)
      const markers = (await entriesOf(wal2)).filter((e) => isOpenMarker(e) && e.openEpoch === 2);
      expect(markers).toHaveLength(1);
      // The replayed edit was flushed before the marker: the dead owner's log is not needed again.
      expect(second.load().maxFlushedSequenceId).toBeGreaterThan(0);
      expect(markers[0]!.sequenceId).toBe(second.load().maxFlushedSequenceId + 1);
      expect(await row(second, 'r1')).toBe('v1');
      // The marker's id is taken: the next edit gets a higher one.
      await second.put({ row: b('r2'), cells: [put('cf', 'q', 'v2')] });
      const last = (await entriesOf(wal2)).at(-1)!;
      expect(last.sequenceId).toBe(markers[0]!.sequenceId + 1);
    } finally {
      await second.close({ flush: false });
      await wal2.close();
    }
  });
});
