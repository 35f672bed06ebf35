/**
 * The coordination service's gRPC surface, shared by the server and CoordClient. The generated
 * protobuf module has no service stubs (gen-proto runs with --no-service), so the two services are
 * declared here by hand: `Coord` (one bidirectional Session stream per client session, plus unary
 * Status for admin tools) and `CoordPeer` (one client-streaming Raft channel per ordered member pair).
 */
import { makeGenericClientConstructor, type ServiceDefinition } from '@grpc/grpc-js';
import { basalt } from '../../proto/generated/basalt.js';
import { invalidArgument } from '../../common/errors.js';

export const wire = basalt.coordrpc;
export type ClientRequest = basalt.coordrpc.ClientRequest.$Properties;
export type ServerFrame = basalt.coordrpc.ServerFrame.$Properties;
export type WireResponse = basalt.coordrpc.Response.$Properties;
export type RaftBatch = basalt.coordrpc.RaftBatch.$Properties;
export type StatusResponse = basalt.coordrpc.StatusResponse.$Properties;

interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(bytes: Uint8Array): T;
}

function serializer<T>(codec: Codec<T>): (value: T) => Buffer {
  return (value) => {
    const bytes = codec.encode(value).finish();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

function deserializer<T>(codec: Codec<T>): (bytes: Buffer) => T {
  return (bytes) => codec.decode(bytes);
}

/** A request the server could not decode: answered with a typed error for its xid, the stream kept. */
export interface UndecodableRequest {
  xid: number;
  undecodable: string;
}

/** The xid of an encoded ClientRequest, read from its leading field (protobufjs writes field 1 first). */
function leadingXid(bytes: Uint8Array): number {
  if (bytes[0] !== 0x08) return 0;
  let value = 0;
  for (let i = 1, shift = 0; i < bytes.length && i < 9; i++, shift += 7) {
    value += (bytes[i]! & 0x7f) * 2 ** shift;
    if ((bytes[i]! & 0x80) === 0) return value;
  }
  return 0;
}

/**
 * The server's request decoder. A frame that does not decode (bytes that are not UTF-8 in a
 * string, a truncated field) must not end the stream — grpc-js cancels the call when a
 * deserializer throws — so it becomes an UndecodableRequest, answered for that request only.
 */
function tolerantRequestDeserializer(bytes: Buffer): ClientRequest | UndecodableRequest {
  try {
    return wire.ClientRequest.decode(bytes);
  } catch (err) {
    return { xid: leadingXid(bytes), undecodable: (err as Error).message };
  }
}

export function isUndecodable(request: ClientRequest | UndecodableRequest): request is UndecodableRequest {
  return typeof (request as UndecodableRequest).undecodable === 'string';
}

export const COORD_SERVICE = {
  session: {
    path: '/basalt.coordrpc.Coord/Session',
    requestStream: true,
    responseStream: true,
    requestSerialize: serializer<ClientRequest>(wire.ClientRequest),
    requestDeserialize: tolerantRequestDeserializer,
    responseSerialize: serializer<ServerFrame>(wire.ServerFrame),
    responseDeserialize: deserializer<ServerFrame>(wire.ServerFrame),
  },
  status: {
    path: '/basalt.coordrpc.Coord/Status',
    requestStream: false,
    responseStream: false,
    requestSerialize: serializer<basalt.coordrpc.StatusRequest.$Properties>(wire.StatusRequest),
    requestDeserialize: deserializer<basalt.coordrpc.StatusRequest.$Properties>(wire.StatusRequest),
    responseSerialize: serializer<StatusResponse>(wire.StatusResponse),
    responseDeserialize: deserializer<StatusResponse>(wire.StatusResponse),
  },
} satisfies ServiceDefinition;

export const COORD_PEER_SERVICE = {
  raft: {
    path: '/basalt.coordrpc.CoordPeer/Raft',
    requestStream: true,
    responseStream: false,
    requestSerialize: serializer<RaftBatch>(wire.RaftBatch),
    requestDeserialize: deserializer<RaftBatch>(wire.RaftBatch),
    responseSerialize: serializer<basalt.coordrpc.RaftBatchAck.$Properties>(wire.RaftBatchAck),
    responseDeserialize: deserializer<basalt.coordrpc.RaftBatchAck.$Properties>(wire.RaftBatchAck),
  },
} satisfies ServiceDefinition;

export const CoordGrpcClient = makeGenericClientConstructor(COORD_SERVICE, 'Coord');
export const CoordPeerGrpcClient = makeGenericClientConstructor(COORD_PEER_SERVICE, 'CoordPeer');

/** Largest frame either side accepts: the biggest znode payload plus headroom for a multi. */
export const MAX_FRAME_BYTES = 8 * 1024 * 1024;

/** Channel options both ends use: frames up to MAX_FRAME_BYTES and fast failure detection. */
export const CHANNEL_OPTIONS = {
  'grpc.max_receive_message_length': MAX_FRAME_BYTES,
  'grpc.max_send_message_length': MAX_FRAME_BYTES,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1000,
};

/** A HOST:PORT list, comma-separated or as an array, validated. */
export function parseServers(servers: string | string[], field = 'servers'): string[] {
  const list = (Array.isArray(servers) ? servers : servers.split(','))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (list.length === 0) throw invalidArgument(field, 'expected at least one HOST:PORT');
  for (const s of list) {
    if (!/^[^\s:]+:\d{1,5}$/.test(s)) throw invalidArgument(field, `expected HOST:PORT, got ${JSON.stringify(s)}`);
  }
  return list;
}
