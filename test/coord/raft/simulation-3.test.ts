// Thousands of seeded chaos runs of a 3-node cluster never break Raft's safety properties and always converge once healed.
import { describe, expect, it } from 'vitest';
import { runSeeds } from './sim/scenario.js';

const BUDGET_MS = Number(process.env.RAFT_SIM_BUDGET_MS ?? 12_000);

describe('raft simulation, 3 nodes', () => {
  it('keeps election safety, log matching, committed entries, identical applies and linearizable reads under chaos', () => {
    const { runs } = runSeeds('raft-sim-3', { size: 3, chaosTicks: 500 }, BUDGET_MS);
    expect(runs).toBeGreaterThan(0);
  });
});
