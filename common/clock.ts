/**
 * Time goes in through constructors (STYLE.md §2). Only process entry points use the system
 * clock; tests and simulations pass a ManualClock.
 */
export interface Clock {
  /** Wall-clock milliseconds since the epoch (cell timestamps, TTL). */
  now(): number;
  /** Monotonic milliseconds, for leases and timeouts. */
  monotonic(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

export class ManualClock implements Clock {
  private wall: number;
  private mono: number;

  constructor(startMs = 1_700_000_000_000) {
    this.wall = startMs;
    this.mono = 0;
  }

  now(): number {
    return this.wall;
  }

  monotonic(): number {
    return this.mono;
  }

  advance(ms: number): void {
    if (ms < 0) throw new Error('ManualClock cannot go backwards');
    this.wall += ms;
    this.mono += ms;
  }

  set(wallMs: number): void {
    this.wall = wallMs;
  }
}
