/**
 * Proves HBase's read-modify-write semantics at the region: a column named twice in one Increment
 * counts once (the last amount), increments and appends at a given timestamp and without results,
 * checkAndMutate with a filter and a time range, and nonces — a retried increment, append or
 * checkAndMutate applies at most once, also after the region moved (the nonce is replayed from the WAL).
 */
import { describe, expect, it } from 'vitest';
import { createComparator } from '../../../regionserver/filter/comparators.js';
import { ValueFilter } from '../../../regionserver/filter/value-filters.js';
import { Region } from '../../../regionserver/region/region.js';
import { MemoryWal } from '../../../regionserver/wal/memory-wal.js';
import { b, harness, put, show } from './fixtures.js';
import { join } from 'node:path';

const row = b('row');
const counter = (amount: bigint, qualifier = 'n') => ({ family: 'cf', qualifier: b(qualifier), amount });
const value = async (r: Region, qualifier: string): Promise<bigint | undefined> =>
  (await r.get({ row, columns: [{ family: 'cf', qualifier: b(qualifier) }] }))?.cells[0]?.value.readBigInt64BE(0);

describe('increment', () => {
  it('a column named twice counts once, with the last amount', async () => {
    const h = harness();
    const r = await h.open();
    try {
      const results = await r.increment({ row, columns: [counter(5n), counter(1n, 'm'), counter(7n)] });
      expect(results.map((x) => [x.qualifier.toString(), x.value])).toEqual([['n', 7n], ['m', 1n]]);
      expect(await value(r, 'n')).toBe(7n);
    } finally {
      await r.close();
      h.cleanup();
    }
  });

  it('writes at the given timestamp, and with returnResults false answers nothing but still applies', async () => {
    const h = harness({ families: [{ name: 'cf', maxVersions: 3, minVersions: 0, ttlSeconds: 0, keepDeletedCells: 'FALSE', bloomFilter: 'ROW', inMemory: false }] });
    const r = await h.open();
    try {
      const [first] = await r.increment({ row, columns: [counter(2n)], timestamp: 1_000 });
      expect(first!.cell.timestamp).toBe(1_000);
      expect(await r.increment({ row, columns: [counter(3n)], returnResults: false })).toEqual([]);
      expect(await value(r, 'n')).toBe(5n);
      const appended = await r.append({ row, columns: [{ family: 'cf', qualifier: b('s'), value: b('x') }], timestamp: 2_000 });
      expect(show(appended.cells)).toEqual(['cf:s@2000=x']);
      expect((await r.append({ row, columns: [{ family: 'cf', qualifier: b('s'), value: b('y') }], returnResults: false })).cells).toEqual([]);
      expect(show((await r.get({ row, columns: [{ family: 'cf', qualifier: b('s') }] }))?.cells).map((c) => c.replace(/@\d+/, ''))).toEqual(['cf:s=xy']);
    } finally {
      await r.close();
      h.cleanup();
    }
  });
});

describe('nonces', () => {
  it('a retried increment, append or checkAndMutate with its nonce applies once', async () => {
    const h = harness();
    const r = await h.open();
    try {
      expect((await r.increment({ row, columns: [counter(1n)], nonce: '7:1' }))[0]!.value).toBe(1n);
      expect((await r.increment({ row, columns: [counter(1n)], nonce: '7:1' }))[0]!.value).toBe(1n);
      expect((await r.increment({ row, columns: [counter(1n)], nonce: '7:2' }))[0]!.value).toBe(2n);
      await r.append({ row, columns: [{ family: 'cf', qualifier: b('s'), value: b('a') }], nonce: '7:3' });
      expect(show((await r.append({ row, columns: [{ family: 'cf', qualifier: b('s'), value: b('a') }], nonce: '7:3' })).cells).map((c) => c.replace(/@\d+/, ''))).toEqual(['cf:s=a']);
      // The condition no longer holds after the first call, but the retry reports the first call's success.
      const cam = { row, condition: { family: 'cf', qualifier: b('lock'), kind: 'not_exists' as const }, mutation: { row, cells: [put('cf', 'lock', 'me')] }, nonce: '7:4' };
      expect((await r.checkAndMutate(cam)).succeeded).toBe(true);
      expect((await r.checkAndMutate(cam)).succeeded).toBe(true);
      expect((await r.checkAndMutate({ ...cam, nonce: '7:5' })).succeeded).toBe(false);
      expect(await value(r, 'n')).toBe(2n);
    } finally {
      await r.close();
      h.cleanup();
    }
  });

  it('nonces are replayed from the WAL: a retry sent to the next owner after a crash applies once', async () => {
    const h = harness();
    const a = await h.open();
    await a.increment({ row, columns: [counter(10n)], nonce: '9:1' });
    await a.close({ flush: false }); // a crash: the increment lives only in the WAL
    const b2 = await Region.open({ info: h.info, families: h.families, dir: join(h.dir, 'region'), wal: new MemoryWal({ storage: h.storage }), openEpoch: 2, clock: h.clock, config: h.config });
    try {
      expect((await b2.increment({ row, columns: [counter(10n)], nonce: '9:1' }))[0]!.value).toBe(10n);
      expect(await value(b2, 'n')).toBe(10n);
      // The nonce cell never reaches the data: a scan shows only the counter.
      const { rows } = await b2.scan({ raw: true }).next(10, 1e6);
      expect(rows.flatMap((x) => x.cells).map((c) => c.family)).toEqual(['cf']);
    } finally {
      await b2.close();
      h.cleanup();
    }
  });
});

describe('checkAndMutate', () => {
  it('with a filter and a time range: the filter sees only the versions in the range', async () => {
    const h = harness({ families: [{ name: 'cf', maxVersions: 3, minVersions: 0, ttlSeconds: 0, keepDeletedCells: 'FALSE', bloomFilter: 'ROW', inMemory: false }] });
    const r = await h.open();
    try {
      await r.put({ row, cells: [put('cf', 'state', 'open', 10)] });
      await r.put({ row, cells: [put('cf', 'state', 'closed', 20)] });
      const isClosed = new ValueFilter('EQUAL', createComparator({ type: 'binary', value: b('closed') }));
      const mutation = { row, cells: [put('cf', 'x', '1', 1)] };
      expect((await r.checkAndMutate({ row, filter: isClosed, timeRange: { min: 0, max: 15 }, mutation })).succeeded).toBe(false);
      expect((await r.checkAndMutate({ row, filter: isClosed, mutation })).succeeded).toBe(true);
    } finally {
      await r.close();
      h.cleanup();
    }
  });
});
