/**
 * The storage benchmark's shared vocabulary: YCSB's record shape (a row of 10 columns × 100 bytes
 * under a hashed key), latency recording, and the result rows every system's workload returns so
 * that new systems (basalt-grpc, grpc-echo…) are one more function returning rows.
 */
import { CellType } from '../../common/cell.js';
import { SeededRandom } from '../../common/random.js';
import type { Mutation } from '../../regionserver/region/api.js';

export type BenchOp = 'load' | 'get' | 'scan';

/** One line of the results: a system doing one operation. */
export interface BenchRow {
  system: string;
  op: BenchOp | string;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Operations measured. */
  count: number;
  /** Rows per operation (load: rows per durable batch; scan: rows per scan). */
  rowsPerOp?: number;
  /** opsPerSec divided by the physical limit's (raw LMDB) for the same op, when known. */
  ratio?: number;
  records?: number;
  /** Process CPU (all threads: LMDB's writer, the fs pool) per operation, in microseconds. */
  cpuUsPerOp?: number;
  /** Best of this many runs (each system's runs interleaved with the others'). */
  runs?: number;
  note?: string;
}

export interface StorageWorkloadOptions {
  /** Rows loaded. */
  records: number;
  /** Random whole-row gets measured. */
  gets: number;
  /** 100-row scans measured. */
  scans: number;
  /** Rows per durable batch during load. */
  batchRows: number;
  /** Batches in flight during load (lets group commit work, as concurrent clients would). */
  concurrency: number;
  /** Rows per scan. */
  scanRows: number;
  /**
   * Rows each system loads into a scratch store (its own region, table or database) before the
   * measured phases, the same way as its load: every system starts its measurement with the load
   * path compiled, whether it runs in this process (warm from earlier runs) or in a new child.
   */
  warmupRecords: number;
  seed: number;
  /** A fresh directory the workload may fill. */
  dir: string;
}

/** A system's whole workload: load, then gets, then scans; returns one row per op. */
export type SystemWorkload = (options: StorageWorkloadOptions) => Promise<BenchRow[]>;

export const YCSB_FIELD_COUNT = 10;
export const YCSB_FIELD_BYTES = 100;
export const YCSB_FAMILY = 'cf';
export const FIELD_NAMES: Buffer[] = Array.from({ length: YCSB_FIELD_COUNT }, (_, i) => Buffer.from(`field${i}`));

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK64 = (1n << 64n) - 1n;

/** YCSB's key for record i: "user" + FNV-1a-64 hash of i, so inserts land in random key order. */
export function ycsbKey(i: number): Buffer {
  let h = FNV_OFFSET;
  let n = BigInt(i);
  for (let b = 0; b < 8; b++) {
    h ^= n & 0xffn;
    h = (h * FNV_PRIME) & MASK64;
    n >>= 8n;
  }
  return Buffer.from(`user${h.toString()}`);
}

/** The 10 field values of a record: seeded pseudo-random printable bytes. */
export function ycsbValues(random: SeededRandom): Buffer[] {
  const out: Buffer[] = [];
  for (let f = 0; f < YCSB_FIELD_COUNT; f++) {
    const v = Buffer.allocUnsafe(YCSB_FIELD_BYTES);
    for (let i = 0; i < YCSB_FIELD_BYTES; i++) v[i] = 33 + random.int(94);
    out.push(v);
  }
  return out;
}

/** The workload's data, generated before any timing starts. */
export interface YcsbData {
  keys: Buffer[];
  /** Record i uses values[i % values.length]. */
  values: Buffer[][];
}

export function ycsbData(records: number, seed: number): YcsbData {
  const random = new SeededRandom(seed);
  const keys = Array.from({ length: records }, (_, i) => ycsbKey(i));
  const values = Array.from({ length: Math.min(records, 1024) }, () => ycsbValues(random));
  return { keys, values };
}

/** The data every system loads, and the seeded picker of rows for its gets and scans. */
export function ycsbInputs(options: StorageWorkloadOptions): { data: YcsbData; random: SeededRandom } {
  return { data: ycsbData(options.records, options.seed), random: new SeededRandom(options.seed + 1) };
}

/** Records [from, to) as row mutations: one Put of every field per row. */
export function ycsbPutRows(data: YcsbData, from: number, to: number): Mutation[] {
  const mutations: Mutation[] = [];
  for (let i = from; i < to; i++) {
    const values = data.values[i % data.values.length]!;
    mutations.push({
      row: data.keys[i]!,
      cells: FIELD_NAMES.map((qualifier, f) => ({ family: YCSB_FAMILY, qualifier, type: CellType.Put, value: values[f]! })),
    });
  }
  return mutations;
}

