/**
 * Fencing by coordination lease (DESIGN.md, "Failure model"): a region server acknowledges a write
 * only while its session is certainly alive — the newest acknowledged keep-alive was sent less
 * than (session timeout − margin) ago. The master waits out the full session timeout before it
 * reassigns a dead server's regions, so a paused server ("zombie") that wakes up refuses (FENCED)
 * instead of acknowledging writes to regions that now live elsewhere.
 */
import type { Clock } from '../../common/clock.js';
import { BasaltError, ErrorCodes } from '../../common/errors.js';
import type { WriteFence } from './dispatcher.js';

/** What the fence reads from the coordination client (CoordClient has these fields). */
export interface LeaseSource {
  readonly state: string;
  readonly sessionTimeoutMs: number;
  /** Monotonic send time of the newest acknowledged keep-alive (same clock as the fence's). */
  readonly lastAckedKeepAliveMs: number;
}

export class LeaseFence implements WriteFence {
  constructor(
    private readonly lease: LeaseSource,
    private readonly clock: Clock,
    /** Safety margin below the session timeout (clock drift, the time to answer). */
    private readonly marginMs: number,
  ) {}

  /** Milliseconds of lease left (≤ 0: fenced). */
  remainingMs(): number {
    if (this.lease.state === 'expired' || this.lease.state === 'closed') return 0;
    return this.lease.sessionTimeoutMs - this.marginMs - (this.clock.monotonic() - this.lease.lastAckedKeepAliveMs);
  }

  checkWritable(): void {
    const remaining = this.remainingMs();
    if (remaining <= 0) {
      throw new BasaltError(ErrorCodes.FENCED, 'this region server cannot prove its coordination lease; writes are refused', {
        sessionState: this.lease.state,
        sinceKeepAliveMs: Math.round(this.clock.monotonic() - this.lease.lastAckedKeepAliveMs),
      });
    }
  }
}
