/**
 * The physical limit: the same work done by raw LMDB (lmdb-js), one key per cell
 * (row \0 family \0 qualifier → value), each load batch one transaction awaited until `flushed`
 * (durable, as Basalt's WAL sync is), gets and scans as range reads.
 */
import { rm } from 'node:fs/promises';
import { open, type RootDatabase } from 'lmdb';
import { FIELD_NAMES, LatencyRecorder, YCSB_FAMILY, YCSB_FIELD_COUNT, runLoadPhase, runWarmup, ycsbInputs, type BenchRow, type StorageWorkloadOptions, type YcsbData } from './workload.js';

function cellKey(row: Buffer, qualifier: Buffer): Buffer {
  return Buffer.concat([row, Buffer.from([0]), Buffer.from(YCSB_FAMILY), Buffer.from([0]), qualifier]);
}

/** Records [from, to) in one durable transaction. */
async function writeRows(db: RootDatabase<Buffer, Buffer>, data: YcsbData, from: number, to: number): Promise<void> {
  await db.transaction(() => {
    for (let i = from; i < to; i++) {
      const row = data.keys[i]!;
      const values = data.values[i % data.values.length]!;
      for (let f = 0; f < YCSB_FIELD_COUNT; f++) db.put(cellKey(row, FIELD_NAMES[f]!), values[f]!);
    }
  });
  await db.flushed;
}

export async function runLmdbWorkload(options: StorageWorkloadOptions): Promise<BenchRow[]> {
  const { data, random } = ycsbInputs(options);
  // The warm-up goes to a database of its own, removed before the measured one opens.
  const scratchPath = `${options.dir}.warmup`;
  const scratch = open<Buffer, Buffer>({ path: scratchPath, keyEncoding: 'binary', encoding: 'binary' });
  try {
    await runWarmup(options, (from, to) => writeRows(scratch, data, from, to));
  } finally {
    await scratch.close();
    await rm(scratchPath, { recursive: true, force: true });
    await rm(`${scratchPath}-lock`, { force: true });
  }
  const db = open<Buffer, Buffer>({ path: options.dir, keyEncoding: 'binary', encoding: 'binary' });
  const rows: BenchRow[] = [];
  try {
    rows.push(
      await runLoadPhase('lmdb', options, async (from, to, load) => {
        const t0 = performance.now();
        await writeRows(db, data, from, to);
        load.record(performance.now() - t0);
      }),
    );

    const get = new LatencyRecorder();
    get.start();
    for (let g = 0; g < options.gets; g++) {
      const row = data.keys[random.int(options.records)]!;
      const t0 = performance.now();
      let cells = 0;
      for (const { value } of db.getRange({ start: Buffer.concat([row, Buffer.from([0])]), end: Buffer.concat([row, Buffer.from([1])]) })) {
        if (value) cells++;
      }
      get.record(performance.now() - t0);
      if (cells !== YCSB_FIELD_COUNT) throw new Error(`lmdb get found ${cells} cells for ${row.toString()}`);
    }
    get.stop();
    rows.push(get.row('lmdb', 'get', undefined, { records: options.records }));

    const scan = new LatencyRecorder();
    scan.start();
    for (let s = 0; s < options.scans; s++) {
      const start = data.keys[random.int(options.records)]!;
      const t0 = performance.now();
      let seen = 0;
      let lastRow: Buffer | undefined;
      for (const { key } of db.getRange({ start, limit: options.scanRows * YCSB_FIELD_COUNT })) {
        const row = key.subarray(0, key.indexOf(0));
        if (!lastRow || !row.equals(lastRow)) {
          seen++;
          lastRow = row;
        }
      }
      scan.record(performance.now() - t0);
      if (seen === 0) throw new Error('lmdb scan returned nothing');
    }
    scan.stop();
    rows.push(scan.row('lmdb', 'scan', undefined, { rowsPerOp: options.scanRows, records: options.records }));
  } finally {
    await db.close();
  }
  return rows;
}
