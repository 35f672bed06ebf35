/**
 * Proves that an answer never lies about the outcome: a write applied while the lease lapsed is
 * answered OUTCOME_UNKNOWN (not FENCED, which means refused), and a retry of an increment with
 * its nonce after that answer applies at most once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BasaltError, ErrorCodes } from '../../../common/errors.js';
import type { WriteFence } from '../../../regionserver/server/dispatcher.js';
import { FAMILIES, get, put, regionInfo, startServer, type Harness } from './harness.js';

/** A lease that lapses between the check before a write and the check before its answer. */
class LapsingFence implements WriteFence {
  lapseAfterChecks = Infinity;
  private checks = 0;
  checkWritable(): void {
    if (++this.checks > this.lapseAfterChecks) throw new BasaltError(ErrorCodes.FENCED, 'lease lapsed (test)');
  }
  heal(): void {
    this.lapseAfterChecks = Infinity;
    this.checks = 0;
  }
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('outcome of a write whose lease lapsed while it ran', () => {
  it('is OUTCOME_UNKNOWN, the write is there, and a retried increment with its nonce applies once', async () => {
    const fence = new LapsingFence();
    h = await startServer({ fence });
    await h.client.openRegion({ info: regionInfo('r1'), families: FAMILIES, openEpoch: 1 });
    const increment = { row: Buffer.from('c'), columns: [{ family: 'cf', qualifier: Buffer.from('n'), amount: 1 }], nonceGroup: 42, nonce: 1001 };

    fence.heal();
    fence.lapseAfterChecks = 1; // the check before passes, the one before the answer fails
    await expect(h.client.increment('r1', increment)).rejects.toMatchObject({ code: ErrorCodes.OUTCOME_UNKNOWN });
    fence.heal();
    fence.lapseAfterChecks = 1;
    await expect(h.client.mutate('r1', put('p', 'q', 'v'))).rejects.toMatchObject({ code: ErrorCodes.OUTCOME_UNKNOWN });
    fence.heal();

    // Both were applied.
    const counter = await h.client.get('r1', get('c'));
    expect(counter!.cells[0]!.value.readBigInt64BE(0)).toBe(1n);
    expect((await h.client.get('r1', get('p')))!.cells[0]!.value.toString()).toBe('v');
    // The retry of the increment carries the same nonce: it answers the current value, adds nothing.
    const retried = await h.client.increment('r1', increment);
    expect(retried.cells[0]!.value.readBigInt64BE(0)).toBe(1n);
    expect((await h.client.get('r1', get('c')))!.cells[0]!.value.readBigInt64BE(0)).toBe(1n);
    // A refused write (the lease lapsed before it started) is still FENCED, and nothing happened.
    fence.lapseAfterChecks = 0;
    await expect(h.client.mutate('r1', put('refused', 'q', 'v'))).rejects.toMatchObject({ code: ErrorCodes.FENCED });
    fence.heal();
    expect(await h.client.get('r1', get('refused'))).toBeUndefined();
  });
});
