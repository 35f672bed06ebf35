/**
 * One randomized simulation run per seed: a chaotic phase (lossy, reordering, duplicating
 * network; partitions, asymmetric cuts; crashes losing unpersisted writes; proposals, reads,
 * conf changes, compaction, leadership transfers), then a calm phase that must converge.
 * runSeeds runs a fixed number of consecutive seeds (more in soak mode); RAFT_SEED=n replays one.
 */
import { isBasaltError } from '../../../../common/errors.js';
import { SeededRandom } from '../../../../common/random.js';
import { ConfChangeType, type NodeId } from '../../../../coord/raft/types.js';
import { MemoryRaftStorage } from '../../../../coord/storage/memory-raft-storage.js';
import { encodeState, NO_FAULTS, SimCluster } from './sim-cluster.js';

export interface ScenarioResult {
  committed: number;
  readsServed: number;
  leaderTerms: number;
  crashes: number;
  snapshotsInstalled: number;
  confChangesApplied: number;
  /** Messages a node stepped while its own persist was outstanding (the production interleaving). */
  steppedWhilePersisting: number;
  /** Messages sent, and committed entries applied, before the Ready carrying them was durable. */
  earlyMessages: number;
  earlyApplies: number;
}

export interface ScenarioOptions {
  size: 3 | 5;
  /** Mean length of the chaotic phase; each seed draws from [chaosTicks / 2, 3 · chaosTicks / 2). */
  chaosTicks: number;
}

const utf8 = new TextEncoder();

function pick<T>(c: SimCluster, items: T[]): T | undefined {
  return items.length === 0 ? undefined : items[c.random.int(items.length)];
}

export function runScenario(seed: number, options: ScenarioOptions): ScenarioResult {
  const founders = Array.from({ length: options.size }, (_, i) => i + 1);
  // The configuration varies with the seed too: safety must not depend on pre-vote,
  // check-quorum or the flow-control knobs (liveness after healing does not need them either).
  const knobs = new SeededRandom(seed ^ 0x5bd1e995);
  const c = new SimCluster({
    seed,
    voters: founders,
    preVote: knobs.next() < 0.8,
    checkQuorum: knobs.next() < 0.8,
    electionTicks: 8 + knobs.int(8),
    heartbeatTicks: 1 + knobs.int(3),
    maxInflightMessages: 1 + knobs.int(8),
    maxSizePerMessage: knobs.next() < 0.5 ? 1 : 4096,
  });
  const chaosTicks = Math.floor(options.chaosTicks / 2) + knobs.int(options.chaosTicks);
  try {
    return chaosThenCalm(c, seed, options.size, chaosTicks);
  } catch (err) {
    if (err instanceof Error) err.message += `\n--- last events ---\n${c.trace.join('\n')}`;
    throw err;
  }
}

