/**
 * Proves that table procedures survive the active master's death at every step: a master stopped
 * right before it persists step N of a create/disable/enable/truncate/delete is replaced by a
 * standby that resumes the procedure from what was persisted, ending with exactly one complete,
 * consistent table (or none, for delete) and the client's procedure poll answered by the new master.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Master } from '../../master/master.js';
import type { ProcedureRecord } from '../../master/procedures/store.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';

let cluster: InProcessCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** A cluster whose first master stops itself just before persisting `step` of a procedure of `type`. */
async function clusterDyingAt(type: string, step: string): Promise<{ c: InProcessCluster; doomed: Master }> {
  const c = await startInProcessCluster({ regionServers: 2, masters: 0 });
  let doomed!: Master;
  let fired = false;
  doomed = await c.addMaster({
    beforeCheckpoint: async (record: ProcedureRecord, next: string) => {
      if (!fired && record.type === type && next === step) {
        fired = true;
        await doomed.stop();
      }
    },
  });
  await c.activeMaster();
  await c.addMaster();
  return { c, doomed };
}

const family = { name: 'cf', maxVersions: 1 };

describe('procedures resume on the next master', () => {
  for (const step of ['meta', 'assign', 'enable']) {
    it(`createTable interrupted before step '${step}' ends as one complete table`, async () => {
      const { c, doomed } = await clusterDyingAt('createTable', step);
      cluster = c;
      const { procedureId } = await c.call('CreateTable', { descriptor: { name: 't', families: [family] }, numRegions: 4 }, doomed);
      await doomed.stopped;
      const next = await c.activeMaster();
      expect(next).not.toBe(doomed);
      await c.waitProcedure(procedureId, next);
      const { regions } = await c.call('ListRegions', { table: 't' });
      expect(regions).toHaveLength(4);
      expect(regions.every((r) => r.state === 'OPEN')).toBe(true);
      expect((await c.call('DescribeTable', { name: 't' })).state).toBe('ENABLED');
      const { tables } = await c.call('ListTables', {});
      expect(tables.map((t) => t.descriptor?.name)).toEqual(['default:t']);
    });
  }

  for (const [type, step] of [
    ['disableTable', 'unassign'],
    ['disableTable', 'done'],
    ['truncateTable', 'clear'],
    ['truncateTable', 'assign'],
    ['deleteTable', 'descriptor'],
  ] as const) {
    it(`${type} interrupted before step '${step}' is completed by the standby`, async () => {
      const { c, doomed } = await clusterDyingAt(type, step);
      cluster = c;
      const run = async (p: Promise<{ procedureId: number }>, m?: Master) => c.waitProcedure((await p).procedureId, m);
      await run(c.call('CreateTable', { descriptor: { name: 't', families: [family] }, numRegions: 3 }, doomed), doomed);
      if (type !== 'disableTable') await run(c.call('DisableTable', { name: 't' }, doomed), doomed);
      const method = type === 'disableTable' ? 'DisableTable' : type === 'truncateTable' ? 'TruncateTable' : 'DeleteTable';
      const { procedureId } = await c.call(method, { name: 't', preserveSplits: true } as never, doomed);
      await doomed.stopped;
      const next = await c.activeMaster();
      await c.waitProcedure(procedureId, next);
      if (type === 'deleteTable') {
        expect((await c.call('TableExists', { name: 't' })).exists).toBe(false);
        expect((await c.call('ListRegions', { table: 't' })).regions).toEqual([]);
      } else {
        const { regions } = await c.call('ListRegions', { table: 't' });
        expect(regions).toHaveLength(3);
        const expected = type === 'disableTable' ? 'CLOSED' : 'OPEN';
        expect(regions.map((r) => r.state)).toEqual([expected, expected, expected]);
        expect((await c.call('DescribeTable', { name: 't' })).state).toBe(type === 'disableTable' ? 'DISABLED' : 'ENABLED');
      }
    });
  }
});
