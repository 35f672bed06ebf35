// Proves that writes a paused ("zombie") owner makes after its region was reopened elsewhere at a higher epoch are ignored when the region is recovered again, through the real Region and on-disk WAL.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CellType } from '../../../common/cell.js';
import { systemClock } from '../../../common/clock.js';
import { DEFAULT_CONFIG } from '../../../common/config.js';
import { BENCH_FAMILY, BENCH_REGION } from '../../../regionserver/bench/basalt-workload.js';
import { drillRegionDir } from '../../../regionserver/bench/drill-config.js';
import { Region } from '../../../regionserver/region/region.js';
import { serverWalDir } from '../../../regionserver/wal/root-reader.js';
import { SegmentWal } from '../../../regionserver/wal/segment-wal.js';

describe('zombie fencing by open epoch', () => {
  let root: string;
  const opened: Array<{ region: Region; wal: SegmentWal }> = [];
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'basalt-zombie-'));
  });
  afterEach(async () => {
    for (const { region, wal } of opened.splice(0)) {
      await region.close({ flush: false }).catch(() => undefined);
      await wal.close().catch(() => undefined);
    }
    await rm(root, { recursive: true, force: true });
  });

  const openOn = async (serverName: string, openEpoch: number): Promise<Region> => {
    const wal = await SegmentWal.open({ dir: serverWalDir(root, serverName), replayRoot: root });
    const region = await Region.open({
      info: BENCH_REGION,
      families: [BENCH_FAMILY],
      dir: drillRegionDir(root),
      wal,
      openEpoch,
      clock: systemClock,
      config: DEFAULT_CONFIG.regionserver,
    });
    opened.push({ region, wal });
    return region;
  };
  const put = (region: Region, row: string, value: string): Promise<void> =>
    region.put({ row: Buffer.from(row), cells: [{ family: 'cf', qualifier: Buffer.from('q'), type: CellType.Put, value: Buffer.from(value) }] });
  const read = async (region: Region, row: string): Promise<string | undefined> =>
    (await region.get({ row: Buffer.from(row) }))?.cells[0]?.value.toString();

  it("the new owner's edits win, and the zombie's later edits never come back", async () => {
    const a = await openOn('server-a', 1);
    await put(a, 'row-1', 'a1');
    await put(a, 'row-2', 'a2');
    // Server A pauses; the master reassigns the region to B at epoch 2 (B replays A's log).
    const b = await openOn('server-b', 2);
    expect(await read(b, 'row-2')).toBe('a2');
    await put(b, 'row-2', 'b2');
    await put(b, 'row-3', 'b3');
    // A wakes up and, unaware, keeps writing into its own log at epoch 1 (same and later sequence ids).
    await put(a, 'row-2', 'zombie');
    await put(a, 'row-4', 'zombie');
    await put(a, 'row-5', 'zombie');
    // B dies without flushing; C recovers the region at epoch 3 from every log under the root.
    const c = await openOn('server-c', 3);
    expect(await read(c, 'row-1')).toBe('a1');
    expect(await read(c, 'row-2')).toBe('b2');
    expect(await read(c, 'row-3')).toBe('b3');
    expect(await read(c, 'row-4')).toBeUndefined();
    expect(await read(c, 'row-5')).toBeUndefined();
  });
});