function chaosThenCalm(c: SimCluster, seed: number, size: 3 | 5, chaosTicks: number): ScenarioResult {
  const r = c.random;
  c.faults = { dropRate: r.next() * 0.2, duplicateRate: r.next() * 0.1, maxDelayTicks: r.int(5) };
  c.crashInReadyRate = r.next() < 0.5 ? 0.002 : 0;
  // Persists complete asynchronously, 0–2 ticks after they are asked for, interleaved with
  // message deliveries: the member's loop, where a node keeps stepping messages (and its peers
  // answer its early Appends) while its own fsync is outstanding.
  c.asyncPersist = true;
  c.maxPersistDelayTicks = r.int(3);
  let nextId = size + 1;
  let proposals = 0;
  let reads = 0;
  // Membership wanders within these bounds (3 nodes: 2–4, 5 nodes: 3–5).
  const minVoters = size === 3 ? 2 : 3;
  const maxVoters = size === 3 ? 4 : 5;

  for (let t = 0; t < chaosTicks; t++) {
    const live = [...c.nodes.values()].filter((n) => n.up);
    const roll = r.next();
    if (roll < 0.3) {
      // To any node that believes it leads, stale leaders in a minority included: their
      // orphaned entries are what log repair and the commitment rule must cope with.
      const l = pick(c, c.leaders());
      if (l) c.proposeTo(l, `s${seed}-p${proposals++}`);
    } else if (roll < 0.36) {
      const n = pick(c, live);
      if (n) {
        const context = `s${seed}-r${reads++}`;
        c.checker.noteReadIssued(context);
        try {
          n.raft.readIndex(utf8.encode(context));
          c.processReady(n);
        } catch (err) {
          if (!isBasaltError(err, 'NOT_LEADER')) throw err;
        }
      }
    } else if (roll < 0.37) {
      // Network weather: heal, a random split, or a one-way cut.
      const kind = r.int(3);
      const ids = [...c.nodes.keys()];
      if (kind === 0) c.heal();
      else if (kind === 1) {
        const side = ids.filter(() => r.next() < 0.5);
        c.partition(side, ids.filter((id) => !side.includes(id)));
      } else {
        const a = pick(c, ids)!;
        const b = pick(c, ids)!;
        if (a !== b) c.cutLink(a, b);
      }
    } else if (roll < 0.375) {
      const n = pick(c, live);
      // A crash may catch a persist outstanding: any prefix of its writes survives.
      if (n && live.length > 1) c.crash(n.id, r.int(n.storage.unpersistedWrites + 1));
    } else if (roll < 0.38) {
      const l = c.leader();
      if (l) {
        const { voters, learners } = l.raft.status();
        const none = new Uint8Array(0);
        if (learners.length > 0 && voters.length < maxVoters && r.next() < 0.5) {
          c.proposeConfChange({ type: ConfChangeType.AddNode, nodeId: pick(c, learners)!, context: none });
        } else if (voters.length > minVoters && (voters.length >= maxVoters || r.next() < 0.5)) {
          c.proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: pick(c, [...voters, ...learners])!, context: none });
        } else if (voters.length < maxVoters) {
          const id = nextId++;
          c.addNode(id, new MemoryRaftStorage());
          const type = r.next() < 0.3 ? ConfChangeType.AddLearner : ConfChangeType.AddNode;
          c.proposeConfChange({ type, nodeId: id, context: none });
        }
      }
    } else if (roll < 0.385) {
      const l = c.leader();
      const to = l ? pick(c, l.raft.status().voters.filter((id) => id !== l.id)) : undefined;
      if (l && to !== undefined) l.raft.transferLeadership(to);
      if (l) c.processReady(l);
    } else if (roll < 0.41) {
      compactRandomNode(c);
    }
    // Crashed nodes come back after a while.
    for (const n of c.nodes.values()) if (!n.up && r.next() < 0.05) c.restart(n.id);
    c.tick();
  }

  // Calm phase: everything heals and restarts; the cluster must converge and make progress.
  c.heal();
  c.faults = NO_FAULTS;
  c.crashInReadyRate = 0;
  for (const n of c.nodes.values()) if (!n.up) c.restart(n.id);
  // A proposal accepted by a leader that is about to be deposed may be lost (Raft promises
  // nothing until commit), so the client retries, as a real one would.
  const final = `s${seed}-final`;
  let applied = false;
  for (let attempt = 0; attempt < 20 && !applied; attempt++) {
    c.waitForLeader(2000);
    if (!c.propose(final)) {
      c.tick();
      continue;
    }
    try {
      c.waitForApplied(final, 200);
      applied = true;
    } catch {
      // retry
    }
  }
  if (!applied) c.waitForApplied(final, 2000);
  // With nothing more proposed, every voter converges on exactly the leader's state. A removed
  // member that never learned of its removal may keep calling elections (a new leader appends
  // its empty entry, which followers apply a heartbeat later), so convergence is awaited, bounded.
  c.run(40);
  let diverged = '';
  for (let t = 0; t < 1000; t++) {
    const leader = c.waitForLeader(2000);
    const expected = leader.state.join('\n');
    diverged = '';
    for (const id of leader.raft.status().voters) {
      const n = c.node(id);
      if (n.applied !== leader.applied || n.state.join('\n') !== expected) {
        diverged = `node ${id} (applied ${n.applied}) did not converge on leader ${leader.id} (applied ${leader.applied})`;
        break;
      }
    }
    if (!diverged) break;
    c.tick();
  }
  if (diverged) throw new Error(diverged);
  return {
    committed: c.checker.maxCommitted,
    readsServed: c.checker.readsServed,
    leaderTerms: c.checker.terms,
    crashes: c.stats.crashes,
    snapshotsInstalled: c.stats.snapshotsInstalled,
    confChangesApplied: c.stats.confChangesApplied,
    steppedWhilePersisting: c.stats.steppedWhilePersisting,
    earlyMessages: c.stats.earlyMessages,
    earlyApplies: c.stats.earlyApplies,
  };
}

