/**
 * The write-ahead log contract (STYLE.md §4, §5). One WAL per region server, shared by all of its
 * regions so that one sync covers writes from many RPCs (group commit). Entries are keyed by
 * (region, sequence id) so that replaying one region is a range read, with no log splitting.
 *
 * Durability is explicit: `append` only buffers and returns a log position; `sync(position)`
 * resolves once every entry up to that position is on disk. Nothing may be acknowledged to a
 * client before the sync that covers it.
 */
import type { Cell } from '../../common/cell.js';

export interface WalEntry {
  /** The region's encoded name (unique, stable across opens). */
  regionId: string;
  /** The region-assigned sequence id of this edit (monotonic per region). */
  sequenceId: number;
  /** The open epoch of the region when the edit was made (see DESIGN.md, fencing). */
  openEpoch: number;
  /** The cells of one atomic row mutation, already stamped with timestamp and sequence id. */
  cells: Cell[];
}

export interface Wal {
  /** Buffers an entry; returns the log position that `sync` takes. Not durable yet. */
  append(entry: WalEntry): number;
  /**
   * Buffers several entries all or nothing (added to the contract by the WAL's author): either every
   * entry is queued, or none is and the error (SERVER_BUSY, WAL_CLOSED, INVALID_ARGUMENT) is thrown.
   * Returns the position of the last one. Use it for a batch, so that a rejected batch can never
   * leave some of its entries in the log to be replayed after a crash.
   */
  appendBatch(entries: WalEntry[]): number;
  /** Resolves when every entry appended at or before `position` is durable. */
  sync(position: number): Promise<void>;
  /** The region's entries with sequence id > afterSequenceId, in sequence id order. */
  replay(regionId: string, afterSequenceId: number): AsyncIterable<WalEntry>;
  /** Entries of the region with sequence id ≤ sequenceId are flushed and may be removed. */
  markFlushed(regionId: string, sequenceId: number): Promise<void>;
  /** Stops taking appends; pending syncs complete or fail with WAL_CLOSED. */
  close(): Promise<void>;
}
