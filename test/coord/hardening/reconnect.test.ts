/** Proves that reconnecting never storms: every reconnect, also after a connection that had succeeded, waits a bounded exponential backoff with jitter, and a session taken over by another handle ends the displaced handle (closed, SESSION_MOVED) instead of the two taking it from each other (issue 7, defect 2). */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { Server, ServerCredentials, type ServerDuplexStream } from '@grpc/grpc-js';
import { startEnsemble, waitFor, type Ensemble } from '../../support/coord-ensemble.js';
import { CoordClient } from '../../../coord/client/index.js';
import { COORD_SERVICE, type ClientRequest, type ServerFrame } from '../../../coord/client/protocol.js';
import type { Random } from '../../../common/random.js';

let ensemble: Ensemble;
const extra: CoordClient[] = [];
beforeAll(async () => {
  ensemble = await startEnsemble(1);
});
afterEach(() => {
  for (const c of extra.splice(0)) c.abandon();
});
afterAll(async () => {
  await ensemble?.close();
});

it('ends the displaced handle with SESSION_MOVED when another handle resumes its session, without ping-pong', async () => {
  const first = await ensemble.connect();
  await first.create('/owned', 'x', { ephemeral: true });
  const firstStates: string[] = [];
  first.on('state', (s) => firstStates.push(s));
  const second = await CoordClient.connect({ servers: ensemble.addresses, sessionId: first.sessionId, sessionPassword: first.sessionPassword, sessionTimeoutMs: 2_000 });
  extra.push(second);
  const secondStates: string[] = [];
  second.on('state', (s) => secondStates.push(s));
  await waitFor('the displaced handle to end', () => first.state === 'closed', 5_000);
  expect(first.closedBy?.code).toBe('SESSION_MOVED');
  await expect(first.getData('/owned')).rejects.toMatchObject({ code: 'CLOSED' });
  // The session lives on with the new handle, its ephemeral node too, and nothing bounces back.
  expect((await second.getData('/owned')).stat.ephemeralOwner).toBe(second.sessionId);
  await second.sync();
  expect(second.state).toBe('connected');
  expect(secondStates).toEqual([]);
  expect(firstStates).toEqual(['closed']);
});

it('backs off exponentially, with jitter, when a member accepts the session and drops it at once', async () => {
  // A member that answers connect and then ends the stream, for ever.
  const opened: number[] = [];
  const server = new Server();
  server.addService(COORD_SERVICE, {
    session: (call: ServerDuplexStream<ClientRequest, ServerFrame>) => {
      call.on('data', (request: ClientRequest) => {
        if (!request.connect) return;
        opened.push(performance.now());
        call.write({ response: { xid: 0, zxid: 1, connect: { sessionId: 77, timeoutMs: 10_000 } } });
        setTimeout(() => call.end(), 5);
      });
      call.on('error', () => undefined);
    },
    status: () => undefined,
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  // Jitter at its low end: each wait is exactly half its bound, so the sum below is a floor.
  const lowJitter: Random = { next: () => 0, int: () => 0 };
  const client = await CoordClient.connect({ servers: [`127.0.0.1:${port}`], sessionTimeoutMs: 10_000, random: lowJitter });
  try {
    await waitFor('seven connections', () => opened.length >= 7, 20_000);
    const gaps = opened.slice(1, 7).map((t, i) => t - opened[i]!);
    console.log(`reconnect gaps ms: ${gaps.map((g) => g.toFixed(0)).join(', ')}`);
    // Attempts 1..6 since the last stable link wait half their bound: 25·2^n ms, capped at 1 s.
    const floors = [25, 50, 100, 200, 400, 500];
    gaps.forEach((gap, i) => expect(gap, `gap ${i}`).toBeGreaterThanOrEqual(floors[i]! - 2));
  } finally {
    client.abandon();
    server.forceShutdown();
  }
});
