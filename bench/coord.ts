/**
 * `basalt bench coord`: figures for the coordination service, printed (and as JSON with --json).
 * Without --servers it starts a 1-member and a 3-member ensemble of real child processes and
 * measures, for each: p50/p99 of sequential create, getData, setData and delete (after 1,500
 * warm-up writes, the kinds taking turns in blocks of 100, so that no kind pays alone for warming
 * the write path or for a burst of load); throughput
 * with 100 requests in flight on one session (1 KiB setData; getData); the time a watcher takes
 * to see a SIGKILLed client's ephemeral node vanish (4 s session); and, for 3 members, the time
 * from SIGKILL of the leader to the first accepted write (median of 5, the member restarted
 * between trials). With --servers it measures latency, throughput and expiry against that ensemble.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchCommand, positiveInt } from '../common/cli-flags.js';
import { isBasaltError } from '../common/errors.js';
import { CoordClient } from '../coord/client/index.js';
import { parseServers } from '../coord/client/protocol.js';
import { ProcessEnsemble, spawnUntil } from '../coord/server/process-ensemble.js';

export interface BenchResult {
  ensemble: number;
  op: string;
  p50Ms?: number;
  p99Ms?: number;
  opsPerSec?: number;
}

export interface BenchReport {
  results: BenchResult[];
  failoverMs: number[];
  expiryMs: number[];
}

interface BenchOptions {
  servers?: string;
  json?: boolean;
  ops: string;
  throughputOps: string;
  failoverTrials: string;
}

/** Operations of one kind timed in a row before the next kind takes its turn. */
const LATENCY_BLOCK = 100;
/** create/setData/delete rounds before timing: ~1,500 writes, past the ensemble's warm-up. */
const WRITE_WARM_UP_ROUNDS = 500;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

function summary(samples: number[]): { p50Ms: number; p99Ms: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50Ms: round(percentile(sorted, 50)), p99Ms: round(percentile(sorted, 99)) };
}

/** Appends the latency of each of `count` sequential calls of `op(from + k)` to `samples`. */
async function timeInto(samples: number[], from: number, count: number, op: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = from; i < from + count; i++) {
    const t = performance.now();
    await op(i);
    samples.push(performance.now() - t);
  }
}

async function throughput(total: number, inFlight: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) await op(next++);
    }),
  );
  return Math.round((total / (performance.now() - start)) * 1000);
}

/** Exercises every write kind the latency phase times, on one scratch node, then removes it. */
async function writeWarmUp(client: CoordClient, path: string, payload: Buffer, rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await client.create(path, payload);
    await client.setData(path, payload);
    await client.delete(path);
  }
}

async function latencyAndThroughput(servers: string, ensemble: number, ops: number, throughputOps: number, log: (s: string) => void): Promise<BenchResult[]> {
  const client = await CoordClient.connect({ servers, sessionTimeoutMs: 10_000 });
  const results: BenchResult[] = [];
  try {
    const root = `/bench-${process.pid}-${Date.now()}`;
    await client.create(root);
    const payload = Buffer.alloc(100, 'x');
    // Warm up the stream and the JIT — the write path too: on a fresh ensemble the first ~1,000
    // writes of any kind run 2–4× slower (they decay by count, not by time: V8 tiering up the
    // proposal/Raft/apply code in four processes), so without this whichever write kind is timed
    // first (create) pays for everyone.
    for (let i = 0; i < 50; i++) await client.getData(root);
    await writeWarmUp(client, `${root}/warm`, payload, WRITE_WARM_UP_ROUNDS);
    log(`  ${ensemble} member(s): sequential ops (${ops} each)…`);
    // The kinds take turns in blocks of 100 (create, getData, setData, delete of the same nodes),
    // so a burst of load from other processes on this shared machine hits every kind alike
    // instead of whichever happened to be running (it used to be create, timed first, alone).
    const samples = { create: [] as number[], getData: [] as number[], setData: [] as number[], delete: [] as number[] };
    for (let from = 0; from < ops; from += LATENCY_BLOCK) {
      const count = Math.min(LATENCY_BLOCK, ops - from);
      await timeInto(samples.create, from, count, (i) => client.create(`${root}/n${i}`, payload));
      await timeInto(samples.getData, from, count, (i) => client.getData(`${root}/n${i}`));
      await timeInto(samples.setData, from, count, (i) => client.setData(`${root}/n${i}`, payload));
      await timeInto(samples.delete, from, count, (i) => client.delete(`${root}/n${i}`));
    }
    for (const [op, s] of Object.entries(samples)) results.push({ ensemble, op, ...summary(s) });
    log(`  ${ensemble} member(s): throughput with 100 in flight (${throughputOps} ops)…`);
    const kib = Buffer.alloc(1024, 'y');
    for (let k = 0; k < 100; k++) await client.create(`${root}/t${k}`, kib);
    results.push({ ensemble, op: 'setData 1KiB x100 in flight', opsPerSec: await throughput(throughputOps, 100, (i) => client.setData(`${root}/t${i % 100}`, kib)) });
    results.push({ ensemble, op: 'getData x100 in flight', opsPerSec: await throughput(throughputOps, 100, (i) => client.getData(`${root}/t${i % 100}`)) });
    await client.multi(Array.from({ length: 100 }, (_, k) => ({ op: 'delete' as const, path: `${root}/t${k}` })));
    await client.delete(root);
  } finally {
    await client.close();
  }
  return results;
}

