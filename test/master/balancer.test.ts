/**
 * Proves the balancer's plan (a pure function of a cluster snapshot): region counts end within one
 * of the average with few moves, per-table spread improves, and a balanced cluster gets no moves.
 */
import { describe, expect, it } from 'vitest';
import { planMoves, type BalancerRegion } from '../../master/balancer.js';

function apply(regions: BalancerRegion[], moves: ReturnType<typeof planMoves>): BalancerRegion[] {
  const byName = new Map(regions.map((r) => [r.encodedName, { ...r }]));
  for (const m of moves) byName.get(m.encodedName)!.server = m.to;
  return [...byName.values()];
}

function counts(regions: BalancerRegion[], servers: string[], table?: string): number[] {
  return servers.map((s) => regions.filter((r) => r.server === s && (!table || r.table === table)).length);
}

describe('balancer', () => {
  it('moves regions from a loaded server to a new empty one until counts differ by at most one, with the minimum number of moves', () => {
    const servers = ['a', 'b', 'c'];
    const regions: BalancerRegion[] = Array.from({ length: 12 }, (_, i) => ({ encodedName: `r${i}`, table: 't', server: i < 6 ? 'a' : 'b' }));
    const moves = planMoves({ servers, regions });
    const after = counts(apply(regions, moves), servers);
    expect(Math.max(...after) - Math.min(...after)).toBeLessThanOrEqual(1);
    expect(moves).toHaveLength(4);
    expect(moves.every((m) => m.to === 'c')).toBe(true);
  });

  it('spreads each table over the servers, not only the totals', () => {
    const servers = ['a', 'b'];
    const regions: BalancerRegion[] = [
      ...Array.from({ length: 4 }, (_, i) => ({ encodedName: `x${i}`, table: 'x', server: 'a' })),
      ...Array.from({ length: 4 }, (_, i) => ({ encodedName: `y${i}`, table: 'y', server: 'a' })),
    ];
    const after = apply(regions, planMoves({ servers, regions }));
    expect(counts(after, servers, 'x')).toEqual([2, 2]);
    expect(counts(after, servers, 'y')).toEqual([2, 2]);
  });

  it('plans nothing for a balanced cluster, a single server, or an empty one', () => {
    const regions: BalancerRegion[] = [
      { encodedName: 'r1', table: 't', server: 'a' },
      { encodedName: 'r2', table: 't', server: 'b' },
      { encodedName: 'r3', table: 't', server: 'a' },
    ];
    expect(planMoves({ servers: ['a', 'b'], regions })).toEqual([]);
    expect(planMoves({ servers: ['a'], regions })).toEqual([]);
    expect(planMoves({ servers: ['a', 'b'], regions: [] })).toEqual([]);
  });

  it('respects the move bound', () => {
    const regions: BalancerRegion[] = Array.from({ length: 100 }, (_, i) => ({ encodedName: `r${i}`, table: 't', server: 'a' }));
    expect(planMoves({ servers: ['a', 'b'], regions, maxMoves: 7 })).toHaveLength(7);
  });
});
