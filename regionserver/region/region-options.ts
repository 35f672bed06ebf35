/**
 * What opening a region takes, and what a region asks of its server (housekeeper, lease). Kept
 * apart from region.ts so the flush and compaction modules can name them without a cycle.
 */
import type { Cell } from '../../common/cell.js';
import type { Clock } from '../../common/clock.js';
import type { RegionServerConfig } from '../../common/config.js';
import type { Wal } from '../wal/wal.js';
import type { DurableFiles } from '../storage/durable-files.js';
import type { Store } from '../storage/store.js';
import type { FamilyDescriptor, RegionInfo } from './api.js';
import type { Mvcc } from './mvcc.js';
import type { UpdatesGate } from './updates-gate.js';

export interface RegionOpenOptions {
  info: RegionInfo;
  families: FamilyDescriptor[];
  /** The region's directory under the data root (created if missing). */
  dir: string;
  wal: Wal;
  openEpoch: number;
  clock: Clock;
  config: RegionServerConfig;
  /**
   * Called once if the region aborts itself (a WAL sync failed: the outcome of the writes it
   * covered is unknown). The region server should then abort too, or at least have the region
   * reassigned, so that it is reopened from the log (HBase aborts the server).
   */
  onAbort?: (cause: unknown) => void;
  /**
   * The server's lease check (FENCED when it cannot prove its coordination session). Checked
   * before every step that writes under the shared root — flush, compaction, manifest, file
   * removal — in the background as in the foreground (STYLE.md §12). None: always allowed.
   */
  fence?: RegionFence;
  /** The server's housekeeper (server/housekeeper.ts): global memstore bound, compaction slots. */
  housekeeping?: RegionHousekeeping;
  /** Where store file and manifest writes are made durable (fault-injecting in power-loss tests). */
  files?: DurableFiles;
}

/** What a region asks of its server's housekeeper. */
export interface RegionHousekeeping {
  /** SERVER_BUSY while the server is above its global memstore limit. */
  checkMemstore(): void;
  /** Waits for one of the server's compaction slots; call the result when done. */
  compactionSlot(): Promise<() => void>;
  /** After a compaction wrote `bytes`: resolves when the server's compaction throughput budget allows more. */
  throttleCompaction?(bytes: number): Promise<void>;
  /** Told of every flush and compaction that completed (the server's /metrics counts them). */
  work?: BackgroundWorkRecorder;
}

/**
 * Why a region flushed: its memstore passed the flush size, the housekeeper's global-memstore,
 * WAL-size or idle pass, an explicit request (the Admin API), closing, or the flush after replay.
 */
export type RegionFlushReason = 'size' | 'global-memstore' | 'wal-size' | 'idle' | 'admin' | 'close' | 'open';

/** What is told of background work done (regionserver/server/background-work.ts keeps the totals). */
export interface BackgroundWorkRecorder {
  /** A flush wrote its files and swapped memory, taking `seconds`. */
  flushed(reason: RegionFlushReason, seconds: number): void;
  /** One store's compaction replaced its files, taking `seconds`. */
  compacted(kind: 'minor' | 'major', seconds: number): void;
}

/** What the region asks of the server's lease (regionserver/server/fencing.ts implements it). */
export interface RegionFence {
  /** Throws FENCED when the lease may have lapsed. */
  checkWritable(): void;
}

/** One incremented column: its new value, and the cell written. */
export interface IncrementResult {
  family: string;
  qualifier: Buffer;
  value: bigint;
  cell: Cell;
}

/** What every part of an open region works on: its identity, its stores, its clock and settings. */
export interface RegionBasics {
  info: RegionInfo;
  stores: ReadonlyMap<string, Store>;
  clock: Clock;
  config: RegionServerConfig;
}

/** The basics plus the write machinery shared by the write path and the flusher. */
export interface RegionWriteCore extends RegionBasics {
  wal: Wal;
  gate: UpdatesGate;
  mvcc: Mvcc;
}
