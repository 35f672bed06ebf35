/**
 * The region types both sides of the data plane name: a region's identity, a row result and a
 * region's load. Shared wire contract (regionserver/region/api.ts uses them for the in-process API).
 */
import type { Cell } from '../cell.js';

/** A region: one key range [startKey, endKey) of one table. Empty endKey = unbounded. */
export interface RegionInfo {
  /** `namespace:table`. */
  table: string;
  startKey: Buffer;
  endKey: Buffer;
  /** Creation time based id, distinguishes a region from its parent or daughters. */
  regionId: number;
  /** Stable encoded name: a hash of table, start key and region id. Used as the WAL key. */
  encodedName: string;
}

export interface RowResult {
  row: Buffer;
  /** In cell order. */
  cells: Cell[];
  /** True when this is a chunk of a row cut by `batch` and more of the row follows. */
  partial?: boolean;
}

/** One region's load as the master reports it for each server (HBase's RegionMetrics): the part of RegionLoad a client sees in the cluster status. */
export interface RegionLoadSummary {
  encodedName: string;
  /** namespace:table. */
  table: string;
  memstoreSizeBytes: number;
  storeFileCount: number;
  storeFileSizeBytes: number;
  readRequests: number;
  writeRequests: number;
}

export interface RegionLoad extends RegionLoadSummary {
  maxSequenceId: number;
  maxFlushedSequenceId: number;
  /** Store files read through references (a split daughter or merged region not yet compacted). */
  referenceFileCount?: number;
}
