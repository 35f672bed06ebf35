/** Proves the separate peer port: with it the client port does not serve the peer service (a forged peer stream there is UNIMPLEMENTED) while the ensemble elects and serves through it, followers send clients to the leader's client port, and a member joins through add-member naming its peer port. */
import { afterEach, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../common/config.js';
import { CoordServer } from '../../../coord/server/coord-server.js';
import { MemoryRaftStorage } from '../../../coord/storage/memory-raft-storage.js';
import { CoordClient } from '../../../coord/client/index.js';
import { fetchMemberStatus } from '../../../coord/client/status.js';
import { deriveClusterId, peerMetadata } from '../../../coord/server/peer-auth.js';
import { closeMembers, TEST_COORD_CONFIG, waitFor } from '../../support/coord-ensemble.js';
import { openPeerStream } from './peer-forge.js';

const config = { ...DEFAULT_CONFIG.coord, ...TEST_COORD_CONFIG };
let servers: CoordServer[] = [];
const clients: CoordClient[] = [];
afterEach(() => closeMembers(servers, clients));

async function connect(addresses: string[]): Promise<CoordClient> {
  const client = await CoordClient.connect({ servers: addresses, sessionTimeoutMs: 5_000 });
  clients.push(client);
  return client;
}

async function startSeparate(count: number, founders = count): Promise<{ peers: Map<number, string>; everyone: Map<number, string>; leader: CoordServer }> {
  servers = await Promise.all(Array.from({ length: count }, () => CoordServer.listen('127.0.0.1', 0, { peerPort: 0 })));
  const everyone = new Map(servers.map((s, i) => [i + 1, s.peerAddress] as const));
  const peers = new Map([...everyone].slice(0, founders));
  const voters = [...peers.keys()];
  const clusterId = deriveClusterId(peers);
  servers.forEach((s, i) =>
    i < founders
      ? s.start({ id: i + 1, peers, storage: MemoryRaftStorage.bootstrap(voters), config, clusterId })
      : s.start({ id: i + 1, peers: everyone, storage: new MemoryRaftStorage(), config, clusterId }),
  );
  const leader = await waitFor('a leader', () => servers.find((s) => s.coordMember?.isLeader()));
  return { peers, everyone, leader };
}

it('with a separate peer port the client port refuses the peer service and the peer port admits it', async () => {
  const { peers, leader } = await startSeparate(3);
  expect(leader.peerAddress).not.toBe(leader.address);
  const leaderId = leader.coordMember!.id;
  const other = leaderId === 1 ? 2 : 1;
  const metadata = peerMetadata({ clusterId: deriveClusterId(peers) }, other, leaderId);
  const onClientPort = await openPeerStream(leader.address, metadata, { from: other, to: leaderId, messages: [] });
  expect(onClientPort).toMatchObject({ accepted: false, code: 12 }); // UNIMPLEMENTED: no peer service there
  expect(await openPeerStream(leader.peerAddress, metadata, { from: other, to: leaderId, messages: [] })).toEqual({ accepted: true });
  // Clients use the client ports; the ensemble replicates over the peer ports.
  const client = await connect(servers.map((s) => s.address));
  await client.create('/split', 'ports');
  const commit = leader.coordMember!.raftStatus().commit;
  await waitFor('every member applied the write', () => servers.every((s) => s.coordMember!.appliedIndex() >= commit));
});

it("followers name the leader's client port (not its peer port) in status and NOT_LEADER hints", async () => {
  const { leader } = await startSeparate(3);
  const followers = servers.filter((s) => s !== leader);
  // A follower learns the leader's client address from the leader's peer stream.
  await waitFor("followers learned the leader's client address", () => followers.every((f) => f.coordMember!.leaderAddress() === leader.address));
  for (const follower of followers) expect((await fetchMemberStatus(follower.address)).leaderAddress).toBe(leader.address);
  // A client given only a follower is redirected to the leader's client port and works.
  const client = await connect([followers[0]!.address]);
  expect(await client.create('/via-hint')).toBe('/via-hint');
});

it('a member joins through add-member naming its peer port, and serves clients on its client port', async () => {
  const { everyone } = await startSeparate(4, 3);
  const admin = await connect(servers.slice(0, 3).map((s) => s.address));
  await admin.create('/before-join', 'x');
  const joined = await admin.addMember(4, everyone.get(4)!);
  expect(joined.voters).toEqual([1, 2, 3, 4]);
  const newcomer = servers[3]!;
  await waitFor('the new member applied the log', () => newcomer.coordMember!.appliedIndex() >= servers.find((s) => s.coordMember!.isLeader())!.coordMember!.raftStatus().commit);
  const reader = await connect([newcomer.address]);
  expect((await reader.getData('/before-join')).data.toString()).toBe('x');
  // Every member lists the newcomer at its peer port (what the peer transports dial).
  for (const s of servers) expect(s.coordMember!.status(s.address).members).toContainEqual({ id: 4, address: newcomer.peerAddress });
});
