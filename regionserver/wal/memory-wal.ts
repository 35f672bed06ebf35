/**
 * The in-memory WAL for tests and simulations: the real log (SegmentWal: group commit, frames,
 * checksums, index, reclamation) on a simulated disk. "Durable" means "synced to the
 * MemoryWalStorage", which outlives a MemoryWal: a new MemoryWal on the same storage is a reopen.
 */
import { MemoryWalDisk } from './disk.js';
import type { GroupCommitOptions } from './group-commit.js';
import { SegmentWal } from './segment-wal.js';

/** The simulated disk of a MemoryWal (a MemoryWalDisk). */
export class MemoryWalStorage extends MemoryWalDisk {}

export interface MemoryWalOptions extends GroupCommitOptions {
  /** Reuse to reopen or share a log; a fresh one by default. */
  storage?: MemoryWalStorage;
  /** Log directory on the simulated disk (default `/basalt/wal/memory`). */
  dir?: string;
  /** Smaller than on disk by default, so reclamation happens in small tests too. */
  segmentSizeBytes?: number;
  /** See SegmentWalOptions.replayRoot. */
  replayRoot?: string;
}

export class MemoryWal extends SegmentWal {
  readonly storage: MemoryWalStorage;

  constructor(options: MemoryWalOptions = {}) {
    const storage = options.storage ?? new MemoryWalStorage();
    super({ segmentSizeBytes: 1024 * 1024, ...options, disk: storage, dir: options.dir ?? '/basalt/wal/memory' });
    this.storage = storage;
  }
}