/** Client processes with 4 s sessions each own an ephemeral node; all are SIGKILLed; a watcher times each vanishing. */
async function expiry(servers: string, trials: number, log: (s: string) => void): Promise<number[]> {
  log(`  session expiry: ${trials} SIGKILLed client(s), 4 s sessions…`);
  const clientModule = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'coord', 'client', 'index.js');
  const watcher = await CoordClient.connect({ servers, sessionTimeoutMs: 10_000 });
  const root = `/bench-expiry-${process.pid}-${Date.now()}`;
  try {
    await watcher.create(root);
    const children = await Promise.all(
      Array.from({ length: trials }, async (_, i) => {
        const script = `
          import { CoordClient } from ${JSON.stringify(clientModule)};
          const client = await CoordClient.connect({ servers: ${JSON.stringify(servers)}, sessionTimeoutMs: 4000 });
          await client.create(${JSON.stringify(`${root}/c${i}`)}, '', { ephemeral: true });
          console.log('client ready');
          setInterval(() => {}, 1 << 30);
        `;
        return (await spawnUntil(['--input-type=module', '-e', script], 'client ready')).child;
      }),
    );
    const vanished = children.map(
      (_, i) =>
        new Promise<number>((resolve, reject) => {
          watcher.exists(`${root}/c${i}`, { watch: () => resolve(performance.now()) }).then((stat) => {
            if (!stat) reject(new Error('ephemeral node missing before the kill'));
          }, reject);
        }),
    );
    await watcher.sync();
    const killedAt = performance.now();
    for (const child of children) child.kill('SIGKILL');
    const times = await Promise.all(vanished);
    await watcher.delete(root).catch(() => undefined);
    return times.map((t) => Math.round(t - killedAt));
  } finally {
    await watcher.close();
  }
}

