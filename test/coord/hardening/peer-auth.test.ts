/** Proves that only members speak Raft to a member: a stream from a non-member, for another cluster, without the shared-secret proof, or carrying messages from another sender than it proved is refused, so a forged higher-term heartbeat deposes no leader, while the ensemble itself (secret on) elects and serves (issue 7, defect 12). */
import { afterEach, expect, it } from 'vitest';
import { credentials, type Client, type ClientWritableStream, type Metadata } from '@grpc/grpc-js';
import { DEFAULT_CONFIG } from '../../../common/config.js';
import { CoordServer } from '../../../coord/server/coord-server.js';
import { MemoryRaftStorage } from '../../../coord/storage/memory-raft-storage.js';
import { CoordClient } from '../../../coord/client/index.js';
import { CHANNEL_OPTIONS, CoordPeerGrpcClient, type RaftBatch } from '../../../coord/client/protocol.js';
import { encodeMessage } from '../../../coord/raft/codec.js';
import { MessageType, type Message } from '../../../coord/raft/types.js';
import { deriveClusterId, peerMetadata } from '../../../coord/server/peer-auth.js';
import { TEST_COORD_CONFIG, waitFor } from '../../support/coord-ensemble.js';

const SECRET = 'members-only';
let servers: CoordServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function startSecured(): Promise<{ peers: Map<number, string>; leader: CoordServer }> {
  servers = await Promise.all([0, 1, 2].map(() => CoordServer.listen()));
  const peers = new Map(servers.map((s, i) => [i + 1, s.address] as const));
  servers.forEach((s, i) => s.start({ id: i + 1, peers, storage: MemoryRaftStorage.bootstrap([1, 2, 3]), config: { ...DEFAULT_CONFIG.coord, ...TEST_COORD_CONFIG }, peerSecret: SECRET }));
  const leader = await waitFor('a leader', () => servers.find((s) => s.coordMember?.isLeader()));
  return { peers, leader };
}

function heartbeat(from: number, to: number, term: number): Uint8Array {
  const m: Message = { type: MessageType.Heartbeat, from, to, term, index: 0, logTerm: 0, entries: [], commit: 0, reject: false, rejectHint: 0 } as Message;
  return encodeMessage(m);
}

/** Opens a peer stream to `address` with the given metadata, sends one batch, and reports how the stream ended. */
async function forge(address: string, metadata: Metadata, batch: RaftBatch): Promise<string> {
  const client = new CoordPeerGrpcClient(address, credentials.createInsecure(), CHANNEL_OPTIONS) as unknown as Client & { raft(m: Metadata, cb: (err: Error | null) => void): ClientWritableStream<RaftBatch> };
  try {
    return await new Promise<string>((resolve) => {
      const stream = client.raft(metadata, (err) => resolve(err ? `refused: ${err.message}` : 'accepted'));
      stream.on('error', () => undefined);
      stream.write(batch);
      setTimeout(() => stream.end(), 100);
    });
  } finally {
    client.close();
  }
}

it('refuses forged peer streams, so a higher-term heartbeat from outside deposes no leader', async () => {
  const { peers, leader } = await startSecured();
  const member = leader.coordMember!;
  const term = member.raftStatus().term;
  const leaderId = member.id;
  const clusterId = deriveClusterId(peers);
  const other = leaderId === 1 ? 2 : 1;
  const attempts: Array<[string, Metadata, RaftBatch]> = [
    ['a non-member', peerMetadata({ clusterId, secret: SECRET }, 9, leaderId), { from: 9, to: leaderId, messages: [heartbeat(9, leaderId, term + 50)] }],
    ['another cluster', peerMetadata({ clusterId: 'ffffffffffffffff', secret: SECRET }, other, leaderId), { from: other, to: leaderId, messages: [heartbeat(other, leaderId, term + 50)] }],
    ['no secret proof', peerMetadata({ clusterId }, other, leaderId), { from: other, to: leaderId, messages: [heartbeat(other, leaderId, term + 50)] }],
    ['a wrong secret', peerMetadata({ clusterId, secret: 'guess' }, other, leaderId), { from: other, to: leaderId, messages: [heartbeat(other, leaderId, term + 50)] }],
  ];
  for (const [what, metadata, batch] of attempts) {
    expect(await forge(leader.address, metadata, batch), what).toMatch(/^refused/);
  }
  // A proven member's stream carrying a message that claims another sender: the message is dropped.
  const third = [1, 2, 3].find((id) => id !== leaderId && id !== other)!;
  await forge(leader.address, peerMetadata({ clusterId, secret: SECRET }, other, leaderId), { from: other, to: leaderId, messages: [heartbeat(third, leaderId, term + 50)] });
  expect(member.isLeader()).toBe(true);
  expect(member.raftStatus().term).toBe(term);
  // The ensemble itself, secret on, serves writes.
  const client = await CoordClient.connect({ servers: [...peers.values()], sessionTimeoutMs: 2_000 });
  try {
    expect(await client.create('/auth', 'ok')).toBe('/auth');
  } finally {
    client.abandon();
  }
});