/** Collects latencies and summarises them as a BenchRow. */
export class LatencyRecorder {
  private readonly samples: number[] = [];
  private startedAt = 0;
  private endedAt = 0;
  private cpuStart: NodeJS.CpuUsage | undefined;
  private cpu: NodeJS.CpuUsage | undefined;

  start(): void {
    this.startedAt = performance.now();
    this.cpuStart = process.cpuUsage();
  }

  record(ms: number): void {
    this.samples.push(ms);
  }

  stop(): void {
    this.endedAt = performance.now();
    this.cpu = process.cpuUsage(this.cpuStart);
  }

  /** `operations` defaults to the samples; load counts rows while sampling batches. */
  row(system: string, op: BenchOp, operations = this.samples.length, extra: Partial<BenchRow> = {}): BenchRow {
    const sorted = [...this.samples].sort((a, b) => a - b);
    const pick = (q: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0);
    const seconds = Math.max(1e-9, (this.endedAt - this.startedAt) / 1000);
    const cpuUsPerOp = this.cpu && operations > 0 ? (this.cpu.user + this.cpu.system) / operations : undefined;
    return { system, op, opsPerSec: operations / seconds, p50Ms: pick(0.5), p99Ms: pick(0.99), count: operations, cpuUsPerOp, ...extra };
  }
}

/** Runs `worker` on `concurrency` loops that take items 0..count-1 in order. */
export async function runConcurrently(count: number, concurrency: number, worker: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const loops = Array.from({ length: Math.max(1, concurrency) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      await worker(i);
    }
  });
  await Promise.all(loops);
}

/** The rows of batch b: record indexes [b*batchRows, min(records, (b+1)*batchRows)). */
export function batchRange(b: number, batchRows: number, records: number): [number, number] {
  return [b * batchRows, Math.min(records, (b + 1) * batchRows)];
}

/**
 * The load phase, the same for every system: the records in batches of `batchRows`, `concurrency`
 * batches in flight. `writeBatch` records each batch's latency itself, so that what it builds
 * before writing stays out of the sample. Returns the load row (operations = records).
 */
export async function runLoadPhase(
  system: string,
  options: StorageWorkloadOptions,
  writeBatch: (from: number, to: number, load: LatencyRecorder) => Promise<void>,
  extra: Partial<BenchRow> = {},
): Promise<BenchRow> {
  const batches = Math.ceil(options.records / options.batchRows);
  const load = new LatencyRecorder();
  load.start();
  await runConcurrently(batches, options.concurrency, async (b) => {
    const [from, to] = batchRange(b, options.batchRows, options.records);
    await writeBatch(from, to, load);
  });
  load.stop();
  return load.row(system, 'load', options.records, { rowsPerOp: options.batchRows, records: options.records, ...extra });
}

/**
 * The warm-up: records [0, warmupRecords) written by `writeBatch` in the load's batches and
 * concurrency, nothing measured. Each system writes them into a scratch store of its own.
 */
export async function runWarmup(options: StorageWorkloadOptions, writeBatch: (from: number, to: number) => Promise<void>): Promise<void> {
  const records = Math.min(options.warmupRecords, options.records);
  if (records <= 0) return;
  await runConcurrently(Math.ceil(records / options.batchRows), options.concurrency, async (b) => {
    const [from, to] = batchRange(b, options.batchRows, records);
    await writeBatch(from, to);
  });
}

/**
 * Keeps, for each (system, op), the run with the most ops/s. Runs of different systems are
 * interleaved, so a burst of load from other processes does not fall on one system only.
 */
export function bestRuns(rows: BenchRow[]): BenchRow[] {
  const best = new Map<string, BenchRow>();
  const runs = new Map<string, number>();
  for (const row of rows) {
    const key = `${row.system}\u0000${row.op}`;
    runs.set(key, (runs.get(key) ?? 0) + 1);
    const prev = best.get(key);
    if (!prev || row.opsPerSec > prev.opsPerSec) best.set(key, row);
  }
  return [...best.entries()].map(([key, row]) => ({ ...row, runs: runs.get(key)! }));
}

/** Sets `ratio` on each row relative to the same op of the limit system. */
export function addRatios(rows: BenchRow[], limitSystem = 'lmdb'): BenchRow[] {
  for (const row of rows) {
    const limit = rows.find((r) => r.system === limitSystem && r.op === row.op);
    if (limit && limit.opsPerSec > 0) row.ratio = row.opsPerSec / limit.opsPerSec;
  }
  return rows;
}
