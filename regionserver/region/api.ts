/**
 * The region's in-process operations: what the data plane (gRPC) and in-process tests call.
 * Plain data in and out; Buffers for bytes. The client's friendlier API (strings, objects)
 * converts to these at the edge.
 */
import type { CellType } from '../../common/cell.js';
import type { Filter } from '../filter/filter.js';
import type { RegionInfo, RegionLoad, RowResult } from '../../common/rs-wire/types.js';

export type { RegionInfo, RegionLoad, RowResult };

export type KeepDeletedCells = 'FALSE' | 'TRUE' | 'TTL';
export type BloomType = 'NONE' | 'ROW' | 'ROWCOL';

export interface FamilyDescriptor {
  name: string;
  /** VERSIONS: how many versions a column keeps (default 1). */
  maxVersions: number;
  /** MIN_VERSIONS: versions kept even past TTL (default 0). */
  minVersions: number;
  /** TTL in seconds; 0 = forever. */
  ttlSeconds: number;
  keepDeletedCells: KeepDeletedCells;
  bloomFilter: BloomType;
  inMemory: boolean;
}

/** [min, max) in milliseconds, as HBase's TimeRange. */
export interface TimeRange {
  min: number;
  max: number;
}

/** A column selection: a whole family (no qualifier) or one column. */
export interface ColumnSelector {
  family: string;
  qualifier?: Buffer;
}

export interface GetRequest {
  row: Buffer;
  columns?: ColumnSelector[];
  timeRange?: TimeRange;
  /** Versions per column to return (default 1). */
  maxVersions?: number;
  filter?: Filter;
  /** Return delete markers and deleted cells too. */
  raw?: boolean;
  /** Most cells per family per row (HBase's setMaxResultsPerColumnFamily), after versions and filter. */
  maxResultsPerColumnFamily?: number;
  /** Cells per family per row to skip first (HBase's setRowOffsetPerColumnFamily). */
  rowOffsetPerColumnFamily?: number;
}

export interface ScanRequest {
  /** Inclusive by default. Empty/undefined = from the start of the region. */
  startRow?: Buffer;
  startInclusive?: boolean;
  /** Exclusive by default. Empty/undefined = to the end of the region. */
  stopRow?: Buffer;
  stopInclusive?: boolean;
  /** Only rows starting with this prefix (combined with start/stop). */
  prefix?: Buffer;
  /** Rows in descending order. As in HBase, the scan still runs from startRow (now the higher row) towards stopRow. */
  reversed?: boolean;
  /** Most rows to return in total. */
  limit?: number;
  /** Most cells per returned row chunk (HBase's setBatch): wide rows come back in pieces. */
  batch?: number;
  columns?: ColumnSelector[];
  timeRange?: TimeRange;
  maxVersions?: number;
  filter?: Filter;
  raw?: boolean;
  /** As GetRequest's. */
  maxResultsPerColumnFamily?: number;
  rowOffsetPerColumnFamily?: number;
}

/**
 * One cell of a mutation. Timestamp defaults to the server's clock (Put) or "latest" (deletes).
 * A DeleteFamily whose family is EVERY_FAMILY ('*', common/cell.ts) deletes the whole row: the
 * region turns it into one DeleteFamily marker per family of its descriptor.
 */
export interface MutationCell {
  family: string;
  /** Absent only for DeleteFamily / DeleteFamilyVersion. */
  qualifier?: Buffer;
  timestamp?: number;
  type: CellType;
  value?: Buffer;
  /** Put only: the cell's own TTL in ms (HBase's Put.setTTL); expires at timestamp + ttlMs. */
  ttlMs?: number;
}

/** An atomic change to one row: puts and deletes applied together or not at all. */
export interface Mutation {
  row: Buffer;
  cells: MutationCell[];
}

/** What increment and append share with HBase's: nonces, a timestamp, and returnResults. */
export interface ReadModifyWriteOptions {
  /**
   * `group:nonce`: a retry of the same call applies at most once (STYLE.md §13). The region keeps
   * the nonces of its recent writes, in memory and in the WAL (replay restores them).
   */
  nonce?: string;
  /** The new cells' timestamp (default: the server's clock, never below the current version's). */
  timestamp?: number;
  /** False: the caller does not want the new values (default true). */
  returnResults?: boolean;
  /** The new cells' own TTL in ms (HBase's Increment/Append.setTTL); absent: none. */
  ttlMs?: number;
}

export interface IncrementRequest extends ReadModifyWriteOptions {
  row: Buffer;
  /** A column named twice counts once, with the last amount (HBase's Increment). */
  columns: Array<{ family: string; qualifier: Buffer; amount: bigint }>;
}

export interface AppendRequest extends ReadModifyWriteOptions {
  row: Buffer;
  columns: Array<{ family: string; qualifier: Buffer; value: Buffer }>;
}

export type CompareOp = 'LESS' | 'LESS_OR_EQUAL' | 'EQUAL' | 'NOT_EQUAL' | 'GREATER_OR_EQUAL' | 'GREATER';

export interface CheckCondition {
  family: string;
  qualifier: Buffer;
  /** 'exists' / 'not_exists', or compare the column's latest value with `value`. */
  kind: 'exists' | 'not_exists' | 'compare';
  op?: CompareOp;
  value?: Buffer;
  timeRange?: TimeRange;
}

export interface CheckAndMutateRequest {
  row: Buffer;
  /** Either a column condition or a filter that the row must pass. */
  condition?: CheckCondition;
  filter?: Filter;
  /** Applied atomically when the condition holds. Same row as `row`. */
  mutation: Mutation;
  /** See ReadModifyWriteOptions.nonce: a retry applies the mutation at most once. */
  nonce?: string;
  /** With a filter: only versions in this range are seen by it (a condition has its own). */
  timeRange?: TimeRange;
}

export interface CheckAndMutateResult {
  succeeded: boolean;
}

