/** Proves a one-member ensemble serves the ZooKeeper API over one session stream: CRUD, CAS, sequential and ephemeral nodes, watches, multi. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnsemble, waitFor, type Ensemble } from '../../support/coord-ensemble.js';
import type { WatchedEvent } from '../../../coord/client/index.js';

let ensemble: Ensemble;

beforeAll(async () => {
  ensemble = await startEnsemble(1);
});
afterAll(async () => {
  await ensemble?.close();
});

describe('a one-member ensemble', () => {
  it('creates, reads, updates with CAS and deletes a znode', async () => {
    const client = await ensemble.connect();
    expect(await client.create('/a', 'one')).toBe('/a');
    const got = await client.getData('/a');
    expect(got.data.toString()).toBe('one');
    expect(got.stat.version).toBe(0);
    const stat = await client.setData('/a', 'two', 0);
    expect(stat.version).toBe(1);
    await expect(client.setData('/a', 'three', 0)).rejects.toMatchObject({ code: 'BAD_VERSION' });
    expect((await client.getData('/a')).data.toString()).toBe('two');
    await client.delete('/a', 1);
    expect(await client.exists('/a')).toBeNull();
    await expect(client.getData('/a')).rejects.toMatchObject({ code: 'NO_NODE' });
    await client.close();
  });

  it('names sequential children with a ten-digit suffix and lists them sorted', async () => {
    const client = await ensemble.connect();
    await client.create('/seq');
    const a = await client.create('/seq/n-', 'x', { sequential: true });
    const b = await client.create('/seq/n-', 'y', { sequential: true });
    expect(a).toMatch(/^\/seq\/n-\d{10}$/);
    expect(b > a).toBe(true);
    expect((await client.getChildren('/seq')).children).toEqual([a.slice(5), b.slice(5)]);
    await client.close();
  });

  it('fires a data watch once when another session changes the node', async () => {
    const watcher = await ensemble.connect();
    const writer = await ensemble.connect();
    await writer.create('/w', 'v0');
    const events: WatchedEvent[] = [];
    await watcher.getData('/w', { watch: (e) => events.push(e) });
    await writer.setData('/w', 'v1');
    await waitFor('data watch', () => events.length === 1);
    expect(events[0]).toMatchObject({ type: 'dataChanged', path: '/w' });
    await writer.setData('/w', 'v2');
    await writer.sync();
    await watcher.sync();
    expect(events.length).toBe(1);
    await watcher.close();
    await writer.close();
  });

  it('deletes the ephemeral nodes of a closed session and tells a child watcher', async () => {
    const owner = await ensemble.connect();
    const observer = await ensemble.connect();
    await observer.create('/members');
    await owner.create('/members/m1', '', { ephemeral: true });
    const events: WatchedEvent[] = [];
    expect((await observer.getChildren('/members', { watch: (e) => events.push(e) })).children).toEqual(['m1']);
    await owner.close();
    await waitFor('children watch', () => events.length === 1);
    expect(events[0]).toMatchObject({ type: 'childrenChanged', path: '/members' });
    expect((await observer.getChildren('/members')).children).toEqual([]);
    await observer.close();
  });

  it('expires an abandoned session after its timeout and deletes its ephemerals', async () => {
    const owner = await ensemble.connect({ sessionTimeoutMs: 600 });
    const observer = await ensemble.connect();
    await owner.create('/lease', '', { ephemeral: true });
    const events: WatchedEvent[] = [];
    await observer.exists('/lease', { watch: (e) => events.push(e) });
    owner.abandon();
    await waitFor('ephemeral deleted', () => events.length === 1, 10_000);
    expect(events[0]).toMatchObject({ type: 'deleted', path: '/lease' });
    await observer.close();
  });

  it('applies a multi all or nothing', async () => {
    const client = await ensemble.connect();
    await client.create('/m');
    await expect(
      client.multi([
        { op: 'create', path: '/m/a' },
        { op: 'check', path: '/m', version: 5 },
      ]),
    ).rejects.toMatchObject({ code: 'BAD_VERSION' });
    expect(await client.exists('/m/a')).toBeNull();
    const results = await client.multi([
      { op: 'create', path: '/m/a', data: '1' },
      { op: 'setData', path: '/m', data: 'p', version: 0 },
    ]);
    expect(results.map((r) => r.op)).toEqual(['create', 'setData']);
    expect((await client.getData('/m/a')).data.toString()).toBe('1');
    await client.close();
  });
});
