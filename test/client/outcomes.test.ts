/** Proves that an answer never lies about the outcome: when the server applied a write but its answer was lost, a put (same client timestamp) and an increment (same nonce) are resent and apply exactly once, while a newest-version delete is not resent and answers OUTCOME_UNKNOWN. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../common/errors.js';
import { connectCluster, type ClusterConnection } from '../../client/connection.js';
import type { Table } from '../../client/api.js';
import { FakeMaster, type FakeRegion } from './fake-master.js';
import { LossyProxy } from './lossy-proxy.js';

let master: FakeMaster;
let conn: ClusterConnection;
let table: Table;
let proxy: LossyProxy;
let region: FakeRegion;

beforeAll(async () => {
  master = await FakeMaster.start({ servers: 2 });
  [region] = await master.createTable('lossy', [{ name: 'cf', maxVersions: 5 }]);
  // Clients reach the region's server only through the proxy.
  proxy = await LossyProxy.start(master.servers[region!.server]!.address);
  await master.writeMetaRow(region!, 'OPEN', { address: proxy.address });
  conn = await connectCluster({ coord: master.coordAddress, operationTimeoutMs: 15_000, retryBaseDelayMs: 20, maxRetryDelayMs: 200 });
  table = conn.table('lossy');
  await table.put({ row: 'warm', cells: [{ family: 'cf', qualifier: 'q', value: 'up' }] });
});

afterAll(async () => {
  await conn?.close();
  await proxy?.close();
  await master?.close();
});

describe('a lost answer', () => {
  it('an increment is resent with its nonce and counts once', async () => {
    expect(await table.incrementColumnValue('counter', 'cf', 'n', 5)).toBe(5n);
    proxy.dropNextAnswer();
    expect(await table.incrementColumnValue('counter', 'cf', 'n', 1)).toBe(6n);
    expect(proxy.dropped).toBe(1);
    expect((await table.get({ row: 'counter' })).counter('cf', 'n')).toBe(6n);
  });

  it('a put is resent with the same timestamp: one version, not two', async () => {
    proxy.dropNextAnswer();
    await table.put({ row: 'p', cells: [{ family: 'cf', qualifier: 'q', value: 'once' }] });
    expect(proxy.dropped).toBe(2);
    const r = await table.get({ row: 'p', maxVersions: 5 });
    expect(r.versions('cf', 'q').map((c) => c.value.toString())).toEqual(['once']);
  });

  it('a delete of the newest version is not resent: OUTCOME_UNKNOWN, and only one version went', async () => {
    await table.put({ row: 'd', cells: [{ family: 'cf', qualifier: 'q', value: 'v1', timestamp: 1 }] });
    await table.put({ row: 'd', cells: [{ family: 'cf', qualifier: 'q', value: 'v2', timestamp: 2 }] });
    await table.put({ row: 'd', cells: [{ family: 'cf', qualifier: 'q', value: 'v3', timestamp: 3 }] });
    proxy.dropNextAnswer();
    const err = await table.delete({ row: 'd', columns: [{ family: 'cf', qualifier: 'q' }] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCodes.OUTCOME_UNKNOWN, details: { outcome: 'unknown' } });
    const r = await table.get({ row: 'd', maxVersions: 5 });
    expect(r.versions('cf', 'q').map((c) => c.value.toString())).toEqual(['v2', 'v1']);
  });

  it('a delete with a timestamp is resent: the same version either way', async () => {
    proxy.dropNextAnswer();
    await table.delete({ row: 'd', columns: [{ family: 'cf', qualifier: 'q', timestamp: 1 }] });
    const r = await table.get({ row: 'd', maxVersions: 5 });
    expect(r.versions('cf', 'q').map((c) => c.value.toString())).toEqual(['v2']);
  });
});
