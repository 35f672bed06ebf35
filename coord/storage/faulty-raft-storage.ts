/**
 * A fault-injecting RaftLogStorage for the simulation: writes are visible at once but only
 * become durable at persist(); crash() discards everything written since, exactly like a
 * process that died before its fsync returned. Restart from the storage crash() returns.
 */
import type { ConfState, Entry, HardState, Snapshot } from '../raft/types.js';
import { MemoryRaftStorage } from './memory-raft-storage.js';
import type { RaftLogStorage } from './raft-log-storage.js';

type Write = (s: MemoryRaftStorage) => void;

export class FaultyRaftStorage implements RaftLogStorage {
  private volatile: MemoryRaftStorage;
  private readonly durable: MemoryRaftStorage;
  private unpersisted: Write[] = [];
  private crashed = false;

  constructor(durable: MemoryRaftStorage) {
    this.durable = durable;
    this.volatile = durable.clone();
  }

  private write(w: Write): void {
    if (this.crashed) throw new Error('write to crashed storage');
    w(this.volatile);
    this.unpersisted.push(w);
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return this.volatile.initialState();
  }
  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    return this.volatile.entries(lo, hi, maxBytes);
  }
  term(index: number): number {
    return this.volatile.term(index);
  }
  firstIndex(): number {
    return this.volatile.firstIndex();
  }
  lastIndex(): number {
    return this.volatile.lastIndex();
  }
  snapshot(): Snapshot {
    return this.volatile.snapshot();
  }

  append(entries: Entry[]): void {
    const copy = entries.slice();
    this.write((s) => s.append(copy));
  }
  setHardState(hardState: HardState): void {
    const copy = { ...hardState };
    this.write((s) => s.setHardState(copy));
  }
  applySnapshot(snapshot: Snapshot): void {
    this.write((s) => s.applySnapshot(snapshot));
  }
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    const snapshot = this.volatile.createSnapshot(index, confState, data);
    this.unpersisted.push((s) => s.createSnapshot(index, confState, data));
    return snapshot;
  }
  compact(index: number): void {
    this.write((s) => s.compact(index));
  }

  /** Make every write so far durable (synchronously: the simulation has no real disk). */
  persistNow(): void {
    for (const w of this.unpersisted) w(this.durable);
    this.unpersisted = [];
  }

  async persist(): Promise<void> {
    this.persistNow();
  }

  async close(): Promise<void> {}

  get unpersistedWrites(): number {
    return this.unpersisted.length;
  }

  /**
   * Simulated crash: returns what survived on "disk", for the restarted node. By default every
   * unpersisted write is lost; `keepWrites` lets the first few survive, as when a storage
   * engine happened to write some of its separate transactions before the process died.
   */
  crash(keepWrites = 0): FaultyRaftStorage {
    for (const w of this.unpersisted.slice(0, keepWrites)) w(this.durable);
    this.crashed = true;
    this.unpersisted = [];
    return new FaultyRaftStorage(this.durable.clone());
  }
}
