/** Proves mutual TLS between members: an ensemble with peer TLS elects and commits; a member whose certificate comes from another CA, or a plaintext peer, cannot open a Raft stream (the ensemble carries on unaffected); bad TLS material is refused up front naming its flag. */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { credentials } from '@grpc/grpc-js';
import { BasaltError } from '../../../common/errors.js';
import { DEFAULT_CONFIG } from '../../../common/config.js';
import { CoordServer } from '../../../coord/server/coord-server.js';
import { MemoryRaftStorage } from '../../../coord/storage/memory-raft-storage.js';
import { CoordClient } from '../../../coord/client/index.js';
import { deriveClusterId, peerMetadata } from '../../../coord/server/peer-auth.js';
import { loadPeerTls, peerChannelCredentials, type PeerTlsMaterial } from '../../../coord/server/peer-tls.js';
import { TEST_COORD_CONFIG, waitFor } from '../../support/coord-ensemble.js';
import { makeCa, type TestCa } from './peer-certs.js';
import { openPeerStream } from './peer-forge.js';

const config = { ...DEFAULT_CONFIG.coord, ...TEST_COORD_CONFIG };
let ca: TestCa;
let rogueCa: TestCa;
let material: PeerTlsMaterial[];
let servers: CoordServer[] = [];
let storages: MemoryRaftStorage[] = [];
const clients: CoordClient[] = [];

