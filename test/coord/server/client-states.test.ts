/** Proves the client's connection states: suspended when the stream breaks, lost once the session timeout passes without a keep-alive, connected again with the same session when the service comes back (a restarted leader extends every session), and expired when the service says so. */
import { afterEach, expect, it } from 'vitest';
import { startEnsemble, waitFor, type Ensemble } from '../../support/coord-ensemble.js';
import type { ConnectionState } from '../../../coord/client/index.js';

let ensemble: Ensemble | undefined;
afterEach(async () => {
  await ensemble?.close();
  ensemble = undefined;
});

it('goes suspended, then lost, then connected with the same session and its ephemeral node', async () => {
  ensemble = await startEnsemble(1, { lmdbDirPrefix: 'basalt-coord-states-' });
  const client = await ensemble.connect({ sessionTimeoutMs: 2_000 });
  const sessionId = client.sessionId;
  await client.create('/mine', '', { ephemeral: true });
  const states: Array<ConnectionState | 'lost'> = [];
  client.on('state', (s) => states.push(s));
  client.on('lost', () => states.push('lost'));
  const ackedBefore = client.lastAckedKeepAliveMs;
  expect(ackedBefore).toBeGreaterThan(0);

  await ensemble.stop(0);
  await waitFor('lost', () => states.includes('lost'), 10_000);
  expect(states.slice(0, 2)).toEqual(['suspended', 'lost']);
  // No keep-alive was acknowledged while the service was away: a lease holder would have fenced itself.
  expect(client.lastAckedKeepAliveMs).toBe(ackedBefore);

  await ensemble.restart(0);
  await waitFor('connected again', () => {
    if (client.state === 'expired') throw new Error(`session expired instead of resuming: ${client.expiredBy?.message}`);
    return client.state === 'connected';
  }, 15_000);
  expect(client.sessionId).toBe(sessionId);
  expect((await client.exists('/mine'))?.ephemeralOwner).toBe(sessionId);
  expect(client.lastAckedKeepAliveMs).toBeGreaterThan(ackedBefore);
});

it('reports expired when the service has ended the session, and fails calls with SESSION_EXPIRED', async () => {
  ensemble = await startEnsemble(1);
  const client = await ensemble.connect({ sessionTimeoutMs: 1_000 });
  const admin = await ensemble.connect();
  const expired = new Promise<void>((resolve) => client.once('expired', resolve));
  // End the session behind the client's back, as the leader's expiry would.
  const member = ensemble.servers[0]!.coordMember!;
  await member.propose({ type: 'expireSessions', sessionIds: [client.sessionId], nowMs: Date.now() });
  await expired;
  expect(client.state).toBe('expired');
  await expect(client.getData('/')).rejects.toMatchObject({ code: 'SESSION_EXPIRED' });
  expect((await admin.getChildren('/')).children).toBeDefined();
});
