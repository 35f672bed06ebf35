/**
 * The storage benchmark through gRPC: `basalt-grpc` runs the same YCSB-shaped load/get/scan as the
 * in-process `basalt` system, but through a region server in a CHILD PROCESS (`basalt regionserver`
 * on loopback, its own core) and the low-level RegionServerClient: load = Multi calls of
 * `batchRows` rows with `concurrency` in flight, get = one row per call with 32 in flight, scan =
 * one scanner per scan returning its rows in one batch. `grpc-echo` runs the same client work
 * against a bare echo (also a child process) with the same stream shape and message sizes: the
 * transport's own limit. CPU per op counts the client process only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RegionServerClient } from '../../client/rpc/region-server-client.js';
import { BENCH_FAMILY, BENCH_REGION, BENCH_WARMUP_REGION } from './basalt-workload.js';
import {
  LatencyRecorder,
  YCSB_FIELD_COUNT,
  runConcurrently,
  runLoadPhase,
  runWarmup,
  ycsbInputs,
  ycsbPutRows,
  type BenchRow,
  type StorageWorkloadOptions,
  type SystemWorkload,
  type YcsbData,
} from './workload.js';

export const GRPC_GET_CONCURRENCY = 32;

async function spawnReady(args: string[], pattern: RegExp, timeoutMs = 60_000): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BASALT_LOG_LEVEL: 'warn' } });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = pattern.exec(out);
    if (m) return { child, address: m[1]! };
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`benchmark server did not start: ${out.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/** Writes records [from, to) as one Multi on `region`; throws the first failed action. */
async function multiRows(client: RegionServerClient, region: string, data: YcsbData, from: number, to: number): Promise<void> {
  const results = await client.multi(region, ycsbPutRows(data, from, to).map((mutation) => ({ mutation })));
  const failed = results.find((r) => r instanceof Error);
  if (failed) throw failed;
}

/** The client side of the workload, the same for the real server and the echo. */
async function clientWorkload(
  system: string,
  client: RegionServerClient,
  options: StorageWorkloadOptions,
  flush: () => Promise<void>,
  note: string,
  warmup: (client: RegionServerClient, data: YcsbData) => Promise<void>,
): Promise<BenchRow[]> {
  const region = BENCH_REGION.encodedName;
  const rows: BenchRow[] = [];
  const { data, random } = ycsbInputs(options);
  await warmup(client, data);

  rows.push(
    await runLoadPhase(
      system,
      options,
      async (from, to, load) => {
        const actions = ycsbPutRows(data, from, to).map((mutation) => ({ mutation }));
        const t0 = performance.now();
        const results = await client.multi(region, actions);
        load.record(performance.now() - t0);
        const failed = results.find((r) => r instanceof Error);
        if (failed) throw failed;
      },
      { note },
    ),
  );

  await flush();

  const keys = Array.from({ length: options.gets }, () => data.keys[random.int(options.records)]!);
  const get = new LatencyRecorder();
  get.start();
  await runConcurrently(options.gets, GRPC_GET_CONCURRENCY, async (g) => {
    const t0 = performance.now();
    const result = await client.get(region, { row: keys[g]! });
    get.record(performance.now() - t0);
    if (result?.cells.length !== YCSB_FIELD_COUNT) throw new Error(`${system} get found ${result?.cells.length ?? 0} cells`);
  });
  get.stop();
  rows.push(get.row(system, 'get', undefined, { records: options.records, note: `${note}; ${GRPC_GET_CONCURRENCY} gets in flight` }));

  const scan = new LatencyRecorder();
  scan.start();
  for (let s = 0; s < options.scans; s++) {
    const startRow = data.keys[random.int(options.records)]!;
    const t0 = performance.now();
    let seen = 0;
    for await (const row of client.scan(region, { startRow, limit: options.scanRows }, { maxRows: options.scanRows })) {
      void row;
      seen++;
    }
    scan.record(performance.now() - t0);
    if (seen === 0) throw new Error(`${system} scan returned nothing`);
  }
  scan.stop();
  rows.push(scan.row(system, 'scan', undefined, { rowsPerOp: options.scanRows, records: options.records, note }));
  return rows;
}

