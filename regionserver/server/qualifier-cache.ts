/**
 * Interns short column qualifiers arriving on the wire. A table has few distinct qualifiers over
 * many rows, but each decoded request gives every cell its own Buffer, a view of the request's
 * frame; every such view a memstore cell keeps is one more object that survives young-generation
 * garbage collection (and pins the whole frame). Handing out one owned copy per distinct qualifier
 * instead measured ~35 % less scavenge time during a bulk load (docs/benchmarks.md, bench storage).
 *
 * Fixed size, direct-mapped: a slot holds the last qualifier hashed to it; a miss replaces it. The
 * cache never grows and never changes a result: equal bytes in, equal bytes out. Buffers it hands
 * out are shared and must not be written (no code writes a cell's qualifier).
 */
export const QUALIFIER_CACHE_SLOTS = 1024;
/** Longer qualifiers are returned as they came (rare, and costly to hash and compare). */
export const QUALIFIER_CACHE_MAX_BYTES = 64;

export class QualifierCache {
  private readonly slots: Array<Buffer | undefined> = new Array<Buffer | undefined>(QUALIFIER_CACHE_SLOTS);
  hits = 0;
  misses = 0;

  /** The interned copy of `bytes` (or `bytes` itself when too long to intern). */
  intern(bytes: Buffer): Buffer {
    return bytes.length > QUALIFIER_CACHE_MAX_BYTES ? bytes : this.internRange(bytes, 0, bytes.length);
  }

  /** The interned copy of buf[start, end) (a view of it when too long to intern). */
  internRange(buf: Buffer, start: number, end: number): Buffer {
    const n = end - start;
    if (n > QUALIFIER_CACHE_MAX_BYTES) return buf.subarray(start, end);
    // FNV-1a over the bytes and the length, folded to the table size.
    let h = 0x811c9dc5 ^ n;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    const slot = (h ^ (h >>> 16)) & (QUALIFIER_CACHE_SLOTS - 1);
    const cached = this.slots[slot];
    if (cached !== undefined && cached.length === n) {
      let i = 0;
      while (i < n && cached[i] === buf[start + i]) i++;
      if (i === n) {
        this.hits++;
        return cached;
      }
    }
    this.misses++;
    // Owned (a slice of Node's small-buffer pool), so no request frame stays pinned by the cache.
    const copy = Buffer.from(buf.subarray(start, end));
    this.slots[slot] = copy;
    return copy;
  }
}
