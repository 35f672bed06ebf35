/** Proves that nothing depends on one frame holding it: a 50 MiB tree reaches a follower that needs it by snapshot (chunked on the peer stream), and peer batches are packed under the frame limit (issue 7, defect 5). */
import { afterEach, expect, it } from 'vitest';
import { startEnsemble, waitFor, type Ensemble } from '../../support/coord-ensemble.js';
import { ChunkAssembler, framesFor, PEER_FRAME_BUDGET_BYTES } from '../../../coord/server/peer-transport.js';
import { MAX_FRAME_BYTES } from '../../../coord/client/protocol.js';

let ensemble: Ensemble | undefined;
afterEach(async () => {
  await ensemble?.close();
  ensemble = undefined;
});

it('packs peer messages into frames under the limit and chunks a message larger than a frame', () => {
  const small = Array.from({ length: 40 }, (_, i) => new Uint8Array(300 * 1024).fill(i));
  const huge = new Uint8Array(3 * PEER_FRAME_BUDGET_BYTES + 17).fill(9);
  const frames = framesFor(1, 2, [...small.slice(0, 20), huge, ...small.slice(20)]);
  for (const f of frames) {
    const bytes = (f.messages ?? []).reduce((n, m) => n + m.byteLength, 0) + (f.chunk?.byteLength ?? 0);
    expect(bytes).toBeLessThanOrEqual(MAX_FRAME_BYTES / 2);
  }
  const assembler = new ChunkAssembler(1 << 30);
  const out: Uint8Array[] = [];
  for (const f of frames) {
    if (f.chunk) {
      const whole = assembler.add(f.chunk, f.chunkLast ?? false);
      if (whole) out.push(whole);
    } else out.push(...(f.messages ?? []));
  }
  expect(out.map((m) => m.byteLength)).toEqual([...small.slice(0, 20), huge, ...small.slice(20)].map((m) => m.byteLength));
  expect(Buffer.from(out[20]!).equals(Buffer.from(huge))).toBe(true);
});

it('catches a follower up on a 50 MiB tree by snapshot', async () => {
  ensemble = await startEnsemble(3, { config: { snapshotEntries: 20 }, catchUpEntries: 5 });
  const e = ensemble;
  const leader = await waitFor('a leader', () => (e.leaderIndex() >= 0 ? e.leaderIndex() : undefined));
  const lagging = (leader + 1) % 3;
  await e.stop(lagging);
  // A long session: the in-process members serialise a ≈ 52 MB snapshot on this test's event loop,
  // which on a loaded machine can starve the client's pings for seconds.
  const client = await e.connect({ servers: [e.addresses[leader]!], sessionTimeoutMs: 30_000 });
  await client.create('/big');
  const payload = Buffer.alloc(960 * 1024, 7);
  for (let i = 0; i < 56; i += 4) await Promise.all([0, 1, 2, 3].map((j) => client.create(`/big/n${i + j}`, payload)));
  // The lagging member comes back empty: only the leader's snapshot (≈ 52 MB) can catch it up.
  await e.restart(lagging);
  const target = e.servers[leader]!.coordMember!.appliedIndex();
  await waitFor('the follower to catch up', () => (e.servers[lagging]!.coordMember?.appliedIndex() ?? 0) >= target, 40_000);
  const follower = e.servers[lagging]!.coordMember!;
  expect(follower.snapshotsInstalled).toBeGreaterThanOrEqual(1);
  const read = follower.stateMachine().read({ type: 'getChildren', path: '/big' });
  expect(read.type === 'getChildren' ? read.children.length : -1).toBe(56);
}, 60_000);

