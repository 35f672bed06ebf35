/** Proves a three-member ensemble on loopback elects a leader, redirects clients from followers, and keeps a session, its ephemerals and its watches across a leader change. */
import { afterEach, describe, expect, it } from 'vitest';
import { startEnsemble, waitFor, type Ensemble } from '../../support/coord-ensemble.js';
import type { WatchedEvent } from '../../../coord/client/index.js';

let ensemble: Ensemble | undefined;

afterEach(async () => {
  await ensemble?.close();
  ensemble = undefined;
});

describe('a three-member ensemble', () => {
  it('redirects a client that connects to a follower to the leader', async () => {
    ensemble = await startEnsemble(3);
    const e = ensemble;
    const leader = await waitFor('a leader', () => (e.leaderIndex() >= 0 ? e.leaderIndex() : undefined));
    const follower = (leader + 1) % 3;
    const client = await e.connect({ servers: [e.addresses[follower]!] });
    expect(client.currentServer).toBe(e.addresses[leader]);
    await client.create('/x', 'y');
    expect((await client.getData('/x')).data.toString()).toBe('y');
    // Every member applies the write.
    await waitFor('replication', () => e.servers.every((s) => s.coordMember!.stateMachine().read({ type: 'exists', path: '/x' }).type === 'exists'));
    const statuses = e.servers.map((s) => s.coordMember!.status(s.address));
    expect(statuses.filter((s) => s.role === 'leader')).toHaveLength(1);
  });

  it('keeps the session, its ephemeral node and its watch when the leader stops', async () => {
    ensemble = await startEnsemble(3);
    const e = ensemble;
    const client = await e.connect({ sessionTimeoutMs: 3_000 });
    const sessionId = client.sessionId;
    await client.create('/eph', 'mine', { ephemeral: true });
    await client.create('/watched', 'v0');
    const events: WatchedEvent[] = [];
    await client.getData('/watched', { watch: (ev) => events.push(ev) });
    const oldLeader = e.leaderIndex();
    const states: string[] = [];
    client.on('state', (s) => states.push(s));
    await e.servers[oldLeader]!.close();
    const newLeader = await waitFor('a new leader', () => {
      const i = e.servers.findIndex((s, idx) => idx !== oldLeader && s.coordMember?.isLeader());
      return i >= 0 ? i : undefined;
    });
    // A second client changes the watched node through the new leader.
    const other = await e.connect({ servers: [e.addresses[newLeader]!] });
    await other.setData('/watched', 'v1');
    await waitFor('the watch to fire after the reconnect', () => events.length === 1);
    expect(events[0]).toMatchObject({ type: 'dataChanged', path: '/watched' });
    expect(client.sessionId).toBe(sessionId);
    expect(states).toContain('suspended');
    expect(client.state).toBe('connected');
    const eph = await client.exists('/eph');
    expect(eph?.ephemeralOwner).toBe(sessionId);
  });

  it('hands leadership to an up-to-date follower when the leader shuts down cleanly', async () => {
    ensemble = await startEnsemble(3);
    const e = ensemble;
    const client = await e.connect();
    await client.create('/before', 'x');
    const old = await waitFor('a leader', () => (e.leaderIndex() >= 0 ? e.leaderIndex() : undefined));
    const oldMember = e.servers[old]!.coordMember!;
    const oldTerm = oldMember.raftStatus().term;
    await e.servers[old]!.close();
    const successor = await waitFor('the successor', () => {
      const i = e.servers.findIndex((s, idx) => idx !== old && s.coordMember?.isLeader());
      return i >= 0 ? i : undefined;
    });
    expect(oldMember.lastTransferTarget).toBe(successor + 1);
    expect(e.servers[successor]!.coordMember!.raftStatus().term).toBe(oldTerm + 1);
    await client.setData('/before', 'y');
  });
});