/** The application snapshots at its applied index and compacts the log behind it. */
function compactRandomNode(c: SimCluster): void {
  const live = [...c.nodes.values()].filter((n) => n.up);
  const n = pick(c, live);
  if (!n) return;
  const snapshotIndex = n.storage.snapshot().metadata.index;
  if (n.applied - snapshotIndex < 5) return;
  n.storage.createSnapshot(n.applied, n.confState, encodeState(n.state));
  const keep = c.random.int(4);
  const compactTo: NodeId = Math.max(n.applied - keep, n.storage.firstIndex());
  if (compactTo > n.storage.firstIndex() - 1) n.storage.compact(compactTo);
}

/**
 * Seeds to run: RAFT_SEED=n replays one; otherwise `seeds` consecutive seeds (RAFT_SIM_SEEDS
 * overrides the count: the soak mode) from a printed base (RAFT_SEED_BASE fixes it). A failing
 * seed stops the run with the seed and the command that replays it. Prints seeds per second.
 */
export function runSeeds(label: string, options: ScenarioOptions, seeds: number): { runs: number; base: number; totals: ScenarioResult } {
  const totals: ScenarioResult = {
    committed: 0,
    readsServed: 0,
    leaderTerms: 0,
    crashes: 0,
    snapshotsInstalled: 0,
    confChangesApplied: 0,
    steppedWhilePersisting: 0,
    earlyMessages: 0,
    earlyApplies: 0,
  };
  const add = (r: ScenarioResult): void => {
    for (const k of Object.keys(totals) as (keyof ScenarioResult)[]) totals[k] += r[k];
  };
  const replay = process.env.RAFT_SEED;
  if (replay !== undefined) {
    const seed = Number(replay);
    add(runOne(label, seed, options));
    console.log(`[${label}] seed ${seed}: ${JSON.stringify(totals)}`);
    return { runs: 1, base: seed, totals };
  }
  const count = simSeedCount(seeds);
  const base = process.env.RAFT_SEED_BASE !== undefined ? Number(process.env.RAFT_SEED_BASE) : (Date.now() % 2_000_000) * 1000;
  console.log(`[${label}] ${count} seeds from base ${base} (replay one with RAFT_SEED=<seed>)`);
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  let runs = 0;
  while (runs < count) {
    add(runOne(label, base + runs, options));
    runs++;
    if (runs % 10_000 === 0) console.log(`[${label}] ${runs} seeds passed so far`);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  // CPU time as well as wall time: on a shared, loaded box the wall-clock rate says little.
  console.log(
    `[${label}] ${runs} seeds passed in ${seconds.toFixed(1)} s, ${cpuSeconds.toFixed(1)} s of CPU (${(runs / seconds).toFixed(0)} seeds/s, ${(runs / cpuSeconds).toFixed(0)} per CPU second); totals ${JSON.stringify(totals)}`,
  );
  return { runs, base, totals };
}

/** The seed count for this run: RAFT_SIM_SEEDS (soak) or the CI default; 1 when replaying. */
export function simSeedCount(ciDefault: number): number {
  if (process.env.RAFT_SEED !== undefined) return 1;
  const soak = process.env.RAFT_SIM_SEEDS;
  return soak !== undefined ? Math.max(1, Number(soak)) : ciDefault;
}

function runOne(label: string, seed: number, options: ScenarioOptions): ScenarioResult {
  try {
    return runScenario(seed, options);
  } catch (err) {
    const reason = err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err);
    // The chaos length is part of the seed's scenario: a soak that changed it replays with it.
    const ticks = process.env.RAFT_SIM_TICKS !== undefined ? `RAFT_SIM_TICKS=${process.env.RAFT_SIM_TICKS} ` : '';
    const replay = `${ticks}RAFT_SEED=${seed} npx vitest run test/coord/raft/simulation-${options.size}.test.ts`;
    console.error(`[${label}] seed ${seed} FAILED; replay with: ${replay}`);
    throw new Error(`[${label}] seed ${seed} failed (replay: ${replay}): ${reason}`);
  }
}
