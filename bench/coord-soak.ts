/**
 * `basalt bench coord-soak`: does a healthy 3-member ensemble keep its leader while the machine is
 * saturated? Starts three members as child processes, keeps every core busy with spinning child
 * processes (by default one per core), drives a steady stream of writes from one client, and polls
 * every member's status four times a second for the whole duration. A leader change or a term
 * that moves without one is a spurious election: with check-quorum and pre-vote on, a busy machine
 * must not cause any. Prints the leader changes, the terms seen, the writes done and their latency
 * (p50 / p99 / the longest), and the longest gap between status polls (how starved the poller was).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { isBasaltError } from '../common/errors.js';
import { CoordClient } from '../coord/client/index.js';
import { ProcessEnsemble } from '../coord/server/process-ensemble.js';

export interface SoakOptions {
  durationS: number;
  /** Spinning processes (default: one per core). */
  busy?: number;
}

export interface SoakReport {
  durationS: number;
  busyProcesses: number;
  /** Leader changes observed after the first leader (0 is the goal). */
  leaderChanges: number;
  /** Every (term, leader) seen, in order. */
  leaders: Array<{ term: number; leader: number; atS: number }>;
  firstTerm: number;
  lastTerm: number;
  writes: number;
  writeErrors: number;
  writeP50Ms: number;
  writeP99Ms: number;
  writeMaxMs: number;
  /** The longest interval between two status polls (the poller's own starvation). */
  maxPollGapMs: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function spinners(count: number): ChildProcess[] {
  return Array.from({ length: count }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

export async function runCoordSoak(options: SoakOptions, log: (line: string) => void = () => undefined): Promise<SoakReport> {
  const busy = options.busy ?? availableParallelism();
  const ensemble = await ProcessEnsemble.start({ size: 3 });
  const burners: ChildProcess[] = [];
  let client: CoordClient | undefined;
  try {
    const first = await ensemble.waitForLeader();
    client = await CoordClient.connect({ servers: ensemble.servers, sessionTimeoutMs: 10_000, requestTimeoutMs: 30_000 });
    const path = '/soak';
    await client.create(path).catch((err: unknown) => {
      if (!isBasaltError(err)) throw err;
    });
    burners.push(...spinners(busy));
    const startedAt = performance.now();
    const endAt = startedAt + options.durationS * 1_000;
    const leaders: SoakReport['leaders'] = [{ term: first.term, leader: first.id, atS: 0 }];
    let lastTerm = first.term;
    let maxPollGapMs = 0;
    const poller = (async () => {
      let lastPoll = performance.now();
      let nextLog = performance.now() + 60_000;
      while (performance.now() < endAt) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        const statuses = await ensemble.statuses();
        const now = performance.now();
        maxPollGapMs = Math.max(maxPollGapMs, now - lastPoll);
        lastPoll = now;
        for (const s of statuses) {
          lastTerm = Math.max(lastTerm, s.term);
          const known = leaders.at(-1)!;
          if (s.role === 'leader' && (s.term !== known.term || s.id !== known.leader)) {
            leaders.push({ term: s.term, leader: s.id, atS: Math.round((now - startedAt) / 100) / 10 });
            log(`  leader change: member ${s.id} leads term ${s.term} at ${leaders.at(-1)!.atS} s`);
          }
        }
        if (now >= nextLog) {
          nextLog += 60_000;
          log(`  ${Math.round((now - startedAt) / 1_000)} s: term ${lastTerm}, ${leaders.length - 1} leader changes`);
        }
      }
    })();
    const latencies: number[] = [];
    let writeErrors = 0;
    let i = 0;
    while (performance.now() < endAt) {
      const t0 = performance.now();
      try {
        await client.setData(path, `soak ${i++}`);
        latencies.push(performance.now() - t0);
      } catch (err) {
        if (!isBasaltError(err)) throw err;
        writeErrors++;
      }
    }
    await poller;
    latencies.sort((a, b) => a - b);
    const round = (ms: number): number => Math.round(ms * 100) / 100;
    return {
      durationS: options.durationS,
      busyProcesses: busy,
      leaderChanges: leaders.length - 1,
      leaders,
      firstTerm: first.term,
      lastTerm,
      writes: latencies.length,
      writeErrors,
      writeP50Ms: round(percentile(latencies, 50)),
      writeP99Ms: round(percentile(latencies, 99)),
      writeMaxMs: round(latencies.at(-1) ?? 0),
      maxPollGapMs: Math.round(maxPollGapMs),
    };
  } finally {
    for (const b of burners) b.kill('SIGKILL');
    await client?.close().catch(() => undefined);
    await ensemble.close();
  }
}

export function renderSoak(r: SoakReport): string {
  return [
    `basalt bench coord-soak: 3 members, ${r.durationS} s with ${r.busyProcesses} spinning processes`,
    `leader changes: ${r.leaderChanges} (terms ${r.firstTerm} → ${r.lastTerm})${r.leaderChanges === 0 && r.firstTerm === r.lastTerm ? ' — no spurious election' : ''}`,
    ...r.leaders.slice(1).map((l) => `  member ${l.leader} led term ${l.term} from ${l.atS} s`),
    `writes: ${r.writes} (${r.writeErrors} errors), p50 ${r.writeP50Ms} ms, p99 ${r.writeP99Ms} ms, longest ${r.writeMaxMs} ms`,
    `longest gap between status polls: ${r.maxPollGapMs} ms`,
  ].join('\n');
}
