/** Proves that session expiry runs on the monotonic clock: a wall-clock step on the leader (an hour forward) expires no session, while a client that really goes silent still expires (issue 7, defect 8). */
import { afterEach, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../common/config.js';
import type { Clock } from '../../../common/clock.js';
import { CoordServer } from '../../../coord/server/coord-server.js';
import { MemoryRaftStorage } from '../../../coord/storage/memory-raft-storage.js';
import { CoordClient } from '../../../coord/client/index.js';
import { TEST_COORD_CONFIG, waitFor } from '../../support/coord-ensemble.js';

let server: CoordServer | undefined;
const clients: CoordClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.abandon();
  await server?.close();
  server = undefined;
});

it('a wall-clock step on the leader expires no session; a silent client still expires', async () => {
  let wallOffsetMs = 0;
  const steppedClock: Clock = { now: () => Date.now() + wallOffsetMs, monotonic: () => performance.now() };
  server = await CoordServer.listen();
  server.start({ id: 1, peers: new Map([[1, server.address]]), storage: MemoryRaftStorage.bootstrap([1]), config: { ...DEFAULT_CONFIG.coord, ...TEST_COORD_CONFIG }, clock: steppedClock });
  const s = server;
  await waitFor('leadership', () => s.coordMember?.isLeader());
  const client = await CoordClient.connect({ servers: [s.address], sessionTimeoutMs: 1_000 });
  const silent = await CoordClient.connect({ servers: [s.address], sessionTimeoutMs: 1_000 });
  clients.push(client, silent);
  await client.create('/lease', 'held', { ephemeral: true });
  await silent.create('/silent', 'held', { ephemeral: true });
  // Let the member's session tracker start (its extendAll applies on the first writes).
  await client.sync();
  silent.abandon();
  wallOffsetMs = 60 * 60 * 1000;
  // The silent session expires after its timeout, measured on the monotonic clock; by then the
  // live one has seen dozens of ticks with the wall clock an hour ahead.
  await waitFor('the silent session to expire', async () => (await client.exists('/silent')) === null, 10_000);
  expect(client.state).toBe('connected');
  expect((await client.getData('/lease')).data.toString()).toBe('held');
});
