/**
 * The Raft log as the core sees it: a stable prefix in RaftStorage (persisted by the adapter)
 * followed by an unstable suffix the core holds until the adapter reports it persisted
 * (advance()). Mirrors etcd-io/raft's raftLog + unstable, written afresh.
 */
import { assert } from '../../common/errors.js';
import type { Entry, RaftStorage, Snapshot } from './types.js';

/** Bytes an entry costs against maxSizePerMessage / maxBytes (payload plus a fixed header). */
export function entrySizeBytes(entry: Entry): number {
  return entry.data.byteLength + 24;
}

/** Cut `entries` to at most maxBytes in total, but always keep the first one. */
export function limitSize(entries: Entry[], maxBytes: number): Entry[] {
  if (entries.length === 0) return entries;
  let size = entrySizeBytes(entries[0]!);
  let n = 1;
  for (; n < entries.length; n++) {
    size += entrySizeBytes(entries[n]!);
    if (size > maxBytes) break;
  }
  return n === entries.length ? entries : entries.slice(0, n);
}

export class RaftLog {
  readonly storage: RaftStorage;
  /** Highest index known to be committed on a quorum. */
  committed: number;
  /** Highest index handed to the application in a Ready (and acknowledged by advance()). */
  applied: number;
  /** A snapshot received from the leader, not yet persisted by the adapter. */
  unstableSnapshot: Snapshot | undefined;
  /** Entries not yet persisted; unstableEntries[i].index === unstableOffset + i. */
  unstableEntries: Entry[] = [];
  unstableOffset: number;

  constructor(storage: RaftStorage) {
    this.storage = storage;
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstableOffset = last + 1;
    // Everything up to the snapshot (firstIndex - 1) is committed and applied by definition.
    this.committed = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): number {
    if (this.unstableSnapshot) return this.unstableSnapshot.metadata.index + 1;
    return this.storage.firstIndex();
  }

  lastIndex(): number {
    if (this.unstableEntries.length > 0) return this.unstableOffset + this.unstableEntries.length - 1;
    if (this.unstableSnapshot) return this.unstableSnapshot.metadata.index;
    return this.storage.lastIndex();
  }

  lastTerm(): number {
    const t = this.term(this.lastIndex());
    assert(t !== undefined, 'the last entry always has a term');
    return t;
  }

