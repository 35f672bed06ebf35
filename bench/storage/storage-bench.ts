/**
 * `basalt bench storage`: Basalt's region against raw LMDB on the same YCSB-shaped work, side by
 * side. Systems are functions returning BenchRows (workload.ts); `extraSystems` lets other
 * benchmarks (basalt-grpc, grpc-echo…) add theirs to the same table.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Table from 'cli-table3';
import { invalidArgument } from '../../common/errors.js';
import { runBasaltRegionWorkload } from './basalt-workload.js';
import { runLmdbWorkload } from './lmdb-workload.js';
import { addRatios, bestRuns, type BenchRow, type StorageWorkloadOptions, type SystemWorkload } from './workload.js';

export interface StorageBenchOptions {
  records: number;
  gets?: number;
  scans?: number;
  batchRows?: number;
  concurrency?: number;
  scanRows?: number;
  /** Rows loaded into a scratch store before measuring (default min(records/5, 10,000); 0: none). */
  warmupRecords?: number;
  seed?: number;
  /** Runs per system, interleaved; the best run of each (system, op) is reported (default 2). */
  runs?: number;
  /** Parent directory for the runs' data (a temp dir by default; removed afterwards). */
  dir?: string;
  /** More systems to run on the same options, e.g. { 'basalt-grpc': fn }. */
  extraSystems?: Record<string, SystemWorkload>;
}

export const STORAGE_SYSTEMS: Record<string, SystemWorkload> = {
  lmdb: runLmdbWorkload,
  basalt: runBasaltRegionWorkload,
};

export function resolveWorkloadOptions(options: StorageBenchOptions, dir: string): StorageWorkloadOptions {
  const records = options.records;
  if (!Number.isSafeInteger(records) || records < 100) throw invalidArgument('records', 'must be an integer ≥ 100');
  const out: StorageWorkloadOptions = {
    records,
    gets: options.gets ?? Math.min(records, 20_000),
    scans: options.scans ?? Math.min(Math.ceil(records / 50), 2_000),
    batchRows: options.batchRows ?? 100,
    concurrency: options.concurrency ?? 4,
    scanRows: options.scanRows ?? 100,
    warmupRecords: options.warmupRecords ?? Math.min(Math.floor(records / 5), 10_000),
    seed: options.seed ?? 42,
    dir,
  };
  for (const key of ['gets', 'scans', 'batchRows', 'concurrency', 'scanRows'] as const) {
    if (!Number.isSafeInteger(out[key]) || out[key] < 1) throw invalidArgument(key, 'must be a positive integer');
  }
  if (!Number.isSafeInteger(out.warmupRecords) || out.warmupRecords < 0) throw invalidArgument('warmupRecords', 'must be an integer ≥ 0');
  return out;
}

export interface StorageBenchReport {
  /** The best run of each (system, op), with its ratio to raw LMDB. */
  rows: BenchRow[];
  /** Every run's rows, in run order (each run has every system once, interleaved). */
  runs: BenchRow[][];
}

/** Runs every system (raw LMDB first, the limit) in its own fresh directory; returns rows with ratios. */
export async function runStorageBench(options: StorageBenchOptions): Promise<StorageBenchReport> {
  const parent = options.dir ?? (await mkdtemp(join(tmpdir(), 'basalt-bench-')));
  const rows: BenchRow[] = [];
  const perRun: BenchRow[][] = [];
  try {
    const systems = { ...STORAGE_SYSTEMS, ...options.extraSystems };
    const runs = options.runs ?? 2;
    if (!Number.isSafeInteger(runs) || runs < 1) throw invalidArgument('runs', 'must be a positive integer');
    for (let r = 0; r < runs; r++) {
      const thisRun: BenchRow[] = [];
      for (const [name, run] of Object.entries(systems)) {
        const dir = join(parent, `${name}-${r}`);
        thisRun.push(...(await run(resolveWorkloadOptions(options, dir))));
        await rm(dir, { recursive: true, force: true });
      }
      perRun.push(thisRun);
      rows.push(...thisRun);
    }
  } finally {
    if (!options.dir) await rm(parent, { recursive: true, force: true });
  }
  return { rows: addRatios(bestRuns(rows)), runs: perRun };
}

export function renderBenchTable(rows: BenchRow[]): string {
  const table = new Table({
    head: ['op', 'system', 'ops/s', 'p50 ms', 'p99 ms', 'vs lmdb', 'CPU µs/op', 'ops'],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right'],
  });
  const ops = [...new Set(rows.map((r) => r.op))];
  for (const op of ops) {
    for (const r of rows.filter((x) => x.op === op)) {
      const what = r.op === 'load' ? `load (${r.rowsPerOp ?? 1} rows/batch, durable)` : r.op === 'scan' ? `scan (${r.rowsPerOp ?? 1} rows)` : r.op;
      table.push([
        what,
        r.system,
        Math.round(r.opsPerSec).toLocaleString('en-US'),
        r.p50Ms.toFixed(3),
        r.p99Ms.toFixed(3),
        r.ratio !== undefined ? `${(r.ratio * 100).toFixed(0)} %` : '',
        r.cpuUsPerOp !== undefined ? r.cpuUsPerOp.toFixed(1) : '',
        r.count.toLocaleString('en-US'),
      ]);
    }
  }
  return table.toString();
}
