// The qualifier cache hands out one owned copy per distinct short qualifier and never changes bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QUALIFIER_CACHE_MAX_BYTES, QualifierCache } from '../../../regionserver/server/qualifier-cache.js';

describe('QualifierCache', () => {
  it('equal bytes give the same copy, which does not share memory with the request', () => {
    const cache = new QualifierCache();
    const frame = Buffer.from('xxfield0yyfield0zz');
    const a = cache.internRange(frame, 2, 8);
    const b = cache.internRange(frame, 10, 16);
    expect(a).toBe(b);
    expect(a.toString()).toBe('field0');
    frame.fill(0);
    expect(a.toString()).toBe('field0');
    expect(cache.hits).toBe(1);
    expect(cache.misses).toBe(1);
  });

  it('always returns the bytes it was given, whatever collides (random qualifiers)', () => {
    const cache = new QualifierCache();
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 80 }), { minLength: 1, maxLength: 3000 }), (qualifiers) => {
        for (const q of qualifiers) {
          const bytes = Buffer.from(q);
          const out = cache.intern(bytes);
          expect(out.equals(bytes)).toBe(true);
          if (bytes.length > QUALIFIER_CACHE_MAX_BYTES) expect(out).toBe(bytes);
        }
      }),
      { numRuns: 50 },
    );
  });
});
