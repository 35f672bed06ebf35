// Thousands of seeded chaos runs of a 5-node cluster never break Raft's safety properties and always converge once healed.
import { describe, expect, it } from 'vitest';
import { runSeeds } from './sim/scenario.js';

const BUDGET_MS = Number(process.env.RAFT_SIM_BUDGET_MS ?? 12_000);

describe('raft simulation, 5 nodes', () => {
  it('keeps election safety, log matching, committed entries, identical applies and linearizable reads under chaos', () => {
    const { runs } = runSeeds('raft-sim-5', { size: 5, chaosTicks: 500 }, BUDGET_MS);
    expect(runs).toBeGreaterThan(0);
  });
});
