/**
 * Multi-version concurrency control for one region (HBase's MultiVersionConcurrencyControl).
 * Each write takes the next sequence id; the read point is the highest id below which every write
 * has completed (synced to the WAL and in the memstore). Readers ignore cells above their read
 * point, so a reader never sees half of a row mutation nor a write that is not yet durable.
 */
import { assert } from '../../common/errors.js';

export class Mvcc {
  private nextId: number;
  private point: number;
  /** Completed ids above the read point, waiting for a lower one. */
  private readonly completedAbove = new Set<number>();
  private waiters: Array<{ id: number; resolve: () => void }> = [];

  constructor(lastSequenceId: number) {
    this.nextId = lastSequenceId + 1;
    this.point = lastSequenceId;
  }

  /** Assigns the next sequence id. */
  begin(): number {
    return this.nextId++;
  }

  /** The last assigned sequence id. */
  get lastAssigned(): number {
    return this.nextId - 1;
  }

  get readPoint(): number {
    return this.point;
  }

  /** Marks a write finished (applied or rolled back); advances the read point past it if it can. */
  complete(id: number): void {
    assert(id > this.point && id < this.nextId, `mvcc complete of unknown id ${id}`);
    this.completedAbove.add(id);
    while (this.completedAbove.delete(this.point + 1)) this.point++;
    if (this.waiters.length > 0) {
      const ready = this.waiters.filter((w) => w.id <= this.point);
      if (ready.length > 0) {
        this.waiters = this.waiters.filter((w) => w.id > this.point);
        for (const w of ready) w.resolve();
      }
    }
  }

  /** Resolves once the read point reaches `id`. */
  waitFor(id: number): Promise<void> | undefined {
    if (id <= this.point) return undefined;
    return new Promise((resolve) => this.waiters.push({ id, resolve }));
  }
}