  /** Term of the entry at index, or undefined if compacted or beyond the end. */
  term(index: number): number | undefined {
    // The entry just before firstIndex (the snapshot point) still has a known term.
    const dummy = this.firstIndex() - 1;
    if (index < dummy || index > this.lastIndex()) return undefined;
    if (this.unstableEntries.length > 0 && index >= this.unstableOffset) {
      return this.unstableEntries[index - this.unstableOffset]!.term;
    }
    if (this.unstableSnapshot && index === this.unstableSnapshot.metadata.index) {
      return this.unstableSnapshot.metadata.term;
    }
    if (this.unstableSnapshot) return undefined; // below the pending snapshot: gone
    return this.storage.term(index);
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Raft §5.4.1: a candidate's log is at least as up-to-date as ours. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Follower side of Append: if our entry at prevIndex has prevTerm, append `entries` (dropping
   * the ones we already have, truncating at the first conflict) and advance commit. Returns
   * the index of the last new entry, or undefined when the log does not match.
   */
  maybeAppend(prevIndex: number, prevTerm: number, committed: number, entries: Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      assert(conflict > this.committed, `entry ${conflict} conflicts with committed entry (committed ${this.committed})`);
      this.append(entries.slice(conflict - prevIndex - 1));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  /** Index of the first entry whose term differs from ours, or of the first new one; 0 if none. */
  private findConflict(entries: Entry[]): number {
    for (const e of entries) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The largest index ≤ index whose term is ≤ term (fast backtracking of a rejected Append:
   * every entry after it certainly conflicts). Returns [index, term].
   */
  findConflictByTerm(index: number, term: number): [number, number] {
    for (let i = index; ; i--) {
      const t = this.term(i);
      if (t === undefined) return [i, 0];
      if (t <= term) return [i, t];
    }
  }

  /** Append after truncating any suffix at or after entries[0].index. */
  append(entries: Entry[]): number {
    if (entries.length === 0) return this.lastIndex();
    const after = entries[0]!.index - 1;
    assert(after >= this.committed, `append after ${after} would overwrite committed ${this.committed}`);
    this.truncateAndAppendUnstable(entries);
    return this.lastIndex();
  }

  private truncateAndAppendUnstable(entries: Entry[]): void {
    const first = entries[0]!.index;
    const unstableEnd = this.unstableOffset + this.unstableEntries.length;
    if (first === unstableEnd) {
      this.unstableEntries.push(...entries);
    } else if (first <= this.unstableOffset) {
      // Replaces everything unstable (and, once persisted, the stable suffix from `first`).
      this.unstableOffset = first;
      this.unstableEntries = entries.slice();
    } else {
      // Keep unstable entries before `first`, replace the rest.
      this.unstableEntries = this.unstableEntries.slice(0, first - this.unstableOffset).concat(entries);
    }
  }

  /** Entries in [lo, hi), at most maxBytes (always at least one if lo < hi). */
  slice(lo: number, hi: number, maxBytes: number): Entry[] | undefined {
    if (lo >= hi) return [];
    if (lo < this.firstIndex()) return undefined; // compacted
    assert(hi <= this.lastIndex() + 1, `slice [${lo}, ${hi}) beyond last index ${this.lastIndex()}`);
    let out: Entry[] = [];
    if (lo < this.unstableOffset) {
      const stableHi = Math.min(hi, this.unstableOffset);
      out = this.storage.entries(lo, stableHi, maxBytes);
      if (out.length < stableHi - lo) return out; // size limit reached in the stable part
    }
    if (hi > this.unstableOffset) {
      const from = Math.max(lo, this.unstableOffset) - this.unstableOffset;
      const unstable = this.unstableEntries.slice(from, hi - this.unstableOffset);
      out = out.length > 0 ? out.concat(unstable) : unstable;
    }
    return limitSize(out, maxBytes);
  }

  /** Entries from index to the end, at most maxBytes; undefined if index was compacted. */
  entriesFrom(index: number, maxBytes: number): Entry[] | undefined {
    const last = this.lastIndex();
    if (index > last) return [];
    return this.slice(index, last + 1, maxBytes);
  }

  /** Committed entries not yet applied, for the next Ready. */
  nextCommittedEntries(maxBytes: number): Entry[] {
    const lo = Math.max(this.applied + 1, this.firstIndex());
    if (this.committed + 1 <= lo) return [];
    const entries = this.slice(lo, this.committed + 1, maxBytes);
    assert(entries !== undefined, 'unapplied committed entries are never compacted');
    return entries;
  }

  hasNextCommittedEntries(): boolean {
    return this.committed > Math.max(this.applied, this.firstIndex() - 1);
  }

  /** The snapshot to send a lagging follower: the pending one, or storage's latest. */
  snapshot(): Snapshot {
    return this.unstableSnapshot ?? this.storage.snapshot();
  }

  /** Leader: commit maxIndex if it holds an entry of the current term (Raft §5.4.2). */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.term(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  commitTo(index: number): void {
    if (index <= this.committed) return; // commit never decreases
    assert(index <= this.lastIndex(), `commit ${index} beyond last index ${this.lastIndex()}`);
    this.committed = index;
  }

  appliedTo(index: number): void {
    if (index === 0) return;
    assert(index <= this.committed && index >= this.applied, `applied ${index} outside [${this.applied}, ${this.committed}]`);
    this.applied = index;
  }

  /** The adapter persisted entries up to (index, term): drop them from the unstable suffix. */
  stableTo(index: number, term: number): void {
    const t = this.term(index);
    // Only if the entry is still the one that was persisted (it may have been replaced since).
    if (t === term && index >= this.unstableOffset) {
      this.unstableEntries = this.unstableEntries.slice(index + 1 - this.unstableOffset);
      this.unstableOffset = index + 1;
    }
  }

  stableSnapshotTo(index: number): void {
    if (this.unstableSnapshot && this.unstableSnapshot.metadata.index === index) {
      this.unstableSnapshot = undefined;
    }
  }

  /** Replace the whole log by a snapshot received from the leader. */
  restore(snapshot: Snapshot): void {
    this.committed = snapshot.metadata.index;
    this.unstableOffset = snapshot.metadata.index + 1;
    this.unstableEntries = [];
    this.unstableSnapshot = snapshot;
  }
}
