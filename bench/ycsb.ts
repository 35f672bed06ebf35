/**
 * `basalt bench ycsb`: YCSB's core workloads through the public client (`connect()`), and in the
 * same run the physical limit for reads: the same read requests sent by the low-level region
 * server client straight to the owning server (no routing, no retries, no result objects).
 *
 * Workloads (YCSB's CoreWorkload defaults): A 50 % read / 50 % update; B 95/5; C read only;
 * D 95 % read (latest) / 5 % insert; E 95 % short scans (1–100 rows) / 5 % insert; F 50 % read /
 * 50 % read-modify-write. Records of 10 fields × 100 bytes, keys `user` + FNV hash, requests
 * scrambled-Zipfian (D: latest). Updates write one field.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareBytes } from '../common/bytes.js';
import { SeededRandom, type Random } from '../common/random.js';
import { connect } from '../client/connection.js';
import type { Connection, Put } from '../client/api.js';
import { RegionServerClient } from '../client/rpc/region-server-client.js';
import { LatestGenerator, recordKey, ScrambledZipfian } from './ycsb-generators.js';

export type Workload = 'a' | 'b' | 'c' | 'd' | 'e' | 'f';
type Op = 'read' | 'update' | 'insert' | 'scan' | 'readModifyWrite';

const MIX: Record<Workload, Array<[Op, number]>> = {
  a: [['read', 0.5], ['update', 0.5]],
  b: [['read', 0.95], ['update', 0.05]],
  c: [['read', 1]],
  d: [['read', 0.95], ['insert', 0.05]],
  e: [['scan', 0.95], ['insert', 0.05]],
  f: [['read', 0.5], ['readModifyWrite', 0.5]],
};

export const TABLE = 'usertable';
const FAMILY = 'family';
const FIELDS = 10;
const FIELD_BYTES = 100;

export interface YcsbOptions {
  workload: Workload;
  records: number;
  operations: number;
  threads: number;
  coord?: string;
  seed: number;
}

export interface OpFigures {
  op: string;
  count: number;
  opsPerSec: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  errors: number;
}

export interface YcsbReport {
  workload: Workload;
  records: number;
  operations: number;
  threads: number;
  loadRowsPerSec: number;
  runOpsPerSec: number;
  ops: OpFigures[];
  baseline: OpFigures;
  /** Reads through connect() per second ÷ direct reads per second (workload C: medians of 4 alternating rounds each; the target is ≥ 0.8). */
  readRatioVsDirect: number;
}

function fieldValue(random: Random): Buffer {
  const b = Buffer.alloc(FIELD_BYTES);
  for (let i = 0; i < FIELD_BYTES; i++) b[i] = 0x21 + random.int(94);
  return b;
}

function recordPut(key: string, random: Random): Put {
  return { row: key, cells: Array.from({ length: FIELDS }, (_, f) => ({ family: FAMILY, qualifier: `field${f}`, value: fieldValue(random) })) };
}

class Recorder {
  private readonly samples = new Map<string, number[]>();
  private readonly errors = new Map<string, number>();

  record(op: string, ms: number): void {
    let list = this.samples.get(op);
    if (!list) this.samples.set(op, (list = []));
    list.push(ms);
  }

  fail(op: string): void {
    this.errors.set(op, (this.errors.get(op) ?? 0) + 1);
  }

  figures(elapsedMs: number): OpFigures[] {
    return [...new Set([...this.samples.keys(), ...this.errors.keys()])].sort().map((op) => {
      const list = (this.samples.get(op) ?? []).sort((a, b) => a - b);
      const pct = (p: number) => (list.length ? list[Math.min(list.length - 1, Math.floor(list.length * p))]! : 0);
      return { op, count: list.length, opsPerSec: (list.length * 1000) / elapsedMs, p50Ms: pct(0.5), p95Ms: pct(0.95), p99Ms: pct(0.99), errors: this.errors.get(op) ?? 0 };
    });
  }
}

async function timed(recorder: Recorder, op: string, fn: () => Promise<unknown>): Promise<void> {
  const start = performance.now();
  try {
    await fn();
    recorder.record(op, performance.now() - start);
  } catch {
    recorder.fail(op);
  }
}

