/**
 * A WAL that can crash: the real log on a simulated disk, plus `crash()`, which stops the log at
 * once and keeps only what was synced (optionally a torn prefix of an unsynced group). Reopen with
 * a new FaultInjectingWal (or MemoryWal) on the same storage to see what survived.
 */
import { MemoryWalDisk, type CrashTear } from './disk.js';
import type { GroupCommitOptions } from './group-commit.js';
import { SegmentWal } from './segment-wal.js';

export interface FaultInjectingWalOptions extends GroupCommitOptions {
  storage?: MemoryWalDisk;
  dir?: string;
  segmentSizeBytes?: number;
  replayRoot?: string;
}

export class FaultInjectingWal extends SegmentWal {
  readonly storage: MemoryWalDisk;

  constructor(options: FaultInjectingWalOptions = {}) {
    const storage = options.storage ?? new MemoryWalDisk();
    super({ segmentSizeBytes: 1024 * 1024, ...options, disk: storage, dir: options.dir ?? '/basalt/wal/faulty' });
    this.storage = storage;
  }

  /**
   * Simulates the process (and its page cache) dying now: pending syncs fail with WAL_CLOSED,
   * unsynced bytes are lost except the prefix `tear` keeps, and this instance is unusable.
   */
  crash(tear?: CrashTear): void {
    this.halted = true;
    this.abandon();
    this.storage.crash(tear);
  }

  /** The next disk write or sync fails with `err` (the log then fails every pending and later sync). */
  failNextDiskOperation(err: Error): void {
    this.storage.failNext = err;
  }
}
