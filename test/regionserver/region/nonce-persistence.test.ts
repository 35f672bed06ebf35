/**
 * Proves that nonces outlive the WAL entries that carried them: a flush keeps the region's recent
 * nonces in the manifest, an open restores them, so a retry of an increment, append or
 * checkAndMutate after flush + close + reopen (or a crash after a flush) applies at most once —
 * within the nonce window, after which a nonce is forgotten.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../../common/errors.js';
import { NONCE_TTL_MS } from '../../../regionserver/region/nonces.js';
import { Region } from '../../../regionserver/region/region.js';
import { b, harness, put, type Harness } from './fixtures.js';

const row = b('counter-row');
const counter = (amount: bigint): { family: string; qualifier: Buffer; amount: bigint } => ({ family: 'cf', qualifier: b('n'), amount });

/** Runs a test over a fresh harness and removes its temp dir afterwards, pass or fail. */
async function withHarness(body: (h: Harness) => Promise<void>): Promise<void> {
  const h = harness();
  try {
    await body(h);
  } finally {
    h.cleanup();
  }
}

/** Opens the region as its next owner would: a higher open epoch, the same directory and log. */
function reopen(h: Harness, openEpoch: number): Promise<Region> {
  return Region.open({ info: h.info, families: h.families, dir: join(h.dir, 'region'), wal: h.wal, openEpoch, clock: h.clock, config: h.config });
}

describe('nonces survive flush and reopen', () => {
  it('increment, flush, close, reopen: the retry with the same nonce applies once', () =>
    withHarness(async (h) => {
      const a = await h.open();
      expect((await a.increment({ row, columns: [counter(5n)], nonce: 'c1:1' }))[0]!.value).toBe(5n);
      await a.flush();
      await a.close();
      const b2 = await reopen(h, 2);
      // The WAL entry is below the flushed sequence id, so replay does not restore it: the manifest does.
      expect((await b2.increment({ row, columns: [counter(5n)], nonce: 'c1:1' }))[0]!.value).toBe(5n);
      expect((await b2.increment({ row, columns: [counter(5n)], nonce: 'c1:2' }))[0]!.value).toBe(10n);
      await b2.close();
    }));

  it('append and checkAndMutate retries after flush + reopen apply once too, and a second reopen still knows them', () =>
    withHarness(async (h) => {
      const a = await h.open();
      await a.append({ row, columns: [{ family: 'cf', qualifier: b('s'), value: b('x') }], nonce: 'c2:1' });
      const cam = { row, condition: { family: 'cf', qualifier: b('lock'), kind: 'not_exists' as const }, mutation: { row, cells: [put('cf', 'lock', 'me')] }, nonce: 'c2:2' };
      expect((await a.checkAndMutate(cam)).succeeded).toBe(true);
      await a.close(); // flushes
      const b2 = await reopen(h, 2);
      await b2.close();
      const c3 = await reopen(h, 3); // the claim manifest of open 2 carried the nonces on
      const appended = await c3.append({ row, columns: [{ family: 'cf', qualifier: b('s'), value: b('x') }], nonce: 'c2:1' });
      expect(appended.cells.map((c) => c.value.toString())).toEqual(['x']);
      // Applied once: the retry is answered "succeeded", although the lock now exists.
      expect((await c3.checkAndMutate(cam)).succeeded).toBe(true);
      expect((await c3.checkAndMutate({ ...cam, nonce: 'c2:3' })).succeeded).toBe(false);
      await c3.close();
    }));

  it('a crash after a flush: the flushed nonce comes from the manifest, the later one from WAL replay', () =>
    withHarness(async (h) => {
      const a = await h.open();
      await a.increment({ row, columns: [counter(1n)], nonce: 'c3:1' });
      await a.flush();
      await a.increment({ row, columns: [counter(1n)], nonce: 'c3:2' });
      await a.close({ flush: false }); // as a crash: the second increment is only in the WAL
      const b2 = await reopen(h, 2);
      expect((await b2.increment({ row, columns: [counter(1n)], nonce: 'c3:1' }))[0]!.value).toBe(2n);
      expect((await b2.increment({ row, columns: [counter(1n)], nonce: 'c3:2' }))[0]!.value).toBe(2n);
      expect((await b2.increment({ row, columns: [counter(1n)], nonce: 'c3:3' }))[0]!.value).toBe(3n);
      await b2.close();
    }));

  it('the window: a nonce older than NONCE_TTL_MS is not kept, so a retry that late applies again', () =>
    withHarness(async (h) => {
      const a = await h.open();
      await a.increment({ row, columns: [counter(1n)], nonce: 'c4:1' });
      await a.close();
      h.clock.advance(NONCE_TTL_MS + 1);
      const b2 = await reopen(h, 2);
      expect((await b2.increment({ row, columns: [counter(1n)], nonce: 'c4:1' }))[0]!.value).toBe(2n);
      await b2.close();
      // The manifest of the last flush lists only the nonce recorded since (the old one expired).
      const manifests = readdirSync(join(h.dir, 'region')).filter((n) => n.startsWith('manifest-'));
      const manifest = JSON.parse(readFileSync(join(h.dir, 'region', manifests[0]!), 'utf8')) as { nonces?: Array<[string, number]> };
      expect(manifest.nonces).toEqual([['c4:1', h.clock.now()]]);
    }));

  it('a manifest with malformed nonces fails the open with CORRUPT_STORE_FILE', () =>
    withHarness(async (h) => {
      const a = await h.open();
      await a.increment({ row, columns: [counter(1n)], nonce: 'c5:1' });
      await a.close();
      const path = join(h.dir, 'region', 'manifest-1.json');
      const manifest = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      writeFileSync(path, JSON.stringify({ ...manifest, nonces: [['c5:1', 'yesterday']] }));
      await expect(reopen(h, 2)).rejects.toMatchObject({ code: ErrorCodes.CORRUPT_STORE_FILE });
    }));
});
