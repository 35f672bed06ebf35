/** Proves Admin and Table against the real master (in-process cluster on real sockets and files): DDL as procedures the client waits for, routing by the meta rows the master writes, moves during a scan, and typed refusals. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../common/errors.js';
import { connectCluster, type ClusterConnection } from '../../client/connection.js';
import type { Admin } from '../../client/api.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';

let cluster: InProcessCluster;
let conn: ClusterConnection;
let admin: Admin;

beforeAll(async () => {
  cluster = await startInProcessCluster({ regionServers: 2 });
  await cluster.activeMaster();
  conn = await connectCluster({ coord: cluster.coordAddress, operationTimeoutMs: 30_000, retryBaseDelayMs: 20, maxRetryDelayMs: 300 });
  admin = conn.admin();
});

afterAll(async () => {
  await conn?.close();
  await cluster?.close();
});

const ROWS = Array.from({ length: 40 }, (_, i) => `u${String(i).padStart(2, '0')}`);

describe('tables through the master', () => {
  it('creates a pre-split table, writes and reads through every region, and scans it in order', async () => {
    await admin.createTable({ name: 'users', families: [{ name: 'cf', versions: 3 }, 'extra'], splits: ['u10', 'u20', 'u30'] });
    expect(await admin.tableExists('users')).toBe(true);
    expect(await admin.isTableEnabled('users')).toBe(true);
    const description = await admin.describeTable('users');
    expect(description.name).toBe('default:users');
    expect(description.families.map((f) => [f.name, f.versions])).toEqual([
      ['cf', 3],
      ['extra', 1],
    ]);
    expect((await admin.getSplits('users')).map((k) => k.toString())).toEqual(['u10', 'u20', 'u30']);
    const regions = await admin.listRegions('users');
    expect(regions).toHaveLength(4);
    expect(new Set(regions.map((r) => r.address)).size).toBe(2);

    const users = conn.table('users');
    await users.put(ROWS.map((row) => ({ row, cells: [{ family: 'cf', qualifier: 'name', value: `name-${row}` }] })));
    for (const row of ['u00', 'u15', 'u25', 'u39']) expect((await users.get({ row })).string('cf', 'name')).toBe(`name-${row}`);
    const scanned: string[] = [];
    for await (const r of users.scan({ caching: 6 })) scanned.push(r.row.toString());
    expect(scanned).toEqual(ROWS);
    const back: string[] = [];
    for await (const r of users.scan({ reversed: true, limit: 15 })) back.push(r.row.toString());
    expect(back).toEqual(ROWS.slice().reverse().slice(0, 15));
  });

  it('a whole-row delete covers every family of the descriptor', async () => {
    const users = conn.table('users');
    await users.put({ row: 'u05', cells: [{ family: 'extra', qualifier: 'x', value: '1' }] });
    await users.delete({ row: 'u05' });
    expect((await users.get({ row: 'u05' })).isEmpty).toBe(true);
  });

  it('a scan finishes without gaps or duplicates while the master moves regions under it', async () => {
    const users = conn.table('users');
    const regions = await admin.listRegions('users');
    const rows: string[] = [];
    for await (const r of users.scan({ caching: 3 })) {
      rows.push(r.row.toString());
      if (rows.length === 4) await admin.move(regions[0]!.encodedName);
      if (rows.length === 16) await admin.move(regions[1]!.encodedName);
    }
    expect(rows).toEqual(ROWS.filter((r) => r !== 'u05'));
    const after = await admin.listRegions('users');
    expect(after[0]!.address).not.toBe(regions[0]!.address);
  });

  it('alters a live table: a new family takes writes', async () => {
    await admin.addFamily('users', { name: 'more', versions: 2 });
    const users = conn.table('users');
    await users.put({ row: 'u11', cells: [{ family: 'more', qualifier: 'm', value: 'v' }] });
    expect((await users.get({ row: 'u11', columns: ['more'] })).string('more', 'm')).toBe('v');
    await admin.deleteFamily('users', 'more');
    expect((await admin.describeTable('users')).families.map((f) => f.name)).toEqual(['cf', 'extra']);
  });

  it('disable refuses data calls with TABLE_DISABLED; enable serves them again; truncate keeps the splits', async () => {
    const users = conn.table('users');
    await admin.disableTable('users');
    expect(await admin.isTableDisabled('users')).toBe(true);
    await expect(users.get({ row: 'u01' })).rejects.toMatchObject({ code: ErrorCodes.TABLE_DISABLED });
    await admin.enableTable('users');
    expect((await users.get({ row: 'u01' })).string('cf', 'name')).toBe('name-u01');
    await admin.disableTable('users');
    await admin.truncateTable('users', { preserveSplits: true });
    expect(await admin.isTableEnabled('users')).toBe(true);
    expect((await admin.getSplits('users')).map((k) => k.toString())).toEqual(['u10', 'u20', 'u30']);
    expect((await users.get({ row: 'u01' })).isEmpty).toBe(true);
    await users.put({ row: 'u01', cells: [{ family: 'cf', qualifier: 'name', value: 'again' }] });
    expect((await users.get({ row: 'u01' })).string('cf', 'name')).toBe('again');
  });

  it('refuses bad DDL with typed errors', async () => {
    await expect(admin.createTable({ name: 'users', families: ['cf'] })).rejects.toMatchObject({ code: ErrorCodes.TABLE_EXISTS });
    await expect(admin.createTable({ name: '.bad', families: ['cf'] })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
    await expect(admin.createTable({ name: 'x', families: [] })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT, details: { field: 'families' } });
    await expect(admin.deleteTable('users')).rejects.toMatchObject({ code: ErrorCodes.TABLE_NOT_DISABLED });
    await expect(admin.describeTable('missing')).rejects.toMatchObject({ code: ErrorCodes.TABLE_NOT_FOUND });
    await expect(conn.table('missing').get({ row: 'a' })).rejects.toMatchObject({ code: ErrorCodes.TABLE_NOT_FOUND });
  });

  it('namespaces, listing and cluster status', async () => {
    await admin.createNamespace('ns1', { owner: 'me' });
    expect(await admin.describeNamespace('ns1')).toEqual({ name: 'ns1', properties: { owner: 'me' } });
    await admin.createTable({ name: 'ns1:t', families: ['f'] });
    expect((await admin.listNamespaceTables('ns1')).map((t) => t.name)).toEqual(['ns1:t']);
    expect((await admin.listTables()).map((t) => t.name).sort()).toEqual(['default:users', 'ns1:t']);
    // The pattern matches the whole name, as HBase's.
    expect((await admin.listTables({ pattern: /ns1:.*/ })).map((t) => t.name)).toEqual(['ns1:t']);
    await conn.table('ns1:t').put({ row: 'r', cells: [{ family: 'f', qualifier: 'q', value: 'v' }] });
    await admin.disableTable('ns1:t');
    await admin.deleteTable('ns1:t');
    expect(await admin.tableExists('ns1:t')).toBe(false);
    await expect(conn.table('ns1:t').get({ row: 'r' })).rejects.toMatchObject({ code: ErrorCodes.TABLE_NOT_FOUND });
    await admin.deleteNamespace('ns1');
    expect((await admin.listNamespaces()).map((n) => n.name)).not.toContain('ns1');
    const status = await admin.clusterStatus();
    expect(status.liveServers).toHaveLength(2);
    expect(status.master).not.toBe('');
    expect(status.tableCount).toBeGreaterThanOrEqual(1);
  });

  it('keeps working through a master failover: the client re-reads /basalt/master and the standby answers', async () => {
    const standby = await cluster.addMaster();
    const active = await cluster.activeMaster();
    expect(active).not.toBe(standby);
    await admin.listTables();
    await active.stop();
    await admin.createTable({ name: 'after_failover', families: ['cf'], splits: ['m'] });
    expect((await admin.listRegions('after_failover')).every((r) => r.state === 'OPEN')).toBe(true);
    const t = conn.table('after_failover');
    await t.put({ row: 'z', cells: [{ family: 'cf', qualifier: 'q', value: 'v' }] });
    expect((await t.get({ row: 'z' })).string('cf', 'q')).toBe('v');
    expect((await admin.clusterStatus()).master).toContain(standby.address.split(':')[1]!);
  });
});
