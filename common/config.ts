/**
 * Configuration with documented defaults. A JSON file (`--config FILE` or BASALT_CONFIG) may
 * override any field; unknown fields and wrong types are INVALID_ARGUMENT naming the field, so a
 * typo never silently falls back to a default. Each section belongs to one component.
 */
import { readFileSync } from 'node:fs';
import { invalidArgument } from './errors.js';

export interface RegionServerConfig {
  /** A memstore larger than this is flushed to a new store file. HBase: hbase.hregion.memstore.flush.size. */
  memstoreFlushSizeBytes: number;
  /** Writes block with SERVER_BUSY when a region's memstore exceeds flush size × this. */
  memstoreBlockMultiplier: number;
  /** Minor compaction starts when a store holds at least this many files. */
  compactionMinFiles: number;
  /** A minor compaction merges at most this many files. */
  compactionMaxFiles: number;
  /**
   * A store at this many files holds back its size-triggered flush (writes get SERVER_BUSY once the
   * memstore reaches its blocking size) until compaction catches up. HBase: hbase.hstore.blockingStoreFiles.
   */
  maxStoreFiles: number;
  /** …but for at most this long; then the flush goes ahead anyway. HBase: hbase.hstore.blockingWaitTime. */
  storeFileBlockingWaitMs: number;
  /**
   * Bytes per second all compactions of a server may write together (0 = unlimited). With an upper
   * bound above it, this is the lower bound of HBase's pressure-aware range (housekeeper.ts).
   */
  compactionThroughputBytesPerSecond: number;
  /**
   * The upper bound of the pressure-aware range (HBase: hbase.hstore.compaction.throughput.higher.bound):
   * the limit rises from compactionThroughputBytesPerSecond towards it as the fullest store nears
   * maxStoreFiles, and is lifted at maxStoreFiles. 0 or not above the lower bound: a fixed rate.
   */
  compactionThroughputUpperBytesPerSecond: number;
  /** Period of the automatic major compaction in ms (0 = only on request). */
  majorCompactionPeriodMs: number;
  /** A region whose store files pass this size is split (0 = never). */
  regionSplitSizeBytes: number;
  /** Largest row key accepted. */
  maxRowKeyBytes: number;
  /** Largest single cell (key + value) accepted. */
  maxCellBytes: number;
  /** Largest request (all its cells) accepted. */
  maxRequestBytes: number;
  /** Most rows in one Multi request. */
  maxRowsPerRequest: number;
  /** Most open scanners per server. */
  maxOpenScanners: number;
  /** An idle scanner is closed after this many ms. */
  scannerLeaseMs: number;
  /** Default rows per scanner batch. */
  scannerBatchRows: number;
  /** Most bytes per scanner batch. */
  scannerBatchBytes: number;
  /** Most requests waiting on a server before it answers SERVER_BUSY. */
  maxQueuedRequests: number;
  /** WAL group commit: the most entries coalesced into one sync. */
  walMaxBatchEntries: number;
}

export interface CoordConfig {
  /** Length of one Raft tick in ms. */
  tickMs: number;
  /** Election timeout in ticks (randomised in [n, 2n)). */
  electionTicks: number;
  /** Leader heartbeat interval in ticks. */
  heartbeatTicks: number;
  /** Bounds for a negotiated session timeout. */
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** Largest znode payload (ZooKeeper's jute.maxbuffer). */
  maxDataBytes: number;
  /** Take a snapshot after this many applied entries since the last one. */
  snapshotEntries: number;
  /** …or after this many bytes of applied entries (the Raft log since a snapshot is held in memory). */
  snapshotBytes: number;
  /** Most requests in flight per session before SERVER_BUSY. */
  maxInflightPerSession: number;
}

export interface MasterConfig {
  /** Session timeout of the master's and region servers' coordination sessions. */
  sessionTimeoutMs: number;
  /** How often the balancer runs (0 = only on request). */
  balancerPeriodMs: number;
}

export interface BasaltConfig {
  regionserver: RegionServerConfig;
  coord: CoordConfig;
  master: MasterConfig;
}

export const DEFAULT_CONFIG: BasaltConfig = {
  regionserver: {
    memstoreFlushSizeBytes: 64 * 1024 * 1024,
    memstoreBlockMultiplier: 4,
    compactionMinFiles: 3,
    compactionMaxFiles: 10,
    maxStoreFiles: 16,
    storeFileBlockingWaitMs: 90_000,
    compactionThroughputBytesPerSecond: 0,
    compactionThroughputUpperBytesPerSecond: 0,
    majorCompactionPeriodMs: 0,
    regionSplitSizeBytes: 1024 * 1024 * 1024,
    maxRowKeyBytes: 32 * 1024,
    maxCellBytes: 16 * 1024 * 1024,
    maxRequestBytes: 16 * 1024 * 1024,
    maxRowsPerRequest: 10_000,
    maxOpenScanners: 10_000,
    scannerLeaseMs: 60_000,
    scannerBatchRows: 100,
    scannerBatchBytes: 2 * 1024 * 1024,
    maxQueuedRequests: 10_000,
    walMaxBatchEntries: 4096,
  },
  coord: {
    tickMs: 50,
    electionTicks: 10,
    heartbeatTicks: 2,
    minSessionTimeoutMs: 1_000,
    maxSessionTimeoutMs: 60_000,
    maxDataBytes: 1024 * 1024,
    snapshotEntries: 10_000,
    snapshotBytes: 64 * 1024 * 1024,
    maxInflightPerSession: 1_000,
  },
  master: {
    sessionTimeoutMs: 6_000,
    balancerPeriodMs: 300_000,
  },
};

export type PartialConfig = { [S in keyof BasaltConfig]?: Partial<BasaltConfig[S]> };

/** Merges overrides into the defaults, rejecting unknown sections, unknown fields and wrong types. */
export function resolveConfig(overrides: unknown = {}): BasaltConfig {
  const out = structuredClone(DEFAULT_CONFIG) as unknown as Record<string, Record<string, unknown>>;
  if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) {
    throw invalidArgument('config', 'must be an object');
  }
  for (const [section, values] of Object.entries(overrides as Record<string, unknown>)) {
    const target = out[section];
    if (!target) throw invalidArgument(`config.${section}`, 'unknown section');
    if (values === null || typeof values !== 'object' || Array.isArray(values)) {
      throw invalidArgument(`config.${section}`, 'must be an object');
    }
    for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
      if (!(key in target)) throw invalidArgument(`config.${section}.${key}`, 'unknown field');
      if (typeof value !== typeof target[key]) {
        throw invalidArgument(`config.${section}.${key}`, `must be a ${typeof target[key]}`);
      }
      if (typeof value === 'number' && (!Number.isFinite(value) || value < 0)) {
        throw invalidArgument(`config.${section}.${key}`, 'must be a finite number ≥ 0');
      }
      target[key] = value;
    }
  }
  return out as unknown as BasaltConfig;
}

/** Loads a JSON config file (or BASALT_CONFIG when no path is given) over the defaults. */
export function loadConfig(path: string | undefined = process.env.BASALT_CONFIG, extra: PartialConfig = {}): BasaltConfig {
  let fromFile: Record<string, unknown> = {};
  if (path) {
    try {
      fromFile = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw invalidArgument('config', `cannot read ${path}: ${(err as Error).message}`);
    }
  }
  const merged: Record<string, unknown> = { ...fromFile };
  for (const [section, values] of Object.entries(extra)) {
    merged[section] = { ...((fromFile[section] as object | undefined) ?? {}), ...values };
  }
  return resolveConfig(merged);
}
