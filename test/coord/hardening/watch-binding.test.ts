/** Proves that a watch re-armed while an event for an earlier change is still in flight is not consumed by that event: every change after a watched read reaches the watcher (issue 7, defect 1). */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEnsemble, waitFor, type Ensemble } from '../../support/coord-ensemble.js';
import type { WatchedEvent } from '../../../coord/client/index.js';

let ensemble: Ensemble;
beforeAll(async () => {
  ensemble = await startEnsemble(1);
});
afterAll(async () => {
  await ensemble?.close();
});

it('delivers the event of every change made after a watched read, over 100 rounds of change-while-rereading', async () => {
  const writer = await ensemble.connect();
  const reader = await ensemble.connect();
  await writer.create('/lost', 'v0');
  const seen: number[] = [];
  const watcher = (event: WatchedEvent): void => {
    seen.push(event.zxid);
  };
  const mustSee: number[] = [];
  const changes: number[] = [];
  for (let round = 1; round <= 100; round++) {
    await reader.getData('/lost', { watch: watcher });
    // The reader re-reads with a watch while the writer changes the node: the change fires the
    // watch armed above, and its event is in flight while the re-read arms the next one.
    const [racing] = await Promise.all([writer.setData('/lost', `a${round}`), reader.getData('/lost', { watch: watcher })]);
    changes.push(racing.mzxid);
    mustSee.push(racing.mzxid);
    // This change comes after the watched read was answered: it must reach the watcher.
    const after = await writer.setData('/lost', `b${round}`);
    changes.push(after.mzxid);
    mustSee.push(after.mzxid);
    const arrived = await waitFor('the event', () => seen.includes(after.mzxid), 3_000).catch(() => false);
    if (!arrived) break;
  }
  expect(mustSee.filter((z) => !seen.includes(z))).toEqual([]);
  expect(seen.filter((z) => !changes.includes(z))).toEqual([]);
  expect(new Set(seen).size).toBe(seen.length);
});

it('fires a watch armed by a read once for a change the read did not observe, and never for one it did', async () => {
  const reader = await ensemble.connect();
  const writer = await ensemble.connect();
  await writer.create('/bound', 'a');
  const events: WatchedEvent[] = [];
  const first = (event: WatchedEvent): void => {
    events.push(event);
  };
  await reader.getData('/bound', { watch: first });
  const change = await writer.setData('/bound', 'b');
  // Re-read at once: this read observed `change`, so its registration must wait for the next one.
  const read = await reader.getData('/bound', { watch: first });
  expect(read.stat.mzxid).toBe(change.mzxid);
  await waitFor('the first event', () => events.length >= 1, 5_000);
  const next = await writer.setData('/bound', 'c');
  await waitFor('the second event', () => events.length >= 2, 5_000).catch(() => undefined);
  expect(events.map((e) => e.zxid)).toEqual([change.mzxid, next.mzxid]);
});
