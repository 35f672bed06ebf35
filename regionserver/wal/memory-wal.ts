/**
 * An in-memory WAL for tests and simulations. "Durable" means "in the MemoryWalStorage", which
 * outlives a MemoryWal instance: closing a MemoryWal and opening a new one on the same storage is
 * a reopen, and the same storage can be shared to simulate one server's log being read by another.
 * Group commit, bounds and close semantics are the real ones (GroupCommitWal).
 */
import { applyEpochRuleSync, compareEntryKeys } from './fencing.js';
import { GroupCommitWal, type GroupCommitOptions, type QueuedEntry } from './group-commit.js';
import { invalidArgument } from '../../common/errors.js';
import type { WalEntry } from './wal.js';

/** The "disk" of a MemoryWal: per region, entries in (sequence id ↑, epoch ↑) order. */
export class MemoryWalStorage {
  readonly regions = new Map<string, WalEntry[]>();
  readonly flushed = new Map<string, number>();

  /** Inserts keeping (sequence id, epoch) order; appends are almost always at the end. */
  insert(entry: WalEntry): void {
    let list = this.regions.get(entry.regionId);
    if (!list) {
      list = [];
      this.regions.set(entry.regionId, list);
    }
    let i = list.length;
    while (i > 0 && compareEntryKeys(list[i - 1]!, entry) > 0) i--;
    if (i > 0 && compareEntryKeys(list[i - 1]!, entry) === 0) list[i - 1] = entry;
    else list.splice(i, 0, entry);
  }

  /** Drops the region's entries with sequence id ≤ sequenceId. */
  reclaim(regionId: string, sequenceId: number): void {
    const list = this.regions.get(regionId);
    if (!list) return;
    let n = 0;
    while (n < list.length && list[n]!.sequenceId <= sequenceId) n++;
    if (n === list.length) this.regions.delete(regionId);
    else if (n > 0) list.splice(0, n);
  }

  entries(regionId: string, afterSequenceId: number): WalEntry[] {
    const list = this.regions.get(regionId) ?? [];
    return applyEpochRuleSync(list.filter((e) => e.sequenceId > afterSequenceId));
  }

  size(): number {
    let n = 0;
    for (const list of this.regions.values()) n += list.length;
    return n;
  }
}

export interface MemoryWalOptions extends GroupCommitOptions {
  /** Reuse to reopen or share a log; a fresh one by default. */
  storage?: MemoryWalStorage;
}

export class MemoryWal extends GroupCommitWal {
  readonly storage: MemoryWalStorage;

  constructor(options: MemoryWalOptions = {}) {
    super(options);
    this.storage = options.storage ?? new MemoryWalStorage();
  }

  protected async persist(group: QueuedEntry[]): Promise<void> {
    for (const q of group) this.storage.insert(q.entry);
  }

  async *replay(regionId: string, afterSequenceId: number): AsyncGenerator<WalEntry> {
    checkReplayArgs(regionId, afterSequenceId);
    for (const e of this.storage.entries(regionId, afterSequenceId)) yield e;
  }

  async markFlushed(regionId: string, sequenceId: number): Promise<void> {
    checkReplayArgs(regionId, sequenceId);
    const prev = this.storage.flushed.get(regionId) ?? 0;
    if (sequenceId <= prev) return;
    this.storage.flushed.set(regionId, sequenceId);
    // Reclaim off the caller's path, as the disk implementations do.
    setImmediate(() => this.storage.reclaim(regionId, sequenceId));
  }

  protected async closeStorage(): Promise<void> {}

  protected retainedEntries(): number {
    return this.storage.size();
  }
}

export function checkReplayArgs(regionId: string, sequenceId: number): void {
  if (typeof regionId !== 'string' || regionId.length === 0) throw invalidArgument('regionId', 'must be a non-empty string');
  if (!Number.isSafeInteger(sequenceId) || sequenceId < 0) {
    throw invalidArgument('sequenceId', 'must be a non-negative integer', { sequenceId });
  }
}
