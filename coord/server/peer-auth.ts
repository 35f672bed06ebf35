/**
 * Who may speak Raft to a member. A peer stream opens with metadata naming the cluster, the
 * sender and the receiver, plus (when the members share a secret) an HMAC over those three that
 * only a holder of the secret can produce. The receiver admits the stream only if the cluster id
 * is its own, it is the named receiver, the sender is one of its members (configured peers or
 * the current Raft configuration) and the proof checks; from then on every batch and every
 * message on that stream must come from that sender. Without a secret this keeps out strangers
 * and misconfigured members (wrong cluster, wrong id), not an attacker who can read the traffic
 * and forge metadata: for that, set a secret and keep the peer port on a private network (the
 * secret travels as an HMAC, never in clear), or turn on mutual TLS between members
 * (peer-tls.ts), which keeps out any process without a certificate from the members' CA.
 *
 * When peers use a port of their own, a stream also carries the sender's client address (inside
 * the proof when there is a secret), so that a follower can send clients to the leader's client
 * port rather than its peer port.
 *
 * The cluster id is fixed when the ensemble is founded: derived from the founding members (id
 * and address) and an optional token, written to the data dir, and read from there afterwards.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Metadata, type ChannelCredentials } from '@grpc/grpc-js';
import { BasaltError, ErrorCodes } from '../../common/errors.js';
import type { NodeId } from '../raft/types.js';

const CLUSTER_ID_KEY = 'basalt-cluster-id';
const FROM_KEY = 'basalt-peer-from';
const TO_KEY = 'basalt-peer-to';
const PROOF_KEY = 'basalt-peer-proof';
const CLIENT_ADDRESS_KEY = 'basalt-peer-client-address';

export interface PeerAuthConfig {
  clusterId: string;
  /** Shared by every member; when set, a peer stream must prove it knows it. */
  secret?: string;
  /** This member's client address, sent when peers use a separate port. */
  clientAddress?: string;
  /** How this member dials its peers (mutual TLS); insecure when unset. */
  channelCredentials?: ChannelCredentials;
}

/** A founding ensemble's cluster id: the same on every founding member, different for another ensemble. */
export function deriveClusterId(founders: ReadonlyMap<NodeId, string>, token = ''): string {
  const members = [...founders].sort((a, b) => a[0] - b[0]).map(([id, address]) => `${id}=${address}`);
  return createHash('sha256').update(`${members.join(',')}|${token}`).digest('hex').slice(0, 16);
}

function proof(secret: string, clusterId: string, from: NodeId, to: NodeId, clientAddress: string): string {
  // Without a client address the proof is the one older members send.
  return createHmac('sha256', secret).update(`${clusterId}|${from}|${to}${clientAddress ? `|${clientAddress}` : ''}`).digest('hex');
}

/** The metadata a member sends when it opens its stream to `to`. */
export function peerMetadata(auth: PeerAuthConfig, from: NodeId, to: NodeId): Metadata {
  const metadata = new Metadata();
  metadata.set(CLUSTER_ID_KEY, auth.clusterId);
  metadata.set(FROM_KEY, String(from));
  metadata.set(TO_KEY, String(to));
  if (auth.clientAddress) metadata.set(CLIENT_ADDRESS_KEY, auth.clientAddress);
  if (auth.secret) metadata.set(PROOF_KEY, proof(auth.secret, auth.clusterId, from, to, auth.clientAddress ?? ''));
  return metadata;
}

function single(metadata: Metadata, key: string): string {
  const value = metadata.get(key)[0];
  return typeof value === 'string' ? value : '';
}

/**
 * The sender a peer stream's metadata proves, or a PERMISSION_DENIED-style BasaltError
 * (INVALID_ARGUMENT naming the failed check) to refuse the stream with.
 */
export function admitPeer(metadata: Metadata, auth: PeerAuthConfig, self: NodeId, isMember: (id: NodeId) => boolean): NodeId | BasaltError {
  const refuse = (field: string, reason: string): BasaltError => new BasaltError(ErrorCodes.INVALID_ARGUMENT, `peer stream refused: ${reason}`, { field });
  const clusterId = single(metadata, CLUSTER_ID_KEY);
  if (clusterId !== auth.clusterId) return refuse(CLUSTER_ID_KEY, `cluster id ${JSON.stringify(clusterId)} is not ${auth.clusterId}`);
  const from = Number(single(metadata, FROM_KEY));
  const to = Number(single(metadata, TO_KEY));
  if (to !== self) return refuse(TO_KEY, `addressed to member ${to}, this is ${self}`);
  if (!Number.isSafeInteger(from) || from <= 0 || from === self) return refuse(FROM_KEY, `no valid sender (${single(metadata, FROM_KEY)})`);
  if (!isMember(from)) return refuse(FROM_KEY, `member ${from} is not in this member's configuration`);
  if (auth.secret) {
    const expected = Buffer.from(proof(auth.secret, auth.clusterId, from, to, single(metadata, CLIENT_ADDRESS_KEY)), 'hex');
    const given = Buffer.from(single(metadata, PROOF_KEY), 'hex');
    if (given.byteLength !== expected.byteLength || !timingSafeEqual(given, expected)) return refuse(PROOF_KEY, 'the shared-secret proof does not match');
  }
  return from;
}

/** The client address an admitted peer stream names (HOST:PORT), if any. */
export function peerClientAddress(metadata: Metadata): string | undefined {
  const address = single(metadata, CLIENT_ADDRESS_KEY);
  return /^[^\s:,]+:\d{1,5}$/.test(address) ? address : undefined;
}
