/**
 * Proves that assignment never opens a region on a second server while the server it was last
 * sent to may still be opening it: a master that takes over an assign whose OpenRegion is still
 * running on a slow region server waits for that open instead of opening the region elsewhere.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BasaltError, ErrorCodes } from '../../common/errors.js';
import { META_ENCODED_NAME } from '../../common/meta.js';
import { mergeProcedureData } from '../../master/procedures/split-merge.js';
import type { OpenRegionParams, RegionOpener } from '../../regionserver/server/region-port.js';
import type { RegionServerDaemon } from '../../regionserver/server/daemon.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';

let cluster: InProcessCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Holds the first open of `region` on any of `servers` until `release()`, and any later open of it
 * until the first one finished: the slow open completes while the later one is under way.
 */
function gateFirstOpen(servers: RegionServerDaemon[], region: string) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let firstDone!: () => void;
  const first = new Promise<void>((resolve) => (firstDone = resolve));
  let reached: string | undefined;
  for (const rs of servers) {
    const options = (rs.server as unknown as { options: { openRegion: RegionOpener } }).options;
    const real = options.openRegion;
    options.openRegion = async (params: OpenRegionParams) => {
      if (params.info.encodedName !== region) return real(params);
      if (reached !== undefined) {
        await first;
        return real(params);
      }
      reached = rs.server.serverName;
      await gate;
      try {
        return await real(params);
      } finally {
        firstDone();
      }
    };
  }
  return { release, reached: () => reached };
}

function holders(c: InProcessCluster, region: string): string[] {
  return c.regionServers.filter((rs) => (rs.server.onlineRegions().regions ?? []).some((r) => r.info?.encodedName === region)).map((rs) => rs.server.serverName);
}

