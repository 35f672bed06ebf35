/**
 * Proves the master end to end on real sockets and files: election, meta assignment, table DDL as
 * persisted procedures, region placement, the meta rows clients route by, and failover to a
 * standby that carries on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CellType } from '../../common/cell.js';
import { META_ENCODED_NAME, META_FAMILY, metaRowFromCells, metaSearchKey, metaTableStart } from '../../common/meta.js';
import { RegionServerClient } from '../../client/rpc/region-server-client.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';

let cluster: InProcessCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

const family = (name: string) => ({ name, maxVersions: 1 });

async function locate(c: InProcessCluster, table: string, row: string) {
  const meta = await c.call('ListRegions', { table: 'basalt:meta' });
  const address = meta.regions[0]!.address!;
  const client = new RegionServerClient({ address });
  try {
    const scanner = client.scan(META_ENCODED_NAME, {
      startRow: metaSearchKey(table, Buffer.from(row)),
      stopRow: metaTableStart(table),
      reversed: true,
      limit: 1,
      columns: [{ family: META_FAMILY }],
    });
    for await (const r of scanner) return metaRowFromCells(r.cells);
    return undefined;
  } finally {
    client.close();
  }
}

describe('master', () => {
  it('opens meta, creates a pre-split table spread over the servers, and publishes every region in meta', async () => {
    cluster = await startInProcessCluster({ regionServers: 2 });
    const { procedureId } = await cluster.call('CreateTable', { descriptor: { name: 'users', families: [family('cf')] }, splitKeys: [Buffer.from('g'), Buffer.from('p')] });
    await cluster.waitProcedure(procedureId);
    const { regions } = await cluster.call('ListRegions', { table: 'users' });
    expect(regions.map((r) => Buffer.from(r.info!.startKey!).toString())).toEqual(['', 'g', 'p']);
    expect(regions.every((r) => r.state === 'OPEN')).toBe(true);
    const perServer = new Set(regions.map((r) => r.serverName));
    expect(perServer.size).toBe(2);

    // Route a write by meta, as a client does, and read it back.
    const loc = await locate(cluster, 'default:users', 'k');
    expect(loc?.region.startKey.toString()).toBe('g');
    expect(loc?.state).toBe('OPEN');
    const client = new RegionServerClient({ address: loc!.address });
    await client.mutate(loc!.region.encodedName, { row: Buffer.from('k'), cells: [{ family: 'cf', qualifier: Buffer.from('q'), type: CellType.Put, value: Buffer.from('v') }] });
    const got = await client.get(loc!.region.encodedName, { row: Buffer.from('k') });
    client.close();
    expect(got?.cells[0]?.value.toString()).toBe('v');

    const info = await cluster.call('DescribeTable', { name: 'users' });
    expect(info.state).toBe('ENABLED');
    expect(info.descriptor?.name).toBe('default:users');
  });

  it('refuses bad DDL with typed errors and changes nothing', async () => {
    cluster = await startInProcessCluster({ regionServers: 1 });
    await expect(cluster.call('CreateTable', { descriptor: { name: '.bad', families: [family('cf')] } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(cluster.call('CreateTable', { descriptor: { name: 't', families: [] } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(cluster.call('CreateTable', { descriptor: { name: 'nons:t', families: [family('cf')] } })).rejects.toMatchObject({ code: 'NAMESPACE_NOT_FOUND' });
    await expect(cluster.call('DeleteTable', { name: 'missing' })).rejects.toMatchObject({ code: 'TABLE_NOT_FOUND' });
    const { procedureId } = await cluster.call('CreateTable', { descriptor: { name: 't', families: [family('cf')] } });
    await cluster.waitProcedure(procedureId);
    await expect(cluster.call('CreateTable', { descriptor: { name: 't', families: [family('cf')] } })).rejects.toMatchObject({ code: 'TABLE_EXISTS' });
    await expect(cluster.call('DeleteTable', { name: 't' })).rejects.toMatchObject({ code: 'TABLE_NOT_DISABLED' });
    const { tables } = await cluster.call('ListTables', {});
    expect(tables.map((t) => t.descriptor?.name)).toEqual(['default:t']);
  });

  it('disables, enables, truncates, alters and deletes a table', async () => {
    cluster = await startInProcessCluster({ regionServers: 2 });
    const c = cluster;
    const run = async (p: Promise<{ procedureId: number }>) => c.waitProcedure((await p).procedureId);
    await run(c.call('CreateTable', { descriptor: { name: 't', families: [family('a')] }, numRegions: 4 }));
    await run(c.call('DisableTable', { name: 't' }));
    expect((await c.call('ListRegions', { table: 't' })).regions.every((r) => r.state === 'CLOSED')).toBe(true);
    await run(c.call('EnableTable', { name: 't' }));
    expect((await c.call('ListRegions', { table: 't' })).regions.every((r) => r.state === 'OPEN')).toBe(true);
    await run(c.call('ModifyTable', { descriptor: { name: 't', families: [family('a'), family('b')] } }));
    expect((await c.call('DescribeTable', { name: 't' })).descriptor?.families?.map((f) => f.name)).toEqual(['a', 'b']);
    await run(c.call('DisableTable', { name: 't' }));
    await run(c.call('TruncateTable', { name: 't', preserveSplits: true }));
    const after = (await c.call('ListRegions', { table: 't' })).regions;
    expect(after).toHaveLength(4);
    expect(after.every((r) => r.state === 'OPEN')).toBe(true);
    await run(c.call('DisableTable', { name: 't' }));
    await run(c.call('DeleteTable', { name: 't' }));
    expect((await c.call('TableExists', { name: 't' })).exists).toBe(false);
    expect((await c.call('ListRegions', { table: 't' })).regions).toHaveLength(0);
  });

  it('a standby takes over when the active master stops and keeps serving admin calls', async () => {
    cluster = await startInProcessCluster({ regionServers: 2, masters: 2 });
    const first = await cluster.activeMaster();
    const standby = cluster.masters.find((m) => m !== first)!;
    await expect(cluster.call('ListTables', {}, standby)).rejects.toMatchObject({ code: 'MASTER_NOT_RUNNING' });
    const { procedureId } = await cluster.call('CreateTable', { descriptor: { name: 't', families: [family('cf')] }, numRegions: 3 });
    await cluster.waitProcedure(procedureId);
    await first.stop();
    const second = await cluster.activeMaster();
    expect(second).toBe(standby);
    const { regions } = await cluster.call('ListRegions', { table: 't' });
    expect(regions).toHaveLength(3);
    expect(regions.every((r) => r.state === 'OPEN')).toBe(true);
    const status = await cluster.call('ClusterStatus', {});
    expect(status.liveServers).toHaveLength(2);
    expect(status.master).toBe(second.serverName);
  });
});
