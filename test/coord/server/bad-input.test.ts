/** Proves that bad input — invalid paths, oversized data, unknown or ended sessions, children under an ephemeral, bad versions — fails with a typed error naming the problem and leaves the tree unchanged. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnsemble, type Ensemble } from '../../support/coord-ensemble.js';
import { CoordClient } from '../../../coord/client/index.js';

let ensemble: Ensemble;
const MAX_DATA = 64 * 1024;

beforeAll(async () => {
  ensemble = await startEnsemble(1, { config: { maxDataBytes: MAX_DATA } });
});
afterAll(async () => {
  await ensemble?.close();
});

describe('bad input', () => {
  it('rejects invalid paths with INVALID_PATH naming the field, changing nothing', async () => {
    const client = await ensemble.connect();
    const before = (await client.getChildren('/')).children;
    for (const path of ['relative', '/trailing/', '/double//slash', '/dot/./x', '/dotdot/..', '', '/nul\u0000x']) {
      await expect(client.create(path, 'x'), path).rejects.toMatchObject({ code: 'INVALID_PATH', details: { field: 'path' } });
    }
    await expect(client.getData('no-slash')).rejects.toMatchObject({ code: 'INVALID_PATH' });
    await expect(client.multi([{ op: 'create', path: '/ok' }, { op: 'create', path: 'bad' }])).rejects.toMatchObject({ code: 'INVALID_PATH', details: { field: 'ops[1].path' } });
    expect((await client.getChildren('/')).children).toEqual(before);
  });

  it('rejects data over the limit with DATA_TOO_LARGE and keeps the old value', async () => {
    const client = await ensemble.connect();
    await client.create('/big', 'small');
    const stat = (await client.getData('/big')).stat;
    await expect(client.setData('/big', Buffer.alloc(MAX_DATA + 1))).rejects.toMatchObject({ code: 'DATA_TOO_LARGE', details: { field: 'data' } });
    await expect(client.create('/big2', Buffer.alloc(MAX_DATA + 1))).rejects.toMatchObject({ code: 'DATA_TOO_LARGE' });
    // Past the frame limit the client refuses before sending, and the stream stays up.
    await expect(client.setData('/big', Buffer.alloc(9 * 1024 * 1024))).rejects.toMatchObject({ code: 'REQUEST_TOO_LARGE' });
    const after = await client.getData('/big');
    expect(after.data.toString()).toBe('small');
    expect(after.stat.mzxid).toBe(stat.mzxid);
    expect(await client.exists('/big2')).toBeNull();
    expect(client.state).toBe('connected');
  });

  it('refuses to resume an unknown session (UNKNOWN_SESSION) and an ended one (SESSION_EXPIRED)', async () => {
    await expect(CoordClient.connect({ servers: ensemble.addresses, sessionId: 123_456_789, initialConnectTimeoutMs: 5_000 })).rejects.toMatchObject({ code: 'UNKNOWN_SESSION' });
    const client = await ensemble.connect();
    const ended = client.sessionId;
    await client.close();
    await expect(CoordClient.connect({ servers: ensemble.addresses, sessionId: ended, initialConnectTimeoutMs: 5_000 })).rejects.toMatchObject({ code: 'SESSION_EXPIRED' });
  });

  it('refuses children under an ephemeral node, deleting a parent with children, and bad versions', async () => {
    const client = await ensemble.connect();
    await client.create('/eph', '', { ephemeral: true });
    await expect(client.create('/eph/child')).rejects.toMatchObject({ code: 'NO_CHILDREN_FOR_EPHEMERALS' });
    await client.create('/parent');
    await client.create('/parent/child');
    await expect(client.delete('/parent')).rejects.toMatchObject({ code: 'NOT_EMPTY' });
    await expect(client.setData('/parent', 'x', -2)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'version' } });
    await expect(client.delete('/parent/child', 7)).rejects.toMatchObject({ code: 'BAD_VERSION' });
    expect((await client.getChildren('/eph')).children).toEqual([]);
    expect((await client.getChildren('/parent')).children).toEqual(['child']);
  });
});
