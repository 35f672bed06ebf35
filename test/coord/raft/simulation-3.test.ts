// Thousands of seeded chaos runs of a 3-node cluster, each node driven by the production Ready loop (coord/raft/driver.ts) with persists completing asynchronously, never break Raft's safety properties and always converge once healed.
import { defineSimulationTest } from './sim/simulation-test.js';

/** Seeds per CI run (with the 5-node file, 2,000 in all); RAFT_SIM_SEEDS=100000 soaks. */
defineSimulationTest(3, 1_200);
