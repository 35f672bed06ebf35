/**
 * What the recovery tests share: opening the drill's region on one server's on-disk WAL under a
 * data root (as each next owner would), a temp root whose regions are closed after every test,
 * and one-column put/read of string rows.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { CellType } from '../../../common/cell.js';
import { systemClock } from '../../../common/clock.js';
import { DEFAULT_CONFIG, type RegionServerConfig } from '../../../common/config.js';
import { BENCH_FAMILY, BENCH_REGION } from '../../../bench/storage/basalt-workload.js';
import { drillRegionDir } from './drill-config.js';
import { Region } from '../../../regionserver/region/region.js';
import { serverWalDir } from '../../../regionserver/wal/root-reader.js';
import { SegmentWal } from '../../../regionserver/wal/segment-wal.js';

export interface OpenedRegion {
  region: Region;
  wal: SegmentWal;
}

/** Opens `serverName`'s WAL under `root` and the drill region on it at `openEpoch` (replaying every log under the root). */
export async function openDrillRegion(root: string, serverName: string, openEpoch: number, config: RegionServerConfig = DEFAULT_CONFIG.regionserver): Promise<OpenedRegion> {
  const wal = await SegmentWal.open({ dir: serverWalDir(root, serverName), replayRoot: root });
  const region = await Region.open({
    info: BENCH_REGION,
    families: [BENCH_FAMILY],
    dir: drillRegionDir(root),
    wal,
    openEpoch,
    clock: systemClock,
    config,
  });
  return { region, wal };
}

/**
 * Registers hooks (call inside a describe) giving each test a fresh temp data root; every region
 * opened through `openOn` is closed without flushing after the test, and the root removed.
 */
export function useDrillRoot(prefix: string): { openOn(serverName: string, openEpoch: number): Promise<OpenedRegion> } {
  let root: string;
  const opened: OpenedRegion[] = [];
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    for (const { region, wal } of opened.splice(0)) {
      await region.close({ flush: false }).catch(() => undefined);
      await wal.close().catch(() => undefined);
    }
    await rm(root, { recursive: true, force: true });
  });
  return {
    async openOn(serverName, openEpoch) {
      const server = await openDrillRegion(root, serverName, openEpoch);
      opened.push(server);
      return server;
    },
  };
}

/** Puts `value` in the row's one column (cf:q). */
export function put(region: Region, row: string, value: string): Promise<void> {
  return region.put({ row: Buffer.from(row), cells: [{ family: 'cf', qualifier: Buffer.from('q'), type: CellType.Put, value: Buffer.from(value) }] });
}

/** The row's first cell's value, or undefined when the row has none. */
export async function read(region: Region, row: string): Promise<string | undefined> {
  return (await region.get({ row: Buffer.from(row) }))?.cells[0]?.value.toString();
}
