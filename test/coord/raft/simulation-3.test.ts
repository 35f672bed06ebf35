// Thousands of seeded chaos runs of a 3-node cluster, each node driven by the production Ready loop (coord/raft/driver.ts) with persists completing asynchronously, never break Raft's safety properties and always converge once healed.
import { describe, expect, it } from 'vitest';
import { runSeeds, simSeedCount } from './sim/scenario.js';

/** Seeds per CI run (with the 5-node file, 2,000 in all); RAFT_SIM_SEEDS=100000 soaks. */
const CI_SEEDS = 1_200;
/** Mean ticks of chaos per seed: short runs, many seeds (the soak may raise it with RAFT_SIM_TICKS). */
const CHAOS_TICKS = Number(process.env.RAFT_SIM_TICKS ?? 100);

describe('raft simulation, 3 nodes, through the production driver', () => {
  it(
    'keeps election safety, log matching, committed entries, identical applies and linearizable reads under chaos',
    () => {
      const { runs, totals } = runSeeds('raft-sim-3', { size: 3, chaosTicks: CHAOS_TICKS }, CI_SEEDS);
      expect(runs).toBe(simSeedCount(CI_SEEDS));
      if (process.env.RAFT_SEED === undefined) {
        // The runs exercised the production interleavings, not only the textbook order.
        expect(totals.steppedWhilePersisting).toBeGreaterThan(0);
        expect(totals.earlyMessages).toBeGreaterThan(0);
        expect(totals.earlyApplies).toBeGreaterThan(0);
        expect(totals.crashes).toBeGreaterThan(0);
        expect(totals.snapshotsInstalled).toBeGreaterThan(0);
      }
    },
    // About 50–75 seeds per CPU second; a soak gets the time it needs.
    Math.max(120_000, simSeedCount(CI_SEEDS) * 200),
  );
});
