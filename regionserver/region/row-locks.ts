/**
 * Exclusive row locks. Every write to a row (and every read-modify-write: increment, append,
 * checkAndMutate) holds the row's lock until it is durable and visible, so read-modify-writes see
 * every earlier write to the row and never interleave with another. Several rows are locked in
 * sorted order, so two batches cannot deadlock.
 */
export class RowLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /** Locks one row if it is free, synchronously (the common, uncontended case). */
  tryAcquire(row: string): (() => void) | undefined {
    if (this.tails.has(row)) return undefined;
    return this.lockOne(row) as () => void;
  }

  /** Locks the rows (latin1 keys); resolves with the release function. */
  async acquire(rows: readonly string[]): Promise<() => void> {
    const unique = [...new Set(rows)].sort();
    const releases: Array<() => void> = [];
    for (const row of unique) releases.push(await this.lockOne(row));
    return () => {
      for (const release of releases) release();
    };
  }

  private lockOne(row: string): Promise<() => void> | (() => void) {
    const previous = this.tails.get(row);
    let unlock!: () => void;
    const mine = new Promise<void>((resolve) => (unlock = resolve));
    const tail = previous ? previous.then(() => mine) : mine;
    this.tails.set(row, tail);
    const release = (): void => {
      unlock();
      if (this.tails.get(row) === tail) this.tails.delete(row);
    };
    return previous ? previous.then(() => release) : release;
  }

  get lockedRows(): number {
    return this.tails.size;
  }
}
