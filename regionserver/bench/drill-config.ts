/** Shared between the crash-recovery drill's child (crash-writer.ts) and the test that kills it. */
import { join } from 'node:path';

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

/** The drill's region is the benchmark's (basalt-workload.ts BENCH_REGION.encodedName). */
export const DRILL_REGION_ID = 'bench0usertable0region';

export function drillRegionDir(root: string): string {
  return join(root, 'data', 'default', 'usertable', DRILL_REGION_ID);
}