/** SIGKILL the leader; time until a client's write is accepted; restart the member; repeat. */
async function failover(ensemble: ProcessEnsemble, trials: number, log: (s: string) => void): Promise<number[]> {
  const out: number[] = [];
  const client = await CoordClient.connect({ servers: ensemble.servers, sessionTimeoutMs: 10_000, requestTimeoutMs: 30_000 });
  try {
    const root = `/bench-failover-${Date.now()}`;
    await client.create(root);
    for (let t = 0; t < trials; t++) {
      const leader = await ensemble.waitForLeader();
      await client.setData(root, `trial ${t}`);
      const killedAt = performance.now();
      ensemble.signal(leader.id, 'SIGKILL');
      let acceptedAt = 0;
      while (acceptedAt === 0) {
        try {
          await client.setData(root, `after ${t}`);
          acceptedAt = performance.now();
        } catch (err) {
          if (!isBasaltError(err)) throw err;
          // CONNECTION_LOSS while the leader dies: try again at once (the client reconnects).
        }
      }
      out.push(Math.round(acceptedAt - killedAt));
      log(`  failover trial ${t + 1}/${trials}: ${out.at(-1)} ms`);
      await ensemble.waitForExit(leader.id);
      await ensemble.restart(leader.id);
      // Let the restarted member catch up before the next trial.
      const commit = (await ensemble.waitForLeader()).commitIndex;
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const s = (await ensemble.statuses()).find((x) => x.id === leader.id);
        if (s && s.appliedIndex >= commit) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  } finally {
    await client.close().catch(() => undefined);
  }
  return out;
}

export async function runCoordBench(options: { servers?: string; ops: number; throughputOps: number; failoverTrials: number; log: (s: string) => void }): Promise<BenchReport> {
  const report: BenchReport = { results: [], failoverMs: [], expiryMs: [] };
  if (options.servers) {
    const list = parseServers(options.servers, '--servers');
    report.results.push(...(await latencyAndThroughput(list.join(','), list.length, options.ops, options.throughputOps, options.log)));
    report.expiryMs.push(...(await expiry(list.join(','), 3, options.log)));
    return report;
  }
  for (const size of [1, 3]) {
    options.log(`starting a ${size}-member ensemble…`);
    const ensemble = await ProcessEnsemble.start({ size });
    try {
      await ensemble.waitForLeader();
      report.results.push(...(await latencyAndThroughput(ensemble.servers, size, options.ops, options.throughputOps, options.log)));
      report.expiryMs.push(...(await expiry(ensemble.servers, size === 1 ? 2 : 3, options.log)));
      if (size === 3) report.failoverMs.push(...(await failover(ensemble, options.failoverTrials, options.log)));
    } finally {
      await ensemble.close();
    }
  }
  return report;
}


export function register(program: Command): void {
  benchCommand(program)
    .command('coord')
    .description('coordination service: latency, throughput, session expiry and leader failover')
    .option('--servers <list>', 'measure an existing ensemble instead of starting 1- and 3-member ones')
    .option('--json', 'print one JSON object')
    .option('--ops <n>', 'sequential operations per kind', '1000')
    .option('--throughput-ops <n>', 'operations per throughput run', '10000')
    .option('--failover-trials <n>', 'leader kills (3 members)', '5')
    .action(async (flags: BenchOptions) => {
      const log = (s: string): void => {
        if (!flags.json) process.stdout.write(`${s}\n`);
        else process.stderr.write(`${s}\n`);
      };
      const report = await runCoordBench({
        servers: flags.servers,
        ops: positiveInt('--ops')(flags.ops),
        throughputOps: positiveInt('--throughput-ops')(flags.throughputOps),
        failoverTrials: positiveInt('--failover-trials')(flags.failoverTrials),
        log,
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
        return;
      }
      const { default: Table } = await import('cli-table3');
      const table = new Table({ head: ['members', 'operation', 'p50 ms', 'p99 ms', 'ops/s'], style: { head: [], border: [] } });
      for (const r of report.results) table.push([r.ensemble, r.op, r.p50Ms ?? '', r.p99Ms ?? '', r.opsPerSec ?? '']);
      process.stdout.write(`${table.toString()}\n`);
      if (report.expiryMs.length) process.stdout.write(`SIGKILLed client → watcher sees its ephemeral gone (4 s session): ${report.expiryMs.join(', ')} ms (median ${median(report.expiryMs)} ms)\n`);
      if (report.failoverMs.length) process.stdout.write(`SIGKILL of the leader → first write accepted: ${report.failoverMs.join(', ')} ms (median ${median(report.failoverMs)} ms)\n`);
      process.stdout.write('ZooKeeper 3.8 on this machine (PLATFORM.md): standalone create p50 0.49 ms, get 0.22 ms; 3 members create 1.34 ms, get 0.22 ms (local read), 5.1 k writes/s, 14 k reads/s; expiry 5.0 s; failover 0.80 s.\n');
    });
}
