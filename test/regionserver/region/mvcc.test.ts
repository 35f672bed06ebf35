/** Proves the MVCC read point only passes a sequence id once every lower one has completed, and wakes waiters exactly then. */
import { describe, expect, it } from 'vitest';
import { Mvcc } from '../../../regionserver/region/mvcc.js';

describe('mvcc', () => {
  it('the read point waits for the lowest unfinished write; waiters wake when it passes them', async () => {
    const m = new Mvcc(10);
    const ids = [m.begin(), m.begin(), m.begin()];
    expect(ids).toEqual([11, 12, 13]);
    const woke: number[] = [];
    void m.waitFor(13)!.then(() => woke.push(13));
    void m.waitFor(12)!.then(() => woke.push(12));
    m.complete(13);
    m.complete(12);
    await Promise.resolve();
    expect(m.readPoint).toBe(10);
    expect(woke).toEqual([]);
    m.complete(11);
    await new Promise((resolve) => setImmediate(resolve));
    expect(m.readPoint).toBe(13);
    expect(woke.sort()).toEqual([12, 13]);
    expect(m.waitFor(13)).toBeUndefined();
    expect(() => m.complete(13)).toThrow();
  });
});
