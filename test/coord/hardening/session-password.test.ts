/** Proves that knowing a session id is not enough to resume the session: the resume must present the password handed out when the session was created, and a wrong or missing one ends that handle as expired while the owner keeps its session (issue 7, defect 12). */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEnsemble, type Ensemble } from '../../support/coord-ensemble.js';
import { CoordClient } from '../../../coord/client/index.js';

let ensemble: Ensemble;
beforeAll(async () => {
  ensemble = await startEnsemble(1);
});
afterAll(async () => {
  await ensemble?.close();
});

it('refuses to resume a session without its password or with a wrong one, and the owner keeps it', async () => {
  const owner = await ensemble.connect();
  await owner.create('/mine', 'x', { ephemeral: true });
  expect(owner.sessionPassword.byteLength).toBe(16);
  const options = { servers: ensemble.addresses, sessionId: owner.sessionId, initialConnectTimeoutMs: 5_000 };
  await expect(CoordClient.connect(options)).rejects.toMatchObject({ code: 'SESSION_EXPIRED', details: { field: 'sessionPassword' } });
  const wrong = Buffer.from(owner.sessionPassword);
  wrong[0]! ^= 1;
  await expect(CoordClient.connect({ ...options, sessionPassword: wrong })).rejects.toMatchObject({ code: 'SESSION_EXPIRED', details: { field: 'sessionPassword' } });
  expect(owner.state).toBe('connected');
  expect((await owner.getData('/mine')).stat.ephemeralOwner).toBe(owner.sessionId);
});

it('resumes a session with its password, which survives in the snapshot', async () => {
  const owner = await ensemble.connect();
  const resumed = await CoordClient.connect({ servers: ensemble.addresses, sessionId: owner.sessionId, sessionPassword: owner.sessionPassword, initialConnectTimeoutMs: 5_000 });
  try {
    expect(resumed.sessionId).toBe(owner.sessionId);
    expect(resumed.sessionPassword.equals(owner.sessionPassword)).toBe(true);
    const snapshot = ensemble.servers[0]!.coordMember!.stateMachine().liveSessions().find((s) => s.sessionId === owner.sessionId);
    expect(Buffer.from(snapshot!.password!).equals(owner.sessionPassword)).toBe(true);
  } finally {
    resumed.abandon();
  }
});
