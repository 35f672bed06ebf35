/**
 * The MemStore of one Store: recent writes in a sorted in-memory tree keyed by the cell key codec
 * (as latin1 strings: JS string order = byte order, and string keys measured ~2× faster than
 * Buffer keys in sorted-btree, PLATFORM.md).
 *
 * Flush follows HBase's MemStore.java: `snapshot()` moves the active tree aside (reads keep seeing
 * it), the flusher writes it to a store file, and `clearSnapshot()` drops it only after the file
 * is safely part of the store. A failed flush leaves the snapshot in place for the next attempt.
 *
 * Trees are never mutated once they become a snapshot, and readers that captured a tree keep a
 * consistent view of it; the active tree only gains cells (or loses ones whose write failed), and
 * readers ignore cells above their read point, so capturing trees is a consistent snapshot.
 */
import BTreeModule from 'sorted-btree';
import { cellSize, type Cell } from '../../common/cell.js';
import { assert } from '../../common/errors.js';
import { encodeKeyString } from '../../common/keycodec.js';

// sorted-btree ships CommonJS with `exports.default`: under Node's ESM interop the class is on
// `.default`, while bundler-style interop (vitest) hands over the class itself.
type BTreeClass = typeof BTreeModule.default;
const BTree: BTreeClass =
  typeof (BTreeModule as unknown) === 'function' ? (BTreeModule as unknown as BTreeClass) : BTreeModule.default;
export type CellTree = InstanceType<typeof BTreeModule.default<string, Cell>>;

export function newCellTree(): CellTree {
  return new BTree<string, Cell>(undefined, compareStrings);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class MemStore {
  private active: CellTree = newCellTree();
  private snapshotTree: CellTree | undefined;
  private activeBytes = 0;
  private snapshotBytes = 0;
  private activeMaxSequenceId = 0;
  private snapshotMaxSequenceId = 0;

  /** Adds a cell; returns the bytes it added to the memstore. */
  add(cell: Cell): number {
    const key = encodeKeyString(cell);
    const size = cellSize(cell) + key.length;
    // The same key twice can only be one mutation naming a cell twice: the later one replaces it.
    const added = this.active.set(key, cell, true);
    const delta = added ? size : 0;
    this.activeBytes += delta;
    if (cell.sequenceId > this.activeMaxSequenceId) this.activeMaxSequenceId = cell.sequenceId;
    return delta;
  }

  /** Removes a cell whose write failed before it became visible. Returns the bytes freed. */
  remove(cell: Cell): number {
    const key = encodeKeyString(cell);
    if (!this.active.delete(key)) return 0;
    const size = cellSize(cell) + key.length;
    this.activeBytes -= size;
    return size;
  }

  /** Moves the active tree aside for a flush. At most one snapshot at a time. */
  snapshot(): { tree: CellTree; sizeBytes: number; maxSequenceId: number } {
    assert(this.snapshotTree === undefined, 'memstore snapshot already taken');
    this.snapshotTree = this.active;
    this.snapshotBytes = this.activeBytes;
    this.snapshotMaxSequenceId = this.activeMaxSequenceId;
    this.active = newCellTree();
    this.activeBytes = 0;
    this.activeMaxSequenceId = 0;
    return { tree: this.snapshotTree, sizeBytes: this.snapshotBytes, maxSequenceId: this.snapshotMaxSequenceId };
  }

  /** The pending snapshot, if a flush failed and must be retried. */
  pendingSnapshot(): { tree: CellTree; sizeBytes: number; maxSequenceId: number } | undefined {
    if (!this.snapshotTree) return undefined;
    return { tree: this.snapshotTree, sizeBytes: this.snapshotBytes, maxSequenceId: this.snapshotMaxSequenceId };
  }

  /** Called once the snapshot's cells are in a store file that the store serves. */
  clearSnapshot(): void {
    this.snapshotTree = undefined;
    this.snapshotBytes = 0;
    this.snapshotMaxSequenceId = 0;
  }

  /** The trees a reader merges: active first, then the snapshot being flushed. */
  trees(): CellTree[] {
    return this.snapshotTree ? [this.active, this.snapshotTree] : [this.active];
  }

  get sizeBytes(): number {
    return this.activeBytes + this.snapshotBytes;
  }

  get activeSizeBytes(): number {
    return this.activeBytes;
  }

  get cellCount(): number {
    return this.active.size + (this.snapshotTree?.size ?? 0);
  }
}
