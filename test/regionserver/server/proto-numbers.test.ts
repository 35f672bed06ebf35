// Proves that the shared 64-bit field helpers turn plain numbers, absent fields and Long-like objects into the numbers the data plane and the filter decoder expect.
import { describe, expect, it } from 'vitest';
import { int64ToNumber, int64Value } from '../../../common/proto-numbers.js';

const longLike = (n: number): { low: number; high: number; toNumber(): number } => ({ low: n, high: 0, toNumber: () => n });

describe('64-bit protobuf fields as numbers', () => {
  it('int64ToNumber passes numbers through, reads absent fields as 0 and Long-like objects by toNumber', () => {
    expect(int64ToNumber(42)).toBe(42);
    expect(int64ToNumber(undefined)).toBe(0);
    expect(int64ToNumber(null)).toBe(0);
    expect(int64ToNumber(longLike(1_700_000_000_123))).toBe(1_700_000_000_123);
    expect(int64ToNumber('17')).toBe(17);
  });

  it('int64Value converts only Long-like objects and leaves anything else for validation to judge', () => {
    expect(int64Value(longLike(7))).toBe(7);
    expect(int64Value(7)).toBe(7);
    expect(int64Value('x')).toBe('x');
    expect(int64Value(null)).toBeNull();
    const noToNumber = { low: 1 };
    expect(int64Value(noToNumber)).toBe(noToNumber);
  });
});
