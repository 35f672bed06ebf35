/** Proves that a live ensemble grows 3 → 5 → 3 members (new members join as learners, catch up, then vote; the leader itself is removed) while a client keeps writing, losing no acknowledged write and no session. */
import { afterEach, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../common/config.js';
import { CoordServer } from '../../../coord/server/coord-server.js';
import { MemoryRaftStorage } from '../../../coord/storage/memory-raft-storage.js';
import { CoordClient } from '../../../coord/client/index.js';
import { deriveClusterId } from '../../../coord/server/peer-auth.js';
import { closeMembers, TEST_COORD_CONFIG, waitFor } from '../../support/coord-ensemble.js';

let servers: CoordServer[] = [];
const clients: CoordClient[] = [];
afterEach(() => closeMembers(servers, clients));

it('grows a live ensemble from 3 to 5 members and shrinks it to 3 (removing the leader) while a client writes', async () => {
  servers = await Promise.all(Array.from({ length: 5 }, () => CoordServer.listen()));
  const addresses = servers.map((s) => s.address);
  const founders = new Map([1, 2, 3].map((id) => [id, addresses[id - 1]!] as const));
  const everyone = new Map(addresses.map((a, i) => [i + 1, a] as const));
  const clusterId = deriveClusterId(founders);
  const config = { ...DEFAULT_CONFIG.coord, ...TEST_COORD_CONFIG, snapshotEntries: 50 };
  for (let i = 0; i < 3; i++) servers[i]!.start({ id: i + 1, peers: founders, storage: MemoryRaftStorage.bootstrap([1, 2, 3]), config, clusterId, catchUpEntries: 10 });
  // Members 4 and 5 start empty (no configuration): they wait for the leader.
  for (let i = 3; i < 5; i++) servers[i]!.start({ id: i + 1, peers: everyone, storage: new MemoryRaftStorage(), config, clusterId, catchUpEntries: 10 });
  await waitFor('a leader', () => servers.find((s) => s.coordMember?.isLeader()));

  const writer = await CoordClient.connect({ servers: addresses, sessionTimeoutMs: 5_000 });
  const admin = await CoordClient.connect({ servers: addresses, sessionTimeoutMs: 5_000 });
  clients.push(writer, admin);
  await writer.create('/m');
  await writer.create('/m/owner', 'x', { ephemeral: true });
  const acknowledged: string[] = [];
  let writing = true;
  const writes = (async () => {
    for (let i = 0; writing; i++) {
      try {
        acknowledged.push(await writer.create(`/m/w${i}`, `v${i}`));
      } catch (err) {
        // Unknown outcome (CONNECTION_LOSS) while the leader moves: not acknowledged, move on.
        if ((err as { code?: string }).code !== 'CONNECTION_LOSS') throw err;
      }
    }
  })();

  await waitFor('some writes', () => acknowledged.length >= 20);
  expect((await admin.addMember(4, addresses[3]!)).voters).toEqual([1, 2, 3, 4]);
  const five = await admin.addMember(5, addresses[4]!);
  expect(five.voters).toEqual([1, 2, 3, 4, 5]);
  expect(five.clusterId).toBe(clusterId);
  await waitFor('writes on five members', () => acknowledged.length >= 60);

  const leaderId = servers.find((s) => s.coordMember?.isLeader())!.coordMember!.id;
  const other = [1, 2, 3].find((id) => id !== leaderId)!;
  await admin.removeMember(other);
  await admin.removeMember(leaderId).catch((err: { code?: string }) => {
    // The leader may step down before its answer leaves; the change is idempotent: check it below.
    if (err.code !== 'CONNECTION_LOSS') throw err;
  });
  const remaining = [1, 2, 3, 4, 5].filter((id) => id !== other && id !== leaderId);
  const newLeader = await waitFor('a leader among the remaining members', () => servers.find((s) => s.coordMember?.isLeader() && remaining.includes(s.coordMember.id)), 20_000);
  expect(newLeader.coordMember!.currentConfState().voters).toEqual(remaining);
  const count = acknowledged.length;
  await waitFor('writes on the three remaining members', () => acknowledged.length >= count + 20, 20_000);
  writing = false;
  await writes;

  // No acknowledged write lost, the session and its ephemeral node kept.
  const { children } = await writer.getChildren('/m');
  for (const path of acknowledged) expect(children).toContain(path.slice('/m/'.length));
  expect((await writer.getData('/m/owner')).stat.ephemeralOwner).toBe(writer.sessionId);
  console.log(`membership: ${acknowledged.length} writes acknowledged through 3 → 5 → 3 members`);
}, 60_000);
