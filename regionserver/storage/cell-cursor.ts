/**
 * Cursors over sorted cell sources (memstore trees, store files) and their merge. Keys are the
 * codec's bytes as latin1 strings, so every source compares the same way.
 *
 * Cursors are synchronous and short-lived: a reader opens them, walks them without awaiting, and
 * closes them. Across an await the trees may change (inserts) and LMDB read transactions may be
 * renewed, so a long scan re-opens its cursors at its resume key for each batch instead.
 */
import type { Cell } from '../../common/cell.js';
import { decodeKey, decodeKeyAfterFamily, cellFromKey } from '../../common/keycodec.js';
import type { CellTree } from './memstore.js';

export interface CellCursor {
  /** The current key (latin1), undefined once exhausted. */
  readonly key: string | undefined;
  /** The current cell. */
  cell(): Cell;
  /**
   * The current cell when the caller already knows its row and family (the key starts with the
   * family prefix of that length): decodes only qualifier, timestamp, type and sequence id.
   */
  cellInFamily(row: Buffer, family: string, familyPrefixLength: number): Cell;
  next(): void;
  close(): void;
}

/** A cursor over one memstore tree, from `start` (inclusive) to `end` (exclusive, optional). */
export class TreeCursor implements CellCursor {
  key: string | undefined;
  private current: Cell | undefined;
  private readonly iterator: IterableIterator<[string, Cell]>;

  constructor(
    tree: CellTree,
    start: string,
    private readonly end: string | undefined,
  ) {
    this.iterator = tree.entries(start);
    this.next();
  }

  cell(): Cell {
    return this.current!;
  }

  cellInFamily(): Cell {
    return this.current!;
  }

  next(): void {
    const step = this.iterator.next();
    if (step.done || (this.end !== undefined && step.value[0] >= this.end)) {
      this.key = undefined;
      this.current = undefined;
      return;
    }
    this.key = step.value[0];
    this.current = step.value[1];
  }

  close(): void {}
}

/** An entry of a store file as its cursor yields it: full key bytes and value. */
export interface RawEntry {
  key: Buffer;
  value: Buffer;
}

/** A cursor over raw entries (a store file's range iterator). */
export class EntryCursor implements CellCursor {
  key: string | undefined;
  private entry: RawEntry | undefined;

  constructor(private readonly iterator: Iterator<RawEntry>) {
    this.next();
  }

  cell(): Cell {
    const e = this.entry!;
    return cellFromKey(decodeKey(e.key), e.value);
  }

  cellInFamily(row: Buffer, family: string, familyPrefixLength: number): Cell {
    const e = this.entry!;
    return cellFromKey(decodeKeyAfterFamily(e.key, familyPrefixLength, row, family), e.value);
  }

  next(): void {
    const step = this.iterator.next();
    if (step.done) {
      this.key = undefined;
      this.entry = undefined;
      return;
    }
    this.entry = step.value;
    this.key = step.value.key.toString('latin1');
  }

  close(): void {
    this.iterator.return?.();
    this.key = undefined;
  }
}

/**
 * Merges cursors into one ordered stream, hiding cells above the read point. Sources are few
 * (a memstore or two plus at most maxStoreFiles files), so a linear pick of the smallest key
 * beats a heap here. Equal keys from two sources (which a correct store never has) yield once.
 */
export class MergedCursor implements CellCursor {
  key: string | undefined;
  private currentIndex = -1;

  constructor(
    private readonly cursors: CellCursor[],
    private readonly readPoint: number,
  ) {
    this.settle();
  }

  cell(): Cell {
    return this.cursors[this.currentIndex]!.cell();
  }

  cellInFamily(row: Buffer, family: string, familyPrefixLength: number): Cell {
    return this.cursors[this.currentIndex]!.cellInFamily(row, family, familyPrefixLength);
  }

  next(): void {
    const key = this.key;
    if (key === undefined) return;
    for (const c of this.cursors) if (c.key === key) c.next();
    this.settle();
  }

  private settle(): void {
    for (;;) {
      let best = -1;
      let bestKey: string | undefined;
      for (let i = 0; i < this.cursors.length; i++) {
        const k = this.cursors[i]!.key;
        if (k !== undefined && (bestKey === undefined || k < bestKey)) {
          best = i;
          bestKey = k;
        }
      }
      this.currentIndex = best;
      this.key = bestKey;
      if (best < 0) return;
      // Sequence id is the key's last 8 bytes; decode the cell only when it might be too new.
      if (this.readPoint >= Number.MAX_SAFE_INTEGER || sequenceIdOfKey(bestKey!) <= this.readPoint) return;
      for (const c of this.cursors) if (c.key === bestKey) c.next();
    }
  }

  close(): void {
    for (const c of this.cursors) c.close();
    this.key = undefined;
  }
}

/** The sequence id stored (inverted) in the last 8 bytes of a latin1 key. */
export function sequenceIdOfKey(key: string): number {
  const n = key.length;
  let hi = 0;
  for (let i = n - 8; i < n - 4; i++) hi = hi * 256 + key.charCodeAt(i);
  let lo = 0;
  for (let i = n - 4; i < n; i++) lo = lo * 256 + key.charCodeAt(i);
  return Number.MAX_SAFE_INTEGER - (hi * 0x1_0000_0000 + lo);
}
