/**
 * The child process of the crash-recovery drill (test/regionserver/recovery/). It opens either the
 * bare on-disk WAL (`mode: "wal"`) or a Region on it (`mode: "region"`) under a shared data root,
 * writes uniquely keyed rows from several concurrent batches, and prints one line per write ONLY
 * after the sync that covers it:
 *
 *   ready
 *   ack <row> <value>        (region mode: one per acknowledged row)
 *   ack <sequenceId> <value> (wal mode)
 *
 * It never stops by itself; the drill kills it with SIGKILL at a random moment and then checks that
 * every acknowledged write is there. Usage: node crash-writer.js '<json DrillChildConfig>'.
 */
import { CellType } from '../../../common/cell.js';
import { systemClock } from '../../../common/clock.js';
import { DEFAULT_CONFIG } from '../../../common/config.js';
import { SeededRandom } from '../../../common/random.js';
import type { Mutation } from '../../../regionserver/region/api.js';
import { Region } from '../../../regionserver/region/region.js';
import { replayRegionFromRoot, serverWalDir } from '../../../regionserver/wal/root-reader.js';
import { SegmentWal } from '../../../regionserver/wal/segment-wal.js';
import { BENCH_FAMILY, BENCH_REGION } from '../../../bench/storage/basalt-workload.js';
import { DRILL_REGION_ID, drillRegionDir, type DrillChildConfig } from './drill-config.js';

function say(line: string): void {
  process.stdout.write(line + '\n');
}

async function runWal(config: DrillChildConfig, random: SeededRandom): Promise<void> {
  let sequenceId = 0;
  for await (const e of replayRegionFromRoot(config.root, DRILL_REGION_ID, 0)) sequenceId = Math.max(sequenceId, e.sequenceId);
  const wal = await SegmentWal.open({ dir: serverWalDir(config.root, config.serverName), segmentSizeBytes: config.segmentSizeBytes });
  say('ready');
  let n = 0;
  const writer = async (): Promise<void> => {
    for (;;) {
      const batch: Array<{ seq: number; value: string }> = [];
      let last = 0;
      const rows = 1 + random.int(config.batchRows);
      for (let i = 0; i < rows; i++) {
        const seq = ++sequenceId;
        const value = `${config.tag}-${n++}-${random.int(1e9)}`;
        last = wal.append({
          regionId: DRILL_REGION_ID,
          sequenceId: seq,
          openEpoch: config.openEpoch,
          cells: [{ row: Buffer.from(value), family: 'cf', qualifier: Buffer.from('v'), timestamp: Date.now(), type: CellType.Put, value: Buffer.from(value), sequenceId: seq }],
        });
        batch.push({ seq, value });
      }
      await wal.sync(last);
      for (const b of batch) say(`ack ${b.seq} ${b.value}`);
    }
  };
  await Promise.all(Array.from({ length: config.concurrency }, writer));
}

async function runRegion(config: DrillChildConfig, random: SeededRandom): Promise<void> {
  const wal = await SegmentWal.open({ dir: serverWalDir(config.root, config.serverName), replayRoot: config.root, segmentSizeBytes: config.segmentSizeBytes });
  const region = await Region.open({
    info: BENCH_REGION,
    families: [BENCH_FAMILY],
    dir: drillRegionDir(config.root),
    wal,
    openEpoch: config.openEpoch,
    clock: systemClock,
    config: { ...DEFAULT_CONFIG.regionserver, memstoreFlushSizeBytes: config.memstoreFlushSizeBytes },
  });
  say('ready');
  let n = 0;
  let batches = 0;
  const writer = async (): Promise<void> => {
    for (;;) {
      const mutations: Mutation[] = [];
      const rows = 1 + random.int(config.batchRows);
      for (let i = 0; i < rows; i++) {
        const row = `${config.tag}-${String(n++).padStart(7, '0')}`;
        const value = `${row}:${random.int(1e9)}:${'x'.repeat(random.int(200))}`;
        mutations.push({ row: Buffer.from(row), cells: [{ family: BENCH_FAMILY.name, qualifier: Buffer.from('v'), type: CellType.Put, value: Buffer.from(value) }] });
      }
      const results = await region.batch(mutations);
      for (let i = 0; i < mutations.length; i++) {
        if (results[i] === undefined) say(`ack ${mutations[i]!.row.toString()} ${mutations[i]!.cells[0]!.value!.toString()}`);
      }
      batches++;
      if (config.flushEveryBatches > 0 && batches % config.flushEveryBatches === 0) {
        const flushed = await region.flush();
        say(`flushed ${flushed}`);
      }
    }
  };
  await Promise.all(Array.from({ length: config.concurrency }, writer));
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as DrillChildConfig;
  const random = new SeededRandom(config.seed);
  if (config.mode === 'wal') await runWal(config, random);
  else await runRegion(config, random);
}

main().catch((err: unknown) => {
  process.stderr.write(`crash-writer: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
