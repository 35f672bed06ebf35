/**
 * The write side of Raft log storage, on top of the core's read-only RaftStorage view.
 * Writes are synchronous and immediately visible to reads; they are durable only once the
 * promise of persist() resolves. The adapter's loop is: write the Ready's snapshot, entries and
 * hard state → await persist() → send messages → apply → advance().
 *
 * The log always starts after a snapshot point (index, term), etcd's "dummy entry": its term
 * stays readable with term(firstIndex - 1) after compaction.
 */
import { invalidArgument } from '../../common/errors.js';
import type { ConfState, Entry, HardState, NodeId, RaftStorage, Snapshot } from '../raft/types.js';

export interface RaftLogStorage extends RaftStorage {
  /** Append entries, first discarding every stored entry at or after entries[0].index. */
  append(entries: Entry[]): void;
  setHardState(hardState: HardState): void;
  /** Replace the whole log by a snapshot received from the leader (Ready.snapshot). */
  applySnapshot(snapshot: Snapshot): void;
  /**
   * Record the application's state at `index` (≤ last index) as the snapshot to send to
   * lagging followers. Entries are kept until compact().
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot;
  /** Discard entries up to and including `index` (≤ the snapshot index, so a follower that
   * needs them gets the snapshot); term(index) stays readable. firstIndex becomes index + 1. */
  compact(index: number): void;
  /**
   * Optional: run several writes (a Ready's snapshot, entries and hard state) as one storage
   * transaction. Same semantics as making the calls one by one; cheaper on LMDB.
   */
  batch?(action: () => void): void;
  /** Resolves when every write made so far is durable. */
  persist(): Promise<void>;
  close(): Promise<void>;
}

/** The snapshot point a brand-new, empty member starts from: nothing, no configuration. */
export const EMPTY_SNAPSHOT: Snapshot = {
  metadata: { index: 0, term: 0, confState: { voters: [], learners: [] } },
  data: new Uint8Array(0),
};

/**
 * How a founding member starts: every founder holds the same snapshot at index 1, term 1 with
 * the initial voters and an empty state. Because index 1 is never a log entry, a member added
 * later always receives a snapshot first and so learns the full configuration from it.
 */
export function bootstrapSnapshot(voters: NodeId[]): Snapshot {
  if (voters.length === 0) throw invalidArgument('voters', 'a cluster needs at least one voter');
  for (const id of voters) {
    if (!Number.isInteger(id) || id <= 0) throw invalidArgument('voters', `node id ${id} is not a positive integer`);
  }
  if (new Set(voters).size !== voters.length) throw invalidArgument('voters', 'duplicate node id');
  return {
    metadata: { index: 1, term: 1, confState: { voters: [...voters].sort((a, b) => a - b), learners: [] } },
    data: new Uint8Array(0),
  };
}

export function bootstrapHardState(): HardState {
  return { term: 1, vote: 0, commit: 1 };
}

export function cloneConfState(cs: ConfState): ConfState {
  return { voters: [...cs.voters], learners: [...cs.learners] };
}
