/**
 * A small seeded PRNG (mulberry32) for simulations and jitter. Pass it in; never use
 * Math.random inside a pure core, so a failing seed replays exactly.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
}

export class SeededRandom implements Random {
  private state: number;
  readonly seed: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    this.state = this.seed;
  }

  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

export const systemRandom: Random = {
  next: () => Math.random(),
  int: (n: number) => Math.floor(Math.random() * n),
};
