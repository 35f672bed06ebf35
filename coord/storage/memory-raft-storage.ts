/**
 * Raft log storage in memory, for the simulation and unit tests. Every write is "durable" at
 * once; FaultyRaftStorage wraps it to model a crash that loses unpersisted writes.
 */
import { assert, invalidArgument } from '../../common/errors.js';
import { limitSize } from '../raft/raft-log.js';
import type { ConfState, Entry, HardState, NodeId, Snapshot } from '../raft/types.js';
import { EMPTY_SNAPSHOT, bootstrapHardState, bootstrapSnapshot, cloneConfState, type RaftLogStorage } from './raft-log-storage.js';

export class MemoryRaftStorage implements RaftLogStorage {
  private hardState: HardState = { term: 0, vote: 0, commit: 0 };
  private snap: Snapshot = EMPTY_SNAPSHOT;
  /** entries[0] is the snapshot point (a dummy carrying its index and term). */
  private entriesList: Entry[] = [{ term: 0, index: 0, type: 0, data: new Uint8Array(0) }];

  /** A founding member's storage (see bootstrapSnapshot). */
  static bootstrap(voters: NodeId[]): MemoryRaftStorage {
    const s = new MemoryRaftStorage();
    s.applySnapshot(bootstrapSnapshot(voters));
    s.setHardState(bootstrapHardState());
    return s;
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: { ...this.hardState }, confState: cloneConfState(this.snap.metadata.confState) };
  }

  private get offset(): number {
    return this.entriesList[0]!.index;
  }

  firstIndex(): number {
    return this.offset + 1;
  }

  lastIndex(): number {
    return this.offset + this.entriesList.length - 1;
  }

  term(index: number): number {
    assert(index >= this.offset, `term(${index}): compacted (first index ${this.firstIndex()})`);
    assert(index <= this.lastIndex(), `term(${index}): beyond last index ${this.lastIndex()}`);
    return this.entriesList[index - this.offset]!.term;
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    assert(lo > this.offset, `entries(${lo}): compacted (first index ${this.firstIndex()})`);
    assert(hi <= this.lastIndex() + 1, `entries(.., ${hi}): beyond last index ${this.lastIndex()}`);
    return limitSize(this.entriesList.slice(lo - this.offset, hi - this.offset), maxBytes);
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0]!.index;
    for (let i = 1; i < entries.length; i++) {
      assert(entries[i]!.index === first + i, 'appended entries are contiguous');
    }
    assert(first > this.offset, `append at ${first} overwrites the snapshot point ${this.offset}`);
    assert(first <= this.lastIndex() + 1, `append at ${first} leaves a gap after ${this.lastIndex()}`);
    this.entriesList.length = first - this.offset;
    for (const e of entries) this.entriesList.push(e);
  }

  setHardState(hardState: HardState): void {
    this.hardState = { ...hardState };
  }

  applySnapshot(snapshot: Snapshot): void {
    const { index, term } = snapshot.metadata;
    assert(index >= this.snap.metadata.index, `snapshot ${index} older than ${this.snap.metadata.index}`);
    this.snap = snapshot;
    this.entriesList = [{ term, index, type: 0, data: new Uint8Array(0) }];
  }

  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.snap.metadata.index) throw invalidArgument('index', `not after the current snapshot ${this.snap.metadata.index}`);
    if (index > this.lastIndex()) throw invalidArgument('index', `beyond the last index ${this.lastIndex()}`);
    this.snap = { metadata: { index, term: this.term(index), confState: cloneConfState(confState) }, data };
    return this.snap;
  }

  compact(index: number): void {
    if (index <= this.offset) return; // already compacted
    if (index > this.snap.metadata.index) {
      throw invalidArgument('index', `compaction to ${index} past the snapshot ${this.snap.metadata.index}`);
    }
    // As etcd: entries before `index` go, and entry `index` becomes the new snapshot point
    // (its term stays readable), so firstIndex becomes index + 1.
    this.entriesList = this.entriesList.slice(index - this.offset);
    const dummy = this.entriesList[0]!;
    this.entriesList[0] = { term: dummy.term, index: dummy.index, type: 0, data: new Uint8Array(0) };
  }

  async persist(): Promise<void> {}

  async close(): Promise<void> {}

  /** A deep-enough copy for the fault injector (entries are never mutated in place). */
  clone(): MemoryRaftStorage {
    const c = new MemoryRaftStorage();
    c.hardState = { ...this.hardState };
    c.snap = this.snap;
    c.entriesList = this.entriesList.slice();
    return c;
  }
}