/** Starts `basalt start` with 3 region servers in a child process; resolves with its coord address. */
async function startStandalone(): Promise<{ coord: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'basalt-ycsb-'));
  const cli = fileURLToPath(new URL('../bin/basalt.js', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [cli.endsWith('.js') ? cli : cli, 'start', '--region-servers', '3', '--port', '0', '--data-dir', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BASALT_LOG_LEVEL: 'warn' },
  });
  const coord = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (c: Buffer) => {
      text += c.toString();
      const m = /ready .*coord=(\S+)/.exec(text);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`basalt start exited with ${code}`)));
  });
  return {
    coord,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function prepareTable(conn: Connection): Promise<void> {
  const admin = conn.admin();
  if (await admin.tableExists(TABLE)) {
    if (!(await admin.isTableDisabled(TABLE))) await admin.disableTable(TABLE);
    await admin.deleteTable(TABLE);
  }
  // HBase's advice for YCSB: pre-split on the key space ("user" + decimal hash).
  await admin.createTable({ name: TABLE, families: [FAMILY], splits: ['user1', 'user2', 'user3', 'user4', 'user5', 'user6', 'user7', 'user8', 'user9'] });
}

async function load(conn: Connection, records: number, threads: number, random: Random): Promise<number> {
  const table = conn.table(TABLE);
  const batch = 100;
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: threads }, async () => {
      while (next < records) {
        const from = next;
        next = Math.min(records, next + batch);
        const puts: Put[] = [];
        for (let i = from; i < next; i++) puts.push(recordPut(recordKey(i), random));
        await table.put(puts);
      }
    }),
  );
  return (records * 1000) / (performance.now() - start);
}

/** Runs `operations` requests of the workload's mix over `threads` concurrent loops. */
async function runWorkload(conn: Connection, o: YcsbOptions, random: Random): Promise<{ ops: OpFigures[]; opsPerSec: number }> {
  const table = conn.table(TABLE);
  const inserted = { value: o.records };
  const chooser = o.workload === 'd' ? new LatestGenerator(inserted, random) : new ScrambledZipfian(o.records, random);
  const recorder = new Recorder();
  const mix = MIX[o.workload];
  let issued = 0;
  const pick = (): Op => {
    let u = random.next();
    for (const [op, p] of mix) if ((u -= p) < 0) return op;
    return mix[mix.length - 1]![0];
  };
  const start = performance.now();
  await Promise.all(
    Array.from({ length: o.threads }, async () => {
      while (issued < o.operations) {
        issued++;
        const op = pick();
        const key = recordKey(Math.min(chooser.next(), inserted.value - 1));
        switch (op) {
          case 'read':
            await timed(recorder, op, () => table.get({ row: key }));
            break;
          case 'update':
            await timed(recorder, op, () => table.put({ row: key, cells: [{ family: FAMILY, qualifier: `field${random.int(FIELDS)}`, value: fieldValue(random) }] }));
            break;
          case 'insert': {
            const k = recordKey(inserted.value++);
            await timed(recorder, op, () => table.put(recordPut(k, random)));
            break;
          }
          case 'scan': {
            const length = 1 + random.int(100);
            await timed(recorder, op, async () => {
              let n = 0;
              for await (const _row of table.scan({ start: key, limit: length })) n++;
              return n;
            });
            break;
          }
          case 'readModifyWrite':
            await timed(recorder, op, async () => {
              await table.get({ row: key });
              await table.put({ row: key, cells: [{ family: FAMILY, qualifier: `field${random.int(FIELDS)}`, value: fieldValue(random) }] });
            });
            break;
        }
      }
    }),
  );
  const elapsed = performance.now() - start;
  return { ops: recorder.figures(elapsed), opsPerSec: (o.operations * 1000) / elapsed };
}

/** The same reads sent straight to the owning region server: the physical limit of the read path. */
async function directReads(conn: Connection, o: YcsbOptions, random: Random, count: number): Promise<OpFigures> {
  const regions = (await conn.admin().listRegions(TABLE)).sort((a, b) => compareBytes(a.startKey, b.startKey));
  const clients = new Map<string, RegionServerClient>();
  for (const r of regions) if (!clients.has(r.address)) clients.set(r.address, new RegionServerClient({ address: r.address }));
  const owner = (row: Buffer) => {
    let lo = 0;
    let hi = regions.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (compareBytes(regions[mid]!.startKey, row) <= 0) lo = mid;
      else hi = mid - 1;
    }
    return regions[lo]!;
  };
  const chooser = new ScrambledZipfian(o.records, random);
  const recorder = new Recorder();
  let issued = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: o.threads }, async () => {
      while (issued < count) {
        issued++;
        const row = Buffer.from(recordKey(chooser.next()));
        const region = owner(row);
        await timed(recorder, 'read-direct', () => clients.get(region.address)!.get(region.encodedName, { row }));
      }
    }),
  );
  const elapsed = performance.now() - start;
  for (const c of clients.values()) c.close();
  return recorder.figures(elapsed)[0] ?? { op: 'read-direct', count: 0, opsPerSec: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, errors: 0 };
}

