/**
 * The gateway's stateful scanners (HBase REST's ScannerResource): each holds an iterator over the
 * table's rows and hands out the next batch of exactly `batch` cells (fewer only at the end).
 * Bounded (STYLE.md §8): at most `maxScanners` open at once — a create past that is SERVER_BUSY —
 * and a scanner idle for `idleTimeoutMs` is closed by `expireIdle`, which the server calls from
 * its own timer. Time comes from the injected clock, so expiry is tested without waiting.
 */
import type { Result, ResultCell } from '../client/api.js';
import type { Clock } from '../common/clock.js';
import { BasaltError, ErrorCodes } from '../common/errors.js';

export interface ScannerLimits {
  maxScanners: number;
  idleTimeoutMs: number;
}

export interface Batch {
  cells: ResultCell[];
  /** True when the scanner has nothing more to give (this batch may still hold cells). */
  exhausted: boolean;
}

class Scanner {
  private pending: ResultCell[] = [];
  private done = false;
  /** Serializes next() calls: two GETs on one scanner must not interleave their reads. */
  private chain: Promise<unknown> = Promise.resolve();
  lastUsedMs: number;
  /** Reads in flight: a scanner being read is never expired under its reader. */
  busy = 0;

  constructor(
    readonly id: string,
    readonly table: string,
    readonly batch: number,
    private readonly iterator: AsyncIterator<Result>,
    nowMs: number,
  ) {
    this.lastUsedMs = nowMs;
  }

  next(maxCells: number, maxRows: number | undefined): Promise<Batch> {
    const run = this.chain.then(() => this.fill(maxCells, maxRows));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async fill(maxCells: number, maxRows: number | undefined): Promise<Batch> {
    const out: ResultCell[] = [];
    let rows = 0;
    let lastRow: Buffer | undefined;
    while (out.length < maxCells) {
      if (this.pending.length === 0) {
        if (this.done) break;
        const step = await this.iterator.next();
        if (step.done) {
          this.done = true;
          break;
        }
        this.pending = step.value.cells.slice();
        continue;
      }
      const cell = this.pending[0]!;
      if (!lastRow || !lastRow.equals(cell.row)) {
        if (maxRows !== undefined && rows >= maxRows) break;
        rows++;
        lastRow = cell.row;
      }
      out.push(this.pending.shift()!);
    }
    return { cells: out, exhausted: this.done && this.pending.length === 0 };
  }

  async close(): Promise<void> {
    this.done = true;
    this.pending = [];
    await this.iterator.return?.().catch(() => undefined);
  }
}

export class ScannerRegistry {
  private readonly scanners = new Map<string, Scanner>();
  private counter = 0;

  constructor(
    private readonly limits: ScannerLimits,
    private readonly clock: Clock,
  ) {}

  get size(): number {
    return this.scanners.size;
  }

  /** Registers a scanner over `results`; SERVER_BUSY when the gateway already holds its maximum. */
  open(table: string, batch: number, results: AsyncIterable<Result>): string {
    if (this.scanners.size >= this.limits.maxScanners) {
      throw new BasaltError(ErrorCodes.SERVER_BUSY, `${this.limits.maxScanners} scanners already open on this gateway`, { maxScanners: this.limits.maxScanners });
    }
    // Like HBase's scanner ids: creation time and a counter, unique within this gateway.
    const id = `${this.clock.now()}${(this.counter++).toString(16).padStart(4, '0')}`;
    this.scanners.set(id, new Scanner(id, table, batch, results[Symbol.asyncIterator](), this.clock.monotonic()));
    return id;
  }

  /** The scanner's table and batch size, or undefined when it does not exist (or expired). */
  describe(id: string): { table: string; batch: number } | undefined {
    const s = this.scanners.get(id);
    return s && { table: s.table, batch: s.batch };
  }

  /** The next batch, or undefined when the scanner does not exist. An exhausted scanner stays until deleted. */
  async next(id: string, maxCells: number, maxRows?: number): Promise<Batch | undefined> {
    const scanner = this.scanners.get(id);
    if (!scanner) return undefined;
    scanner.lastUsedMs = this.clock.monotonic();
    scanner.busy++;
    try {
      return await scanner.next(maxCells, maxRows);
    } catch (err) {
      // A scanner whose read failed is closed; the client sees the error once, then 404.
      this.scanners.delete(id);
      await scanner.close();
      throw err;
    } finally {
      scanner.busy--;
      scanner.lastUsedMs = this.clock.monotonic();
    }
  }

  async delete(id: string): Promise<boolean> {
    const scanner = this.scanners.get(id);
    if (!scanner) return false;
    this.scanners.delete(id);
    await scanner.close();
    return true;
  }

  /** Closes scanners idle longer than the limit; returns how many. */
  async expireIdle(): Promise<number> {
    const now = this.clock.monotonic();
    const idle = [...this.scanners.values()].filter((s) => s.busy === 0 && now - s.lastUsedMs > this.limits.idleTimeoutMs);
    for (const s of idle) this.scanners.delete(s.id);
    await Promise.all(idle.map((s) => s.close()));
    return idle.length;
  }

  async closeAll(): Promise<void> {
    const all = [...this.scanners.values()];
    this.scanners.clear();
    await Promise.all(all.map((s) => s.close()));
  }
}