beforeAll(() => {
  ca = makeCa('members-ca');
  rogueCa = makeCa('rogue-ca');
  material = [1, 2, 3].map((id) => ca.material(ca.issue(`member-${id}`)));
});
afterAll(() => {
  ca.remove();
  rogueCa.remove();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.abandon();
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function startTlsEnsemble(): Promise<{ peers: Map<number, string>; leader: CoordServer; client: CoordClient }> {
  servers = await Promise.all(material.map((peerTls) => CoordServer.listen('127.0.0.1', 0, { peerPort: 0, peerTls })));
  const peers = new Map(servers.map((s, i) => [i + 1, s.peerAddress] as const));
  storages = servers.map(() => MemoryRaftStorage.bootstrap([1, 2, 3]));
  servers.forEach((s, i) => s.start({ id: i + 1, peers, storage: storages[i]!, config }));
  const leader = await waitFor('a leader', () => servers.find((s) => s.coordMember?.isLeader()));
  const client = await CoordClient.connect({ servers: servers.map((s) => s.address), sessionTimeoutMs: 5_000 });
  clients.push(client);
  return { peers, leader, client };
}

it('a three-member ensemble with mutual TLS between members elects a leader and commits writes on every member', async () => {
  const { leader, client } = await startTlsEnsemble();
  expect(leader.peerAddress).not.toBe(leader.address);
  for (let i = 0; i < 10; i++) await client.create(`/tls-${i}`, `v${i}`);
  const commit = leader.coordMember!.raftStatus().commit;
  await waitFor('every member applied the writes', () => servers.every((s) => s.coordMember!.appliedIndex() >= commit));
  expect((await client.getChildren('/')).children.filter((c) => c.startsWith('tls-'))).toHaveLength(10);
});

it('a member whose certificate comes from another CA cannot speak Raft: its streams are refused and the ensemble is unaffected', async () => {
  const { peers, leader, client } = await startTlsEnsemble();
  const leaderId = leader.coordMember!.id;
  const term = leader.coordMember!.raftStatus().term;
  const clusterId = deriveClusterId(peers);
  const victim = servers.findIndex((s) => s !== leader);
  const victimId = victim + 1;
  const victimPeerPort = Number(servers[victim]!.peerAddress.split(':')[1]);
  await servers[victim]!.close();

  // The rogue takes the victim's id and peer port with the right cluster id: only its certificate is wrong.
  const rogueTls = rogueCa.material(rogueCa.issue('member-rogue'));
  const rogue = await CoordServer.listen('127.0.0.1', 0, { peerPort: victimPeerPort, peerTls: rogueTls });
  servers[victim] = rogue;
  rogue.start({ id: victimId, peers, storage: MemoryRaftStorage.bootstrap([1, 2, 3]), config });
  const rogueCommit = rogue.coordMember!.raftStatus().commit;

  const metadata = peerMetadata({ clusterId }, victimId, leaderId);
  const refused = await openPeerStream(leader.peerAddress, metadata, { from: victimId, to: leaderId, messages: [] }, peerChannelCredentials(rogueTls));
  expect(refused.accepted).toBe(false);
  // The same stream with a certificate from the members' CA is admitted (so the refusal is the certificate's).
  const control = await openPeerStream(leader.peerAddress, metadata, { from: victimId, to: leaderId, messages: [] }, peerChannelCredentials(ca.material(ca.issue('member-probe'))));
  expect(control.accepted).toBe(true);

  // The two genuine members keep committing; the rogue receives nothing of it.
  for (let i = 0; i < 30; i++) await client.create(`/r-${i}`);
  const status = leader.coordMember!.raftStatus();
  expect(leader.coordMember!.isLeader()).toBe(true);
  expect(status.term).toBe(term);
  expect(rogue.coordMember!.raftStatus().commit).toBe(rogueCommit);
  expect(rogue.coordMember!.raftStatus().leader).toBe(0);
  expect(status.progress?.[victimId]?.match ?? 0).toBeLessThan(status.commit);

  // The genuine member back on the same port and id (its own log) catches up: the rogue was kept out by its certificate alone.
  await rogue.close();
  const genuine = await CoordServer.listen('127.0.0.1', 0, { peerPort: victimPeerPort, peerTls: material[victim]! });
  servers[victim] = genuine;
  genuine.start({ id: victimId, peers, storage: storages[victim]!, config });
  await waitFor('the genuine member to catch up', () => genuine.coordMember!.appliedIndex() >= status.commit);
});

it('a plaintext peer cannot open a stream on a TLS peer port', async () => {
  const { peers, leader } = await startTlsEnsemble();
  const leaderId = leader.coordMember!.id;
  const term = leader.coordMember!.raftStatus().term;
  const other = leaderId === 1 ? 2 : 1;
  const metadata = peerMetadata({ clusterId: deriveClusterId(peers) }, other, leaderId);
  const outcome = await openPeerStream(leader.peerAddress, metadata, { from: other, to: leaderId, messages: [] }, credentials.createInsecure());
  expect(outcome.accepted).toBe(false);
  expect(outcome.code).toBe(14); // UNAVAILABLE: no TLS handshake, no stream
  expect(leader.coordMember!.isLeader()).toBe(true);
  expect(leader.coordMember!.raftStatus().term).toBe(term);
});

it('bad peer TLS material is refused up front with INVALID_ARGUMENT naming its flag', async () => {
  const files = ca.issue('member-bad');
  const other = ca.issue('member-other');
  const fieldOf = (run: () => unknown): unknown => {
    try {
      run();
    } catch (err) {
      expect(err).toBeInstanceOf(BasaltError);
      expect((err as BasaltError).code).toBe('INVALID_ARGUMENT');
      return (err as BasaltError).details.field;
    }
    return 'no error';
  };
  expect(fieldOf(() => loadPeerTls({ ...files, certFile: `${ca.dir}/missing.crt` }))).toBe('--peer-tls-cert');
  expect(fieldOf(() => loadPeerTls({ ...files, keyFile: files.certFile }))).toBe('--peer-tls-key');
  expect(fieldOf(() => loadPeerTls({ ...files, keyFile: other.keyFile }))).toBe('--peer-tls-key');
  expect(fieldOf(() => loadPeerTls({ ...files, caFile: files.keyFile }))).toBe('--peer-tls-ca');
  expect(fieldOf(() => loadPeerTls(files))).toBe('no error');
  // TLS needs the separate peer port: clients keep their plaintext port.
  await expect(CoordServer.listen('127.0.0.1', 0, { peerTls: ca.material(files) })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'peerPort' } });
});
