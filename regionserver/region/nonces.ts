/**
 * Nonces of a region's recent non-idempotent writes (increment, append, checkAndMutate), as
 * HBase's ServerNonceManager: a retry that carries the nonce of a write already applied is not
 * applied again (STYLE.md §13: a retry after "outcome unknown" applies at most once).
 *
 * A nonce travels in the same WAL entry as its write, as one extra cell of a family no user can
 * name (NONCE_FAMILY starts with NUL), so the write and its nonce are durable together; replay
 * restores the nonces of the entries it replays, so a retry sent to the region's next owner is
 * recognised too. Entries at or below the flushed sequence id are not replayed: a retry arriving
 * after the new owner flushed them (much later than any client retries) is applied again. The
 * table is bounded by count and age.
 */
import { CellType, type Cell } from '../../common/cell.js';
import type { Clock } from '../../common/clock.js';

/** The family of the nonce cell in a WAL entry (never a valid family name: it starts with NUL). */
export const NONCE_FAMILY = '\u0000nonce';

export const NONCE_TTL_MS = 10 * 60_000;
export const MAX_NONCES = 100_000;

export function nonceCell(row: Buffer, nonce: string, timestamp: number, sequenceId: number): Cell {
  return { row, family: NONCE_FAMILY, qualifier: Buffer.from(nonce, 'latin1'), timestamp, type: CellType.Put, value: Buffer.alloc(0), sequenceId };
}

export function isNonceCell(cell: Cell): boolean {
  return cell.family === NONCE_FAMILY;
}

export class RegionNonces {
  /** nonce → when it was recorded; in insertion (= age) order. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = NONCE_TTL_MS,
    private readonly maxEntries = MAX_NONCES,
  ) {}

  get size(): number {
    return this.seen.size;
  }

  has(nonce: string): boolean {
    this.expire();
    return this.seen.has(nonce);
  }

  record(nonce: string): void {
    this.seen.delete(nonce);
    this.seen.set(nonce, this.clock.monotonic());
    while (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value!);
  }

  private expire(): void {
    const now = this.clock.monotonic();
    for (const [nonce, at] of this.seen) {
      if (now - at <= this.ttlMs) break;
      this.seen.delete(nonce);
    }
  }
}
