/**
 * Nonces of a region's recent non-idempotent writes (increment, append, checkAndMutate), as
 * HBase's ServerNonceManager: a retry that carries the nonce of a write already applied is not
 * applied again (STYLE.md §13: a retry after "outcome unknown" applies at most once).
 *
 * A nonce travels in the same WAL entry as its write, as one extra cell of a family no user can
 * name (NONCE_FAMILY starts with NUL), so the write and its nonce are durable together; replay
 * restores the nonces of the entries it replays, so a retry sent to the region's next owner is
 * recognised too. Entries at or below the flushed sequence id are not replayed, so the flush that
 * covers them carries the table instead: every manifest (manifest.ts) lists the nonces seen within
 * the window with the wall-clock time they were recorded, written atomically with the new max
 * flushed sequence id and fenced by epoch like the rest of the manifest, and an open restores them
 * before replaying the log. A retry after flush + close + reopen is recognised as long as it comes
 * within NONCE_TTL_MS of the original (HBase's ServerNonceManager keeps nonces for a grace period too,
 * hbase.server.hashNonce.gracePeriod).
 * The table is bounded by count and age. Time is wall-clock (`Clock.now`): the recorded times
 * outlive the process.
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

  /** The unexpired nonces, oldest first, with the time each was recorded (what a manifest keeps). */
  entries(): Array<[nonce: string, atMs: number]> {
    this.expire();
    return [...this.seen];
  }

  /** Restores nonces a manifest kept (oldest first); ones already past the window are dropped. */
  restore(entries: ReadonlyArray<readonly [string, number]>): void {
    const now = this.clock.now();
    for (const [nonce, atMs] of [...entries].sort((a, b) => a[1] - b[1])) {
      if (now - atMs > this.ttlMs || this.seen.has(nonce)) continue;
      this.seen.set(nonce, atMs);
    }
    while (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value!);
  }

  has(nonce: string): boolean {
    this.expire();
    return this.seen.has(nonce);
  }

  record(nonce: string): void {
    this.seen.delete(nonce);
    this.seen.set(nonce, this.clock.now());
    while (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value!);
  }

  private expire(): void {
    const now = this.clock.now();
    for (const [nonce, at] of this.seen) {
      if (now - at <= this.ttlMs) break;
      this.seen.delete(nonce);
    }
  }
}
