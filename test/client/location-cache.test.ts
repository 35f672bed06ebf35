/** Proves the pure parts of routing and retries: the location cache finds the region for a row, the one before a key and the last one, evicts overlapping and failed entries; backoff stays within its bounds; errors are sorted into relocate / back off / in doubt / final. */
import { describe, expect, it } from 'vitest';
import { BasaltError, ErrorCodes } from '../../common/errors.js';
import { SeededRandom } from '../../common/random.js';
import { LocationCache, type RegionLocation } from '../../client/location-cache.js';
import { backoffDelayMs, classify, markNotSent } from '../../client/retry.js';

function loc(start: string, end: string, address = 's1:1', name = `${start}-${end}`): RegionLocation {
  return { table: 't', encodedName: name, regionId: 1, startKey: Buffer.from(start), endKey: Buffer.from(end), address, serverName: address, openEpoch: 1 };
}
const B = (s: string) => Buffer.from(s);

describe('LocationCache', () => {
  const filled = (): LocationCache => {
    const cache = new LocationCache();
    for (const l of [loc('g', 'p', 's2:1'), loc('', 'g'), loc('p', '', 's3:1')]) cache.add(l);
    return cache;
  };

  it('finds the region holding a row, with inclusive starts and exclusive ends', () => {
    const cache = filled();
    expect(cache.find('t', { row: B('') })?.encodedName).toBe('-g');
    expect(cache.find('t', { row: B('f') })?.encodedName).toBe('-g');
    expect(cache.find('t', { row: B('g') })?.encodedName).toBe('g-p');
    expect(cache.find('t', { row: B('p') })?.encodedName).toBe('p-');
    expect(cache.find('t', { row: B('zzz') })?.encodedName).toBe('p-');
    expect(cache.find('other', { row: B('a') })).toBeUndefined();
  });

  it('finds the region just before a key (reversed scans) and the last region', () => {
    const cache = filled();
    expect(cache.find('t', { before: B('g') })?.encodedName).toBe('-g');
    expect(cache.find('t', { before: B('h') })?.encodedName).toBe('g-p');
    expect(cache.find('t', { before: B('p') })?.encodedName).toBe('g-p');
    expect(cache.find('t', { last: true })?.encodedName).toBe('p-');
  });

  it('a gap answers nothing rather than a wrong region', () => {
    const cache = new LocationCache();
    cache.add(loc('', 'g'));
    cache.add(loc('p', ''));
    expect(cache.find('t', { row: B('h') })).toBeUndefined();
    expect(cache.find('t', { before: B('h') })).toBeUndefined();
  });

  it('adding a region evicts the cached regions it overlaps (a split or merge seen later)', () => {
    const cache = filled();
    cache.add(loc('g', 'k', 's1:1', 'daughter-a'));
    expect(cache.find('t', { row: B('h') })?.encodedName).toBe('daughter-a');
    expect(cache.find('t', { row: B('m') })).toBeUndefined();
    expect(cache.regions('t').map((r) => r.encodedName)).toEqual(['-g', 'daughter-a', 'p-']);
  });

  it('drops one failed entry, or every entry of an unreachable server', () => {
    const cache = filled();
    cache.remove(loc('g', 'p', 's2:1'));
    expect(cache.find('t', { row: B('h') })).toBeUndefined();
    cache.removeServer('s3:1');
    expect(cache.regions('t').map((r) => r.encodedName)).toEqual(['-g']);
  });

  it('remove leaves a newer location of the same region alone', () => {
    const cache = filled();
    cache.add({ ...loc('g', 'p', 's1:1'), openEpoch: 2 });
    cache.remove(loc('g', 'p', 's2:1'));
    expect(cache.find('t', { row: B('h') })?.address).toBe('s1:1');
  });
});

describe('retry policy', () => {
  const policy = { operationTimeoutMs: 10_000, retryBaseDelayMs: 50, maxRetryDelayMs: 2_000, rpcTimeoutMs: 1_000 };

  it('backoff doubles from the base to the cap, with half of each pause random', () => {
    const seed = 1234;
    const random = new SeededRandom(seed);
    for (let attempt = 0; attempt < 20; attempt++) {
      const ceiling = Math.min(2_000, 50 * 2 ** attempt);
      const d = backoffDelayMs(attempt, policy, random);
      expect(d, `seed ${seed} attempt ${attempt}`).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
      expect(d).toBeLessThanOrEqual(ceiling);
    }
  });

  it('sorts errors into relocate, back off, in doubt and final', () => {
    const e = (code: keyof typeof ErrorCodes, details = {}) => new BasaltError(ErrorCodes[code], code, details);
    expect(classify(e('NOT_SERVING_REGION'))).toBe('relocate');
    expect(classify(e('REGION_MOVED'))).toBe('relocate');
    expect(classify(e('WRONG_REGION'))).toBe('relocate');
    expect(classify(e('REGION_OPENING'))).toBe('relocate');
    expect(classify(e('SERVER_BUSY'))).toBe('backoff');
    expect(classify(e('META_NOT_AVAILABLE'))).toBe('backoff');
    expect(classify(e('UNAVAILABLE'))).toBe('in-doubt');
    expect(classify(e('TIMEOUT'))).toBe('in-doubt');
    // Known not to have left this process: safe to resend.
    expect(classify(e('UNAVAILABLE', { sent: false }))).toBe('backoff');
    expect(classify(markNotSent(e('TIMEOUT')))).toBe('backoff');
    expect(classify(e('TABLE_NOT_FOUND'))).toBe('final');
    expect(classify(e('NO_SUCH_FAMILY'))).toBe('final');
    expect(classify(e('INVALID_ARGUMENT'))).toBe('final');
  });
});
