/**
 * Proves that deleting a column family deletes its data, as in HBase: after `deleteFamily` and a
 * later `addFamily` of the same name, neither flushed nor unflushed cells of the old family return.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../client/index.js';
import type { Connection } from '../../client/api.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';

let cluster: InProcessCluster | undefined;
let conn: Connection | undefined;
afterEach(async () => {
  await conn?.close();
  conn = undefined;
  await cluster?.close();
  cluster = undefined;
});

describe('deleting a column family', () => {
  it('removes its data: a family added again under the same name starts empty', async () => {
    cluster = await startInProcessCluster({ regionServers: 1 });
    conn = await connect({ coord: cluster.coordAddress, operationTimeoutMs: 20_000 });
    const admin = conn.admin();
    await admin.createTable({ name: 't', families: ['a', 'b'] });
    const t = conn.table('t');
    await t.put({ row: 'flushed', cells: [{ family: 'b', qualifier: 'q', value: 'old' }, { family: 'a', qualifier: 'q', value: 'keep' }] });
    await admin.flush({ table: 't' });
    await t.put({ row: 'unflushed', cells: [{ family: 'b', qualifier: 'q', value: 'old' }] });
    await admin.deleteFamily('t', 'b');
    await admin.addFamily('t', 'b');
    expect((await t.get({ row: 'flushed' })).string('b', 'q')).toBeUndefined();
    expect((await t.get({ row: 'unflushed' })).isEmpty).toBe(true);
    expect((await t.get({ row: 'flushed' })).string('a', 'q')).toBe('keep');
  });
});
