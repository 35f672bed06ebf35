/** Proves that a change made while a client is disconnected reaches its watcher after it reconnects to another member (SetWatches with the last zxid seen), and that it arrives exactly once. */
import { afterEach, expect, it } from 'vitest';
import { startEnsemble, waitFor, type Ensemble } from '../../support/coord-ensemble.js';
import type { WatchedEvent } from '../../../coord/client/index.js';

let ensemble: Ensemble | undefined;
afterEach(async () => {
  await ensemble?.close();
  ensemble = undefined;
});

it('delivers a change made while the watcher was disconnected, once, after it reconnects elsewhere', async () => {
  ensemble = await startEnsemble(3, { lmdbDirPrefix: 'basalt-coord-rearm-' });
  const e = ensemble;
  const leader = await waitFor('a leader', () => (e.leaderIndex() >= 0 ? e.leaderIndex() : undefined));
  // The watcher knows only the leader's address, so it stays disconnected while that member is down.
  const watcher = await e.connect({ servers: [e.addresses[leader]!], sessionTimeoutMs: 8_000 });
  await watcher.create('/w', 'v0');
  await watcher.create('/kids');
  const events: WatchedEvent[] = [];
  await watcher.getData('/w', { watch: (ev) => events.push(ev) });
  await watcher.getChildren('/kids', { watch: (ev) => events.push(ev) });
  await watcher.create('/quiet', 'q');
  // An exists watch on a present node that nothing changes: re-arming it must not fire.
  expect(await watcher.exists('/quiet', { watch: (ev) => events.push(ev) })).not.toBeNull();

  await e.stop(leader);
  await waitFor('the watcher to notice', () => watcher.state === 'suspended');
  const others = e.addresses.filter((_, i) => i !== leader);
  const writer = await e.connect({ servers: others });
  await writer.setData('/w', 'v1');
  await writer.create('/kids/k1');
  expect(events).toEqual([]);

  await e.restart(leader);
  await waitFor('the watcher to resume its session', () => watcher.state === 'connected', 20_000);
  await waitFor('both missed events', () => events.length >= 2);
  await writer.setData('/w', 'v2');
  await watcher.sync();
  expect(events.map((ev) => `${ev.type} ${ev.path}`).sort()).toEqual(['childrenChanged /kids', 'dataChanged /w']);
  expect(watcher.currentServer).not.toBe(e.addresses[leader]);
});
