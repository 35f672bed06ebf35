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
  /** Waiters by the id they wait for (ids are integers, so advancing the point visits each once). */
  private readonly waiters = new Map<number, Array<() => void>>();

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
    while (this.completedAbove.delete(this.point + 1)) {
      this.point++;
      const ready = this.waiters.get(this.point);
      if (ready) {
        this.waiters.delete(this.point);
        for (const resolve of ready) resolve();
      }
    }
  }

  /** Resolves once the read point reaches `id`. */
  waitFor(id: number): Promise<void> | undefined {
    if (id <= this.point) return undefined;
    return new Promise((resolve) => {
      const list = this.waiters.get(id);
      if (list) list.push(resolve);
      else this.waiters.set(id, [resolve]);
    });
  }
}
