/**
 * Proves that a master which may have lost its coordination lease (a process paused past its
 * session, e.g. SIGSTOP, that wakes up before its connection noticed anything) changes no
 * assignment: no meta write and no CloseRegion/OpenRegion reach a region server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../common/clock.js';
import { ErrorCodes } from '../../common/errors.js';
import { Master } from '../../master/master.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';

let cluster: InProcessCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** The system clock, whose monotonic time can jump forward as it does for a process resumed after a pause. */
class PausableClock implements Clock {
  private offsetMs = 0;
  now(): number {
    return Date.now();
  }
  monotonic(): number {
    return performance.now() + this.offsetMs;
  }
  /** What the process sees on waking from a pause of `ms`: time moved on, and nothing ran meanwhile. */
  pause(ms: number): void {
    this.offsetMs += ms;
  }
}

describe('a master without a provable lease', () => {
  it('refuses to close a region right after waking from a pause longer than its session, though its connection still looks connected', async () => {
    const c = (cluster = await startInProcessCluster({ regionServers: 2, masters: 0 }));
    const clock = new PausableClock();
    const master = await Master.start({ coord: [c.coordAddress], port: 0, config: c.config, loadPeriodMs: 500, clock });
    c.masters.push(master);
    await c.activeMaster();
    const { procedureId } = await c.call('CreateTable', { descriptor: { name: 't', families: [{ name: 'cf', maxVersions: 1 }] } });
    await c.waitProcedure(procedureId);
    const active = master.active!;
    const [node] = active.states.ofTable('default:t');
    expect(node?.state).toBe('OPEN');
    const holder = c.regionServers.find((rs) => rs.server.serverName === node!.serverName)!;

    clock.pause(c.config.master.sessionTimeoutMs + 500);
    // Synchronously on waking, before any timer or socket callback of the coordination client ran.
    const attempt = active.am.unassign(node!.region.encodedName);
    await expect(attempt).rejects.toMatchObject({ code: ErrorCodes.UNAVAILABLE });

    expect(active.states.get(node!.region.encodedName)?.state).toBe('OPEN');
    const online = holder.server.onlineRegions().regions?.map((r) => r.info?.encodedName);
    expect(online).toContain(node!.region.encodedName);
  });
});
