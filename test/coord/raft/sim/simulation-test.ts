/**
 * The seeded chaos test of an N-node cluster, each node driven by the production Ready loop
 * (coord/raft/driver.ts) with persists completing asynchronously: never breaks Raft's safety
 * properties and always converges once healed. simulation-3 and simulation-5 define one each.
 */
import { describe, expect, it } from 'vitest';
import { runSeeds, simSeedCount } from './scenario.js';

/** Mean ticks of chaos per seed: short runs, many seeds (the soak may raise it with RAFT_SIM_TICKS). */
const CHAOS_TICKS = Number(process.env.RAFT_SIM_TICKS ?? 100);

export function defineSimulationTest(size: 3 | 5, ciSeeds: number): void {
  describe(`raft simulation, ${size} nodes, through the production driver`, () => {
    it(
      'keeps election safety, log matching, committed entries, identical applies and linearizable reads under chaos',
      () => {
        const { runs, totals } = runSeeds(`raft-sim-${size}`, { size, chaosTicks: CHAOS_TICKS }, ciSeeds);
        expect(runs).toBe(simSeedCount(ciSeeds));
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
      Math.max(120_000, simSeedCount(ciSeeds) * 200),
    );
  });
}
