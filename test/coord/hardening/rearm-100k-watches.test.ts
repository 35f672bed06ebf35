/** Proves that 100,000 watches are re-armed after a reconnect — SetWatches split into frames under the limit — and still fire (issue 7, defect 5). */
import { afterEach, expect, it } from 'vitest';
import { startEnsemble, waitFor, type Ensemble } from '../../support/coord-ensemble.js';
import type { WatchedEvent } from '../../../coord/client/index.js';
import type { WatchRegistry } from '../../../coord/client/watch-registry.js';

let ensemble: Ensemble | undefined;
afterEach(async () => {
  await ensemble?.close();
  ensemble = undefined;
});

it('re-arms 100,000 watches after a reconnect, and they still fire', async () => {
  ensemble = await startEnsemble(1, { config: { maxInflightPerSession: 5_000 } });
  const e = ensemble;
  const client = await e.connect({ sessionTimeoutMs: 10_000 });
  const events: WatchedEvent[] = [];
  const watcher = (ev: WatchedEvent): void => {
    events.push(ev);
  };
  // Exists watches on absent nodes with 100-byte paths: about 10 MB of watch specs.
  const pad = 'p'.repeat(90);
  const path = (i: number): string => `/w${pad}${String(i).padStart(6, '0')}`;
  // The first 2,000 are armed by real reads; the other 98,000 go straight into the client's
  // registry as armed at the current zxid (arming 100,000 by reads takes 10–30 s on a loaded
  // machine, and that path is tested elsewhere): what matters here is the re-arm.
  await Promise.all(Array.from({ length: 2_000 }, (_, j) => client.exists(path(j), { watch: watcher })));
  const registry = (client as unknown as { watches: WatchRegistry }).watches;
  for (let i = 2_000; i < 100_000; i++) registry.arm(registry.add('exist', path(i), watcher), client.lastZxid);
  const member = e.servers[0]!.coordMember!;
  expect(member.stateMachine().watches.count).toBe(2_000);
  const rearmStarted = performance.now();
  // Drop the session's stream on the member: the client reconnects and re-arms everything.
  const streams = (member as unknown as { streams: Map<number, { close(): void }> }).streams;
  streams.get(client.sessionId)!.close();
  await waitFor('the watches to be re-armed', () => member.stateMachine().watches.count === 100_000 && client.state === 'connected', 30_000);
  console.log(`re-armed in ${(performance.now() - rearmStarted).toFixed(0)} ms`);
  const writer = await e.connect();
  await writer.create(path(99_999));
  await writer.create(path(0));
  await waitFor('both events', () => events.length >= 2, 10_000);
  expect(events.map((ev) => ev.path).sort()).toEqual([path(0), path(99_999)]);
}, 45_000);