const BIN = fileURLToPath(new URL('../../bin/basalt.js', import.meta.url));
const ECHO = fileURLToPath(new URL('./grpc-echo.js', import.meta.url));

export const runBasaltGrpcWorkload: SystemWorkload = async (options) => {
  mkdirSync(options.dir, { recursive: true });
  const { child, address } = await spawnReady([BIN, 'regionserver', '--data-dir', options.dir, '--port', '0'], /regionserver ready address=(\S+)/);
  const client = new RegionServerClient({ address, requestTimeoutMs: 120_000 });
  try {
    await client.openRegion({ info: BENCH_REGION, families: [BENCH_FAMILY], openEpoch: 1 });
    const warmup = async (c: RegionServerClient, data: YcsbData): Promise<void> => {
      // A scratch region on the same server, closed again before the measured load.
      await c.openRegion({ info: BENCH_WARMUP_REGION, families: [BENCH_FAMILY], openEpoch: 1 });
      await runWarmup(options, (from, to) => multiRows(c, BENCH_WARMUP_REGION.encodedName, data, from, to));
      await c.closeRegion(BENCH_WARMUP_REGION.encodedName);
    };
    return await clientWorkload('basalt-grpc', client, options, async () => void (await client.flushRegion(BENCH_REGION.encodedName)), 'region server in a child process', warmup);
  } finally {
    client.close();
    await stopChild(child);
  }
};

export const runGrpcEchoWorkload: SystemWorkload = async (options) => {
  const { child, address } = await spawnReady([ECHO], /grpc-echo ready address=(\S+)/);
  const client = new RegionServerClient({ address, requestTimeoutMs: 120_000 });
  try {
    const warmup = (c: RegionServerClient, data: YcsbData): Promise<void> => runWarmup(options, (from, to) => multiRows(c, BENCH_WARMUP_REGION.encodedName, data, from, to));
    return await clientWorkload('grpc-echo', client, options, async () => undefined, 'bare echo in a child process', warmup);
  } finally {
    client.close();
    await stopChild(child);
  }
};

export const GRPC_STORAGE_SYSTEMS: Record<string, SystemWorkload> = {
  'basalt-grpc': runBasaltGrpcWorkload,
  'grpc-echo': runGrpcEchoWorkload,
};

/** The ratios the data plane aims at: batched load vs in-process, gets vs the bare echo. */
export function grpcRatios(rows: BenchRow[]): Record<string, number | undefined> {
  const rate = (system: string, op: string): number | undefined => rows.find((r) => r.system === system && r.op === op)?.opsPerSec;
  const ratio = (a?: number, b?: number): number | undefined => (a !== undefined && b ? a / b : undefined);
  return {
    loadGrpcVsInProcess: ratio(rate('basalt-grpc', 'load'), rate('basalt', 'load')),
    getGrpcVsEcho: ratio(rate('basalt-grpc', 'get'), rate('grpc-echo', 'get')),
    scanGrpcVsInProcess: ratio(rate('basalt-grpc', 'scan'), rate('basalt', 'scan')),
    scanGrpcVsEcho: ratio(rate('basalt-grpc', 'scan'), rate('grpc-echo', 'scan')),
  };
}

/** The median of `values` (undefined entries left out). */
function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface RatioSpread {
  /** Median over the runs of each run's own ratio (both systems measured in the same run). */
  median?: number;
  /** Each run's ratio, in run order. */
  runs: number[];
}

/**
 * The same ratios computed within each run, with their median: a run's two systems ran back to
 * back, so a ratio within one run is less disturbed by the machine's load than best-of figures
 * taken from different runs.
 */
export function grpcRatiosPerRun(runs: BenchRow[][]): Record<string, RatioSpread> {
  const out: Record<string, RatioSpread> = {};
  for (const run of runs) {
    for (const [name, value] of Object.entries(grpcRatios(run))) {
      const spread = (out[name] ??= { runs: [] });
      if (value !== undefined) spread.runs.push(value);
    }
  }
  for (const spread of Object.values(out)) {
    const m = median(spread.runs);
    if (m !== undefined) spread.median = m;
  }
  return out;
}
