/**
 * A Bloom filter over row keys (BLOOMFILTER => ROW) or row + qualifier (ROWCOL), stored in each
 * store file so a Get can skip files that certainly lack its row or column. Hashes are
 * murmurhash3 (x86, 32-bit) with double hashing (Kirsch–Mitzenmacher): h_i = h1 + i·h2.
 * murmurhash3js hashes strings, so byte keys go in as latin1 strings (one char per byte).
 */
import murmurhash3js from 'murmurhash3js';

/** Bits per entry: ~1 % false positives with 7 hashes. */
const BITS_PER_ENTRY = 10;
const HASHES = 7;

export class BloomFilter {
  readonly bits: Buffer;
  readonly hashCount: number;
  private readonly bitCount: number;

  constructor(bits: Buffer, hashCount: number) {
    this.bits = bits;
    this.hashCount = hashCount;
    this.bitCount = bits.length * 8;
  }

  /** An empty filter sized for `expectedEntries`. */
  static create(expectedEntries: number): BloomFilter {
    const bytes = Math.max(8, Math.ceil((Math.max(1, expectedEntries) * BITS_PER_ENTRY) / 8));
    return new BloomFilter(Buffer.alloc(bytes), HASHES);
  }

  add(key: string): void {
    const h1 = murmurhash3js.x86.hash32(key, 0);
    const h2 = murmurhash3js.x86.hash32(key, h1) | 1;
    for (let i = 0; i < this.hashCount; i++) {
      const bit = ((h1 + Math.imul(i, h2)) >>> 0) % this.bitCount;
      this.bits[bit >>> 3]! |= 1 << (bit & 7);
    }
  }

  /** False means certainly absent; true means possibly present. */
  mightContain(key: string): boolean {
    const h1 = murmurhash3js.x86.hash32(key, 0);
    const h2 = murmurhash3js.x86.hash32(key, h1) | 1;
    for (let i = 0; i < this.hashCount; i++) {
      const bit = ((h1 + Math.imul(i, h2)) >>> 0) % this.bitCount;
      if ((this.bits[bit >>> 3]! & (1 << (bit & 7))) === 0) return false;
    }
    return true;
  }
}

/** The bloom key of a row (ROW blooms, and the row part of ROWCOL blooms). */
export function rowBloomKey(row: Buffer): string {
  return 'r' + row.toString('latin1');
}

/**
 * The bloom key of one column. Family-level delete markers are entered under the empty
 * qualifier, so a column Get also probes `columnBloomKey(row, EMPTY)` to find them.
 */
export function columnBloomKey(row: Buffer, qualifier: Buffer): string {
  // The row length keeps (ab, c) and (a, bc) apart.
  return 'c' + row.length.toString(36) + ':' + row.toString('latin1') + qualifier.toString('latin1');
}
