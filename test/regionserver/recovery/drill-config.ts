/** Shared between the crash-recovery drill's child (crash-writer.ts) and the test that kills it. */
import { join } from 'node:path';
import { BENCH_REGION_ID } from '../../../bench/storage/basalt-workload.js';

export interface DrillChildConfig {
  mode: 'wal' | 'region';
  root: string;
  serverName: string;
  openEpoch: number;
  seed: number;
  /** Prefix of every row (or value) this child writes, unique per round. */
  tag: string;
  concurrency: number;
  batchRows: number;
  memstoreFlushSizeBytes: number;
  /** Region mode: an explicit flush after every this many batches (0 = never). */
  flushEveryBatches: number;
  segmentSizeBytes: number;
}

/** The drill's region is the benchmark's (bench/storage/basalt-workload.ts). */
export const DRILL_REGION_ID = BENCH_REGION_ID;

export function drillRegionDir(root: string): string {
  return join(root, 'data', 'default', 'usertable', DRILL_REGION_ID);
}
