/**
 * Basalt's side of the storage benchmark: one Region in process, on the real on-disk WAL
 * (SegmentWal) and real store files, doing YCSB-shaped work. Load batches go through
 * Region.batch, which resolves only after the WAL sync that covers them (durable before counted).
 * The region is flushed after the load so that gets and scans read store files, as LMDB does.
 */
import { join } from 'node:path';
import { systemClock } from '../../common/clock.js';
import { DEFAULT_CONFIG, type RegionServerConfig } from '../../common/config.js';
import type { FamilyDescriptor, RegionInfo } from '../../regionserver/region/api.js';
import { Region } from '../../regionserver/region/region.js';
import { serverWalDir } from '../../regionserver/wal/root-reader.js';
import { SegmentWal } from '../../regionserver/wal/segment-wal.js';
import { LatencyRecorder, YCSB_FAMILY, YCSB_FIELD_COUNT, runLoadPhase, runWarmup, ycsbInputs, ycsbPutRows, type BenchRow, type StorageWorkloadOptions } from './workload.js';

/** The benchmark's region (the crash drills use it too). */
export const BENCH_REGION_ID = 'bench0usertable0region';

export const BENCH_REGION: RegionInfo = {
  table: 'default:usertable',
  startKey: Buffer.alloc(0),
  endKey: Buffer.alloc(0),
  regionId: 1,
  encodedName: BENCH_REGION_ID,
};

/** The scratch region each run's warm-up writes to (workload.ts runWarmup). */
export const BENCH_WARMUP_REGION: RegionInfo = { ...BENCH_REGION, table: 'default:warmup', encodedName: 'bench0warmup0region' };

export const BENCH_FAMILY: FamilyDescriptor = {
  name: YCSB_FAMILY,
  maxVersions: 1,
  minVersions: 0,
  ttlSeconds: 0,
  keepDeletedCells: 'FALSE',
  bloomFilter: 'ROW',
  inMemory: false,
};

export interface BasaltWorkloadOptions extends StorageWorkloadOptions {
  config?: Partial<RegionServerConfig>;
}

export async function runBasaltRegionWorkload(options: BasaltWorkloadOptions): Promise<BenchRow[]> {
  const config: RegionServerConfig = { ...DEFAULT_CONFIG.regionserver, ...options.config };
  const wal = await SegmentWal.open({ dir: serverWalDir(options.dir, 'bench-server'), replayRoot: options.dir, maxBatchEntries: config.walMaxBatchEntries });
  const { data, random } = ycsbInputs(options);
  const open = (info: RegionInfo): Promise<Region> =>
    Region.open({ info, families: [BENCH_FAMILY], dir: join(options.dir, 'data', 'default', info.table.split(':')[1]!, info.encodedName), wal, openEpoch: 1, clock: systemClock, config });
  const scratch = await open(BENCH_WARMUP_REGION);
  try {
    await runWarmup(options, async (from, to) => {
      const failed = (await scratch.batch(ycsbPutRows(data, from, to))).find((r) => r instanceof Error);
      if (failed) throw failed;
    });
  } finally {
    await scratch.close({ flush: false });
  }
  const region = await Region.open({
    info: BENCH_REGION,
    families: [BENCH_FAMILY],
    dir: join(options.dir, 'data', 'default', 'usertable', BENCH_REGION.encodedName),
    wal,
    openEpoch: 1,
    clock: systemClock,
    config,
  });
  const rows: BenchRow[] = [];
  try {
    rows.push(
      await runLoadPhase('basalt', options, async (from, to, load) => {
        const mutations = ycsbPutRows(data, from, to);
        const t0 = performance.now();
        const results = await region.batch(mutations);
        load.record(performance.now() - t0);
        const failed = results.find((r) => r instanceof Error);
        if (failed) throw failed;
      }),
    );

    await region.flush();

    const get = new LatencyRecorder();
    get.start();
    for (let g = 0; g < options.gets; g++) {
      const row = data.keys[random.int(options.records)]!;
      const t0 = performance.now();
      const result = await region.get({ row });
      get.record(performance.now() - t0);
      if (result?.cells.length !== YCSB_FIELD_COUNT) throw new Error(`basalt get found ${result?.cells.length ?? 0} cells for ${row.toString()}`);
    }
    get.stop();
    rows.push(get.row('basalt', 'get', undefined, { records: options.records }));

    const scan = new LatencyRecorder();
    scan.start();
    for (let s = 0; s < options.scans; s++) {
      const startRow = data.keys[random.int(options.records)]!;
      const t0 = performance.now();
      const scanner = region.scan({ startRow, limit: options.scanRows });
      let seen = 0;
      try {
        for (;;) {
          const { rows: batch, more } = await scanner.next(options.scanRows, 64 * 1024 * 1024);
          for (const r of batch) if (!r.partial) seen++;
          if (!more || seen >= options.scanRows) break;
        }
      } finally {
        scanner.close();
      }
      scan.record(performance.now() - t0);
      if (seen === 0) throw new Error('basalt scan returned nothing');
    }
    scan.stop();
    rows.push(scan.row('basalt', 'scan', undefined, { rowsPerOp: options.scanRows, records: options.records }));
  } finally {
    await region.close();
    await wal.close();
  }
  return rows;
}
