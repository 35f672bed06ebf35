/**
 * Open scanners with leases (HBase's RegionScanner leases). A scanner lives on the server between
 * `next` calls; each call renews its lease, and a sweep closes scanners idle past the lease so a
 * client that vanished cannot pin memory or store files. The number of open scanners is bounded
 * (SERVER_BUSY past it). Recently expired ids are remembered (bounded) to answer SCANNER_EXPIRED
 * instead of UNKNOWN_SCANNER, which tells the client to reopen from its resume row.
 */
import type { Clock } from '../../common/clock.js';
import { BasaltError, ErrorCodes } from '../../common/errors.js';
import type { ScannerPort } from './region-port.js';

export interface ScannerLimits {
  maxOpenScanners: number;
  scannerLeaseMs: number;
}

export interface OpenScanner {
  readonly id: number;
  readonly region: string;
  readonly scanner: ScannerPort;
  readonly reversed: boolean;
  /** Remaining rows of the scan's limit (Infinity when none). */
  remaining: number;
  lastUsedMs: number;
  /** Next calls served so far; a call must carry this value (OUT_OF_ORDER_SCANNER_NEXT otherwise). */
  callSeq: number;
  busy: boolean;
}

const EXPIRED_MEMORY = 10_000;

export class ScannerRegistry {
  private readonly open = new Map<number, OpenScanner>();
  /** Ids closed by the server rather than the client, and why (bounded memory). */
  private readonly ended = new Map<number, { region: string; reason: 'expired' | 'region-closed' }>();
  private nextId: number;

  constructor(
    private readonly limits: ScannerLimits,
    private readonly clock: Clock,
    /** Distinguishes this server incarnation's ids from an earlier one's (a restarted server). */
    incarnation: number,
  ) {
    this.nextId = (incarnation % 2 ** 20) * 2 ** 32 + 1;
  }

  get size(): number {
    return this.open.size;
  }

  get leaseMs(): number {
    return this.limits.scannerLeaseMs;
  }

  /** Admission check before a region scanner is even created. */
  checkCapacity(): void {
    if (this.open.size >= this.limits.maxOpenScanners) {
      throw new BasaltError(ErrorCodes.SERVER_BUSY, `too many open scanners (${this.limits.maxOpenScanners})`, {
        limit: this.limits.maxOpenScanners,
      });
    }
  }

  register(region: string, scanner: ScannerPort, options: { reversed: boolean; limit?: number }): OpenScanner {
    this.checkCapacity();
    const entry: OpenScanner = {
      id: this.nextId++,
      region,
      scanner,
      reversed: options.reversed,
      remaining: options.limit ?? Infinity,
      lastUsedMs: this.clock.monotonic(),
      callSeq: 0,
      busy: false,
    };
    this.open.set(entry.id, entry);
    return entry;
  }

  /** The scanner for a next/close call, checked against its region and call sequence. */
  lookup(id: number, region: string, callSeq: number | undefined): OpenScanner {
    const entry = this.open.get(id);
    if (!entry) {
      const ended = this.ended.get(id);
      if (ended?.reason === 'expired') {
        throw new BasaltError(ErrorCodes.SCANNER_EXPIRED, `scanner ${id} expired after ${this.limits.scannerLeaseMs} ms idle`, {
          scannerId: id,
          leaseMs: this.limits.scannerLeaseMs,
        });
      }
      if (ended?.reason === 'region-closed') {
        throw new BasaltError(ErrorCodes.NOT_SERVING_REGION, `scanner ${id}: region ${ended.region} was closed on this server`, {
          scannerId: id,
          region: ended.region,
        });
      }
      throw new BasaltError(ErrorCodes.UNKNOWN_SCANNER, `scanner ${id} is not open on this server`, { scannerId: id });
    }
    if (entry.region !== region) {
      throw new BasaltError(ErrorCodes.INVALID_ARGUMENT, `scanner ${id} belongs to another region`, { field: 'region', scannerId: id });
    }
    if (entry.busy || (callSeq !== undefined && callSeq !== entry.callSeq)) {
      throw new BasaltError(ErrorCodes.OUT_OF_ORDER_SCANNER_NEXT, `scanner ${id}: expected call ${entry.callSeq}, got ${callSeq}`, {
        scannerId: id,
        expected: entry.callSeq,
      });
    }
    return entry;
  }

  touch(entry: OpenScanner): void {
    entry.lastUsedMs = this.clock.monotonic();
  }

  async close(entry: OpenScanner): Promise<void> {
    if (this.open.get(entry.id) === entry) this.open.delete(entry.id);
    await entry.scanner.close();
  }

  /** Closes every scanner idle past its lease; returns how many. Called by the server's own timer. */
  async expire(): Promise<number> {
    const now = this.clock.monotonic();
    const victims = [...this.open.values()].filter((s) => !s.busy && now - s.lastUsedMs > this.limits.scannerLeaseMs);
    for (const s of victims) {
      this.open.delete(s.id);
      this.remember(s, 'expired');
      await Promise.resolve(s.scanner.close()).catch(() => undefined);
    }
    return victims.length;
  }

  /** Closes the scanners of a region that is closing: their next call gets NOT_SERVING_REGION. */
  async closeRegion(region: string): Promise<void> {
    for (const s of [...this.open.values()]) {
      if (s.region !== region) continue;
      this.open.delete(s.id);
      this.remember(s, 'region-closed');
      await Promise.resolve(s.scanner.close()).catch(() => undefined);
    }
  }

  async closeAll(): Promise<void> {
    for (const s of [...this.open.values()]) {
      this.open.delete(s.id);
      await Promise.resolve(s.scanner.close()).catch(() => undefined);
    }
  }

  private remember(s: OpenScanner, reason: 'expired' | 'region-closed'): void {
    this.ended.set(s.id, { region: s.region, reason });
    if (this.ended.size > EXPIRED_MEMORY) {
      const oldest = this.ended.keys().next().value;
      if (oldest !== undefined) this.ended.delete(oldest);
    }
  }
}
