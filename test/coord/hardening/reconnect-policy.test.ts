// Proves the client's reconnect policy after a leader dies (issue 7, failover): a dead member does not grow the wait before the next
// one (backoff counts whole rounds over the member list), a survivor's NOT_LEADER hint naming the member that just failed is not
// followed, and while an election is under way the client polls at most every 50 ms.
import { afterEach, expect, it } from 'vitest';
import { SeededRandom } from '../../../common/random.js';
import { ReconnectPolicy } from '../../../coord/client/reconnect.js';
import { BASE_BACKOFF_MS, ELECTION_POLL_MS, ELECTION_WINDOW_MS, MAX_BACKOFF_MS } from '../../../coord/client/request-helpers.js';

const SERVERS = ['127.0.0.1:1001', '127.0.0.1:1002', '127.0.0.1:1003'];
const SESSION_MS = 30_000;
let policy: ReconnectPolicy | undefined;
afterEach(() => policy?.close());

it('waits at most the base bound for every member of the first round, then doubles per round', () => {
  policy = new ReconnectPolicy(SERVERS, new SeededRandom(7));
  const bounds: number[] = [];
  for (let attempt = 0; attempt < 9; attempt++) {
    bounds.push(policy.delayMs(SESSION_MS, 0));
    policy.attemptStarted();
    policy.unreachable(policy.nextCandidate(), 0);
  }
  // Round 0 (attempts 0–2) ≤ 25 ms; round 1 ≤ 50 ms; round 2 ≤ 100 ms.
  expect(bounds.slice(0, 3).every((d) => d <= BASE_BACKOFF_MS)).toBe(true);
  expect(bounds.slice(3, 6).every((d) => d <= 2 * BASE_BACKOFF_MS && d > BASE_BACKOFF_MS / 2)).toBe(true);
  expect(bounds.slice(6, 9).every((d) => d <= 4 * BASE_BACKOFF_MS && d > BASE_BACKOFF_MS)).toBe(true);
  for (let attempt = 0; attempt < 60; attempt++) policy.attemptStarted();
  expect(policy.delayMs(SESSION_MS, 0)).toBeLessThanOrEqual(MAX_BACKOFF_MS);
  expect(policy.delayMs(SESSION_MS, 0)).toBeGreaterThan(MAX_BACKOFF_MS / 2);
});

it('does not follow a hint naming the member that just failed, and polls fast during an election window', () => {
  policy = new ReconnectPolicy(SERVERS, new SeededRandom(3));
  const dead = policy.nextCandidate();
  policy.attemptStarted();
  policy.unreachable(dead, 100);
  const survivor = policy.nextCandidate();
  policy.attemptStarted();
  // The survivor has not noticed yet: it names the dead leader.
  policy.electionUnderWay(110);
  policy.hint(dead, survivor, 110);
  const next = policy.nextCandidate();
  expect(next).not.toBe(dead);
  expect(next).not.toBe(survivor);
  // Many rounds later, still inside the election window: at most ELECTION_POLL_MS.
  for (let attempt = 0; attempt < 30; attempt++) policy.attemptStarted();
  expect(policy.delayMs(SESSION_MS, 120)).toBeLessThanOrEqual(ELECTION_POLL_MS);
  // After the window the normal backoff applies again.
  expect(policy.delayMs(SESSION_MS, 110 + ELECTION_WINDOW_MS + 1)).toBeGreaterThan(ELECTION_POLL_MS);
  // A hint naming a live member (the new leader) is followed at once.
  const leader = SERVERS.find((s) => s !== dead && s !== survivor)!;
  policy.hint(leader, survivor, 130);
  expect(policy.nextCandidate()).toBe(leader);
  // Once the failure is old, a hint naming that member is followed again (it may have come back).
  policy.hint(dead, survivor, 100 + ELECTION_WINDOW_MS + 1);
  expect(policy.nextCandidate()).toBe(dead);
});
