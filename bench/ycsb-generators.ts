/**
 * YCSB's key and request distributions (Cooper et al., "Benchmarking Cloud Serving Systems with
 * YCSB"): record keys `user` + FNV-1a hash of the sequence number, the scrambled Zipfian request
 * distribution (Gray et al.'s generator, θ = 0.99), "latest" (Zipfian over the newest records),
 * and uniform scan lengths. All driven by a seeded Random so a run can be repeated.
 */
import type { Random } from '../common/random.js';

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = (1n << 64n) - 1n;

/** YCSB's fnvhash64 of a long. */
export function fnvHash64(value: number): bigint {
  let v = BigInt(value);
  let hash = FNV_OFFSET;
  for (let i = 0; i < 8; i++) {
    const octet = v & 0xffn;
    v >>= 8n;
    hash = (hash ^ octet) & MASK;
    hash = (hash * FNV_PRIME) & MASK;
  }
  return hash;
}

/** The record key of sequence number i, as YCSB's CoreWorkload builds it (hashed insert order). */
export function recordKey(i: number): string {
  return `user${fnvHash64(i).toString()}`;
}

export const ZIPFIAN_CONSTANT = 0.99;

/** Gray et al.'s Zipfian generator over [0, items), as YCSB's ZipfianGenerator. */
export class ZipfianGenerator {
  private readonly alpha: number;
  private readonly zetan: number;
  private readonly eta: number;
  private readonly theta: number;
  private readonly zeta2: number;

  constructor(
    private readonly items: number,
    private readonly random: Random,
    theta = ZIPFIAN_CONSTANT,
  ) {
    this.theta = theta;
    this.zeta2 = ZipfianGenerator.zeta(2, theta);
    this.alpha = 1 / (1 - theta);
    this.zetan = ZipfianGenerator.zeta(items, theta);
    this.eta = (1 - Math.pow(2 / items, 1 - theta)) / (1 - this.zeta2 / this.zetan);
  }

  static zeta(n: number, theta: number): number {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += 1 / Math.pow(i + 1, theta);
    return sum;
  }

  next(): number {
    const u = this.random.next();
    const uz = u * this.zetan;
    if (uz < 1) return 0;
    if (uz < 1 + Math.pow(0.5, this.theta)) return 1;
    return Math.min(this.items - 1, Math.floor(this.items * Math.pow(this.eta * u - this.eta + 1, this.alpha)));
  }
}

/** YCSB's ScrambledZipfianGenerator: Zipfian popularity, scattered over the key space. */
export class ScrambledZipfian {
  private readonly zipf: ZipfianGenerator;

  constructor(
    private readonly items: number,
    random: Random,
  ) {
    // YCSB draws from a large fixed item space and folds it into [0, items).
    this.zipf = new ZipfianGenerator(Math.min(items * 10, 10_000_000), random);
  }

  next(): number {
    return Number(fnvHash64(this.zipf.next()) % BigInt(this.items));
  }
}

/** YCSB's SkewedLatestGenerator: recently inserted records are the most popular. */
export class LatestGenerator {
  private zipf: ZipfianGenerator;
  private zipfItems: number;

  constructor(
    private readonly counter: { value: number },
    private readonly random: Random,
  ) {
    this.zipfItems = counter.value;
    this.zipf = new ZipfianGenerator(this.zipfItems, random);
  }

  next(): number {
    const max = this.counter.value;
    // Rebuilding zeta on every insert is O(n); grow the generator in steps instead.
    if (max > this.zipfItems * 1.1) {
      this.zipfItems = max;
      this.zipf = new ZipfianGenerator(max, this.random);
    }
    return Math.max(0, max - 1 - Math.min(this.zipf.next(), max - 1));
  }
}
