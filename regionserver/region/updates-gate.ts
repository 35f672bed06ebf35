/**
 * The region's updates gate (HBase's updatesLock): writes pass through it while in flight; a
 * flush closes it briefly to wait until no write is in flight, so that the memstore snapshot and
 * the flushed sequence id agree exactly (every cell ≤ that id is in the snapshot, none above).
 * Closing the region shuts it: waiting and later writes fail with REGION_CLOSING.
 */
import { BasaltError, ErrorCodes } from '../../common/errors.js';

export class UpdatesGate {
  private inFlight = 0;
  private barrier: Promise<void> | undefined;
  private drained: (() => void) | undefined;
  private shut = false;

  constructor(private readonly regionName: string) {}

  /** Enters (waits while a flush holds the gate). Must be paired with `exit`. */
  async enter(): Promise<void> {
    while (this.barrier) await this.barrier;
    this.checkOpen();
    this.inFlight++;
  }

  /** Fast path: enters synchronously when nothing holds the gate. */
  tryEnter(): boolean {
    if (this.barrier || this.shut) return false;
    this.inFlight++;
    return true;
  }

  checkOpen(): void {
    if (this.shut) throw new BasaltError(ErrorCodes.REGION_CLOSING, `region ${this.regionName} is closing`, { region: this.regionName });
  }

  exit(): void {
    this.inFlight--;
    if (this.inFlight === 0 && this.drained) {
      const d = this.drained;
      this.drained = undefined;
      d();
    }
  }

  private drain(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => (this.drained = resolve));
  }

  /** Holds the gate closed until the returned function is called; resolves once drained. */
  async hold(): Promise<() => void> {
    while (this.barrier) await this.barrier;
    let open!: () => void;
    this.barrier = new Promise((resolve) => (open = resolve));
    await this.drain();
    return () => {
      this.barrier = undefined;
      open();
    };
  }

  /** Rejects new writes for good and waits for the ones in flight. */
  async shutAndDrain(): Promise<void> {
    this.shut = true;
    await this.drain();
  }

  get writesInFlight(): number {
    return this.inFlight;
  }
}
