// Smoke: a 3-node cluster elects a leader and replicates a command.
import { describe, expect, it } from 'vitest';
import { SimCluster } from './sim/sim-cluster.js';

describe('smoke', () => {
  it('elects and replicates', () => {
    const c = new SimCluster({ seed: 1, voters: [1, 2, 3] });
    const l = c.waitForLeader();
    expect(c.propose('a')).toBe(true);
    c.waitForApplied('a');
    expect(c.node(1).state).toEqual(['a']);
    expect(l.raft.status().commit).toBeGreaterThan(2);
  });
});