export async function runYcsb(o: YcsbOptions): Promise<YcsbReport> {
  const cluster = o.coord ? undefined : await startStandalone();
  const conn = await connect({ coord: o.coord ?? cluster!.coord });
  try {
    const random = new SeededRandom(o.seed);
    await prepareTable(conn);
    const loadRowsPerSec = await load(conn, o.records, o.threads, random);
    // Warm both paths (JIT, connections, location cache) before timing.
    await runWorkload(conn, { ...o, workload: 'c', operations: Math.min(2_000, o.operations) }, new SeededRandom(o.seed + 1));
    await directReads(conn, o, new SeededRandom(o.seed + 2), Math.min(2_000, o.operations));
    const run = await runWorkload(conn, o, new SeededRandom(o.seed + 3));
    const reads = run.ops.find((x) => x.op === 'read');
    const readCount = reads?.count || o.operations;
    const baseline = await directReads(conn, o, new SeededRandom(o.seed + 3), readCount);
    let readOpsPerSec = o.workload === 'c' ? run.opsPerSec : (reads?.opsPerSec ?? 0);
    let baselineOpsPerSec = baseline.opsPerSec;
    if (o.workload === 'c') {
      // The ratio the target is about: alternate three more rounds of each path, so both see the
      // same machine (other load comes and goes), and compare the medians.
      const ours: number[] = [run.opsPerSec];
      const direct: number[] = [baseline.opsPerSec];
      for (let round = 0; round < 3; round++) {
        ours.push((await runWorkload(conn, o, new SeededRandom(o.seed + 10 + round))).opsPerSec);
        direct.push((await directReads(conn, o, new SeededRandom(o.seed + 10 + round), o.operations)).opsPerSec);
      }
      const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
      readOpsPerSec = median(ours);
      baselineOpsPerSec = median(direct);
    }
    return {
      workload: o.workload,
      records: o.records,
      operations: o.operations,
      threads: o.threads,
      loadRowsPerSec,
      runOpsPerSec: run.opsPerSec,
      ops: run.ops,
      baseline,
      readRatioVsDirect: baselineOpsPerSec > 0 ? readOpsPerSec / baselineOpsPerSec : 0,
    };
  } finally {
    await conn.close();
    await cluster?.stop();
  }
}

export function renderYcsb(r: YcsbReport): string {
  const row = (f: OpFigures) =>
    `  ${f.op.padEnd(16)} ${String(f.count).padStart(8)} ${f.opsPerSec.toFixed(0).padStart(9)} ${f.p50Ms.toFixed(2).padStart(8)} ${f.p95Ms.toFixed(2).padStart(8)} ${f.p99Ms.toFixed(2).padStart(8)} ${String(f.errors).padStart(6)}`;
  return [
    `basalt bench ycsb: workload ${r.workload.toUpperCase()}, ${r.records} records, ${r.operations} operations, ${r.threads} threads`,
    `  load: ${r.loadRowsPerSec.toFixed(0)} rows/s; run: ${r.runOpsPerSec.toFixed(0)} ops/s`,
    `  ${'operation'.padEnd(16)} ${'count'.padStart(8)} ${'ops/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(6)}`,
    ...r.ops.map(row),
    row(r.baseline),
    r.ops.some((f) => f.op === 'read')
      ? `  reads through connect() vs straight to the owning server: ${(r.readRatioVsDirect * 100).toFixed(0)} %${r.workload === 'c' ? ' (target ≥ 80 %)' : ' (mixed workload: reads share the run with writes; the target applies to C)'}`
      : '  (no reads in this workload: the direct-read row is the read path’s limit for reference)',
  ].join('\n');
}
