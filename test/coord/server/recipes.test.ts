/** Proves the recipes on a real one-member ensemble: leader election hands over in sequence order and signals lost leadership, group membership reports joins and session loss, and the lock excludes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnsemble, waitFor, type Ensemble } from '../../support/coord-ensemble.js';
import { DistributedLock, GroupMembership, LeaderElection } from '../../../coord/recipes/index.js';
import { createProtectedSequential } from '../../../coord/recipes/common.js';
import { BasaltError, ErrorCodes } from '../../../common/errors.js';
import type { CoordClient } from '../../../coord/client/index.js';

let ensemble: Ensemble;

beforeAll(async () => {
  ensemble = await startEnsemble(1);
});
afterAll(async () => {
  await ensemble?.close();
});

describe('leader election', () => {
  it('elects the first candidate, then the next when the leader resigns', async () => {
    const a = new LeaderElection(await ensemble.connect(), '/elect/one', 'a');
    const b = new LeaderElection(await ensemble.connect(), '/elect/one', 'b');
    await a.start();
    await b.start();
    expect(a.isLeader).toBe(true);
    expect(b.isLeader).toBe(false);
    expect(await b.leaderData()).toBe('a');
    const bElected = b.waitForLeadership();
    await a.resign();
    await bElected;
    expect(b.isLeader).toBe(true);
    expect(await a.leaderData()).toBe('b');
  });

  it('signals lost leadership when the leader client stops, and elects the successor once its session expires', async () => {
    const leaderClient = await ensemble.connect({ sessionTimeoutMs: 600 });
    const a = new LeaderElection(leaderClient, '/elect/two', 'a');
    const b = new LeaderElection(await ensemble.connect(), '/elect/two', 'b');
    await a.start();
    await b.start();
    expect(a.isLeader).toBe(true);
    const lost = new Promise<void>((resolve) => a.once('lost', resolve));
    // The leader's process freezes: no keep-alives reach the service any more.
    leaderClient.abandon();
    await lost;
    expect(a.isLeader).toBe(false);
    await b.waitForLeadership();
    expect(b.isLeader).toBe(true);
  });
});

describe('group membership', () => {
  it('reports joins and the departure of a member whose session ended', async () => {
    const watcher = new GroupMembership(await ensemble.connect(), '/groups/rs');
    const seen: string[][] = [];
    watcher.on('change', (m) => seen.push(m));
    expect(await watcher.watch()).toEqual([]);
    const member1 = await ensemble.connect();
    const member2 = await ensemble.connect();
    await new GroupMembership(member1, '/groups/rs').join('rs1', 'host1:1');
    await new GroupMembership(member2, '/groups/rs').join('rs2', 'host2:2');
    await waitFor('both members', () => seen.some((m) => m.join() === 'rs1,rs2'));
    expect(await watcher.membersWithData()).toEqual([
      { name: 'rs1', data: 'host1:1' },
      { name: 'rs2', data: 'host2:2' },
    ]);
    await member1.close();
    await waitFor('rs1 gone', () => seen.at(-1)?.join() === 'rs2');
  });
});

describe('distributed lock', () => {
  it('lets one holder in at a time, in request order', async () => {
    const first = new DistributedLock(await ensemble.connect(), '/locks/l');
    const second = new DistributedLock(await ensemble.connect(), '/locks/l');
    await first.acquire();
    let secondHeld = false;
    const secondAcquired = second.acquire().then(() => {
      secondHeld = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(secondHeld).toBe(false);
    await first.release();
    await secondAcquired;
    expect(second.isHeld).toBe(true);
    await second.release();
  });

  it('gives up with TIMEOUT and withdraws its place', async () => {
    const holder = new DistributedLock(await ensemble.connect(), '/locks/t');
    const waiterClient = await ensemble.connect();
    const waiter = new DistributedLock(waiterClient, '/locks/t');
    await holder.acquire();
    await expect(waiter.acquire(200)).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect((await waiterClient.getChildren('/locks/t')).children).toHaveLength(1);
    await holder.release();
  });
});

describe('protected sequential creates', () => {
  it('finds its own node when the create was applied but its answer was lost', async () => {
    const real = await ensemble.connect();
    await real.create('/protected');
    let failures = 0;
    // The first create reaches the service, but the client sees CONNECTION_LOSS (the stream broke).
    const flaky = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === 'create') {
          return async (...args: Parameters<CoordClient['create']>) => {
            const path = await target.create(...args);
            if (failures++ === 0) throw new BasaltError(ErrorCodes.CONNECTION_LOSS, 'answer lost');
            return path;
          };
        }
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const name = await createProtectedSequential(flaky, '/protected', 'n_', 'me');
    expect((await real.getChildren('/protected')).children).toEqual([name]);
    expect(name).toMatch(/^n_[0-9a-f-]{36}-\d{10}$/);
  });
});