describe('assignment races', () => {
  it('a new master waits for an open still running on a live server instead of opening the region on another one', async () => {
    const c = (cluster = await startInProcessCluster({ regionServers: 3, masters: 0 }));
    const first = await c.addMaster();
    await c.activeMaster();
    const { procedureId } = await c.call('CreateTable', { descriptor: { name: 't', families: [{ name: 'cf', maxVersions: 1 }] } });
    await c.waitProcedure(procedureId);
    const region = first.active!.states.ofTable('default:t')[0]!.region.encodedName;
    await first.active!.am.unassign(region);
    expect(holders(c, region)).toEqual([]);

    const gate = gateFirstOpen(c.regionServers, region);
    try {
      await first.active!.submit('assign', region, { region, table: 'default:t' }, 'assign');
      while (!gate.reached()) await sleep(10);
      await first.stop(); // dies with the OpenRegion still running on the slow server

      await c.addMaster();
      const second = await c.activeMaster();
      // Give the resumed assign time to (wrongly) open the region elsewhere, then let the slow open end.
      for (let i = 0; i < 60 && second.active!.executor.running().length > 0; i++) await sleep(50);
      gate.release();
      while (second.active!.executor.running().length > 0 || second.active!.states.get(region)?.state !== 'OPEN') await sleep(20);

      const node = second.active!.states.get(region)!;
      expect(holders(c, region)).toEqual([node.serverName]);
    } finally {
      gate.release();
    }
  });

  it('an alter whose region server dies between closing a region and reopening it opens the region on another server', async () => {
    const c = (cluster = await startInProcessCluster({ regionServers: 3, masters: 1 }));
    const master = await c.activeMaster();
    const cf = { name: 'cf', maxVersions: 1 };
    const { procedureId } = await c.call('CreateTable', { descriptor: { name: 't', families: [cf] } });
    await c.waitProcedure(procedureId);
    const node = master.active!.states.ofTable('default:t')[0]!;
    const region = node.region.encodedName;
    const doomed = c.regionServers.find((rs) => rs.server.serverName === node.serverName)!;
    expect(master.active!.states.get(META_ENCODED_NAME)?.serverName ?? '').not.toBe(node.serverName);
    // The holder stops on its own right after it closed the region for the reopen.
    const realClose = doomed.server.closeRegion.bind(doomed.server);
    doomed.server.closeRegion = async (name, options) => {
      await realClose(name, options);
      if (name === region) void doomed.stop();
    };

    const alter = await c.call('ModifyTable', { descriptor: { name: 't', families: [cf, { name: 'cf2', maxVersions: 1 }] } });
    await c.waitProcedure(alter.procedureId);
    await doomed.stopped;

    const after = master.active!.states.get(region)!;
    expect(after.state).toBe('OPEN');
    expect(after.serverName).not.toBe(node.serverName);
    expect(holders(c, region)).toEqual([after.serverName]);
  });

  it('a merge whose second parent cannot be opened (to be closed flushed) fails and reopens the first parent', async () => {
    const c = (cluster = await startInProcessCluster({ regionServers: 2, masters: 1 }));
    const master = await c.activeMaster();
    const { procedureId } = await c.call('CreateTable', { descriptor: { name: 't', families: [{ name: 'cf', maxVersions: 1 }] }, splitKeys: [Buffer.from('m')] });
    await c.waitProcedure(procedureId);
    const active = master.active!;
    const a = active.states.ofTable('default:t')[0]!;
    const b = active.states.ofTable('default:t')[1]!;
    await active.am.unassign(b.region.encodedName);
    // b cannot open anywhere from now on (as with a corrupt file).
    for (const rs of c.regionServers) {
      const options = (rs.server as unknown as { options: { openRegion: RegionOpener } }).options;
      const real = options.openRegion;
      options.openRegion = async (params: OpenRegionParams) => {
        if (params.info.encodedName === b.region.encodedName) throw new BasaltError(ErrorCodes.CORRUPT_STORE_FILE, 'injected: cannot open');
        return real(params);
      };
    }

    const record = await active.submit('merge', a.region.encodedName, mergeProcedureData(a, active.states.get(b.region.encodedName)!, Date.now()), 'prepare');
    const ended = await active.executor.waitFor(record.id);
    expect(ended.state).toBe('FAILED');
    const first = active.states.get(a.region.encodedName)!;
    expect(first.state).toBe('OPEN');
    expect(holders(c, a.region.encodedName)).toEqual([first.serverName]);
    expect(active.states.ofTable('default:t').map((n) => n.region.encodedName)).toEqual([a.region.encodedName, b.region.encodedName]);
  });

  it('a region whose close fails on its server (it keeps serving) is recorded OPEN again, not left CLOSING', async () => {
    const c = (cluster = await startInProcessCluster({ regionServers: 2, masters: 1 }));
    const master = await c.activeMaster();
    const { procedureId } = await c.call('CreateTable', { descriptor: { name: 't', families: [{ name: 'cf', maxVersions: 1 }] } });
    await c.waitProcedure(procedureId);
    const node = master.active!.states.ofTable('default:t')[0]!;
    const holder = c.regionServers.find((rs) => rs.server.serverName === node.serverName)!;
    // The flush of the close fails once; the server puts the region back in service (as RegionServer.closeRegion does).
    const realClose = holder.server.closeRegion.bind(holder.server);
    let failed = false;
    holder.server.closeRegion = async (name, options) => {
      if (name === node.region.encodedName && !failed) {
        failed = true;
        throw new BasaltError(ErrorCodes.INTERNAL, 'injected: the flush of the close failed');
      }
      return realClose(name, options);
    };

    const disable = await c.call('DisableTable', { name: 't' });
    await expect(c.waitProcedure(disable.procedureId)).rejects.toMatchObject({ code: ErrorCodes.INTERNAL });
    expect(failed).toBe(true);
    const after = master.active!.states.get(node.region.encodedName)!;
    expect(after).toMatchObject({ state: 'OPEN', serverName: node.serverName, openEpoch: node.openEpoch });
    expect(holders(c, node.region.encodedName)).toEqual([node.serverName]);

    // Disabling again succeeds once the close works.
    const again = await c.call('DisableTable', { name: 't' });
    await c.waitProcedure(again.procedureId);
    expect(master.active!.states.get(node.region.encodedName)?.state).toBe('CLOSED');
  });

  it('a move whose OPEN meta write is refused once by a briefly fenced meta server ends OPEN on the target, not FAILED_OPEN', async () => {
    const c = (cluster = await startInProcessCluster({ regionServers: 3, masters: 1 }));
    const master = await c.activeMaster();
    const { procedureId } = await c.call('CreateTable', { descriptor: { name: 't', families: [{ name: 'cf', maxVersions: 1 }] } });
    await c.waitProcedure(procedureId);
    const active = master.active!;
    const node = active.states.ofTable('default:t')[0]!;
    const region = node.region.encodedName;
    const target = active.servers.liveServers().find((s) => s.serverName !== node.serverName)!.serverName;
    const realWrite = active.meta.write.bind(active.meta);
    let refused = 0;
    active.meta.write = async (n) => {
      if (n.region.encodedName === region && n.state === 'OPEN' && refused++ === 0) {
        throw new BasaltError(ErrorCodes.FENCED, 'this region server cannot prove its coordination lease; writes are refused');
      }
      return realWrite(n);
    };

    const move = await c.call('Move', { region, server: target });
    await c.waitProcedure(move.procedureId);
    expect(refused).toBeGreaterThan(1);
    const after = active.states.get(region)!;
    expect(after).toMatchObject({ state: 'OPEN', serverName: target });
    expect(holders(c, region)).toEqual([target]);
  });
});
