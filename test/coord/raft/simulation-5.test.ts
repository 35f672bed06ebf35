// Thousands of seeded chaos runs of a 5-node cluster, each node driven by the production Ready loop (coord/raft/driver.ts) with persists completing asynchronously, never break Raft's safety properties and always converge once healed.
import { defineSimulationTest } from './sim/simulation-test.js';

/** Seeds per CI run (with the 3-node file, 2,000 in all; a 5-node seed costs about 1.5 times a 3-node one); RAFT_SIM_SEEDS=100000 soaks. */
defineSimulationTest(5, 800);
