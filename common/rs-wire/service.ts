/**
 * The gRPC method table of the region server, shared by the server and client/rpc. The generated
 * protobuf module has no service stubs (scripts/gen-proto.mjs uses --no-service), so the methods
 * are declared here. The server side moves raw Buffers and decodes them itself: a message that does
 * not decode becomes a typed INVALID_ARGUMENT instead of grpc-js's generic INTERNAL.
 */
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { basalt } from '../../proto/generated/basalt.js';
import { BasaltError, ErrorCodes, invalidArgument } from '../errors.js';

import pb = basalt.regionserver;

export const DATA_SERVICE = 'basalt.regionserver.RegionServer';
export const ADMIN_SERVICE = 'basalt.regionserver.RegionServerAdmin';

const identity = (b: Buffer): Buffer => b;

function rawMethod(service: string, name: string, requestStream: boolean, responseStream: boolean): MethodDefinition<Buffer, Buffer> {
  return {
    path: `/${service}/${name}`,
    requestStream,
    responseStream,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
}

export const dataServiceDefinition: ServiceDefinition = {
  Batch: rawMethod(DATA_SERVICE, 'Batch', true, true),
  Execute: rawMethod(DATA_SERVICE, 'Execute', false, false),
};

/** Admin calls: name → [request type, response type]. */
export const ADMIN_METHODS = {
  OpenRegion: [pb.OpenRegionRequest, pb.OpenRegionResponse],
  CloseRegion: [pb.RegionRequest, pb.CloseRegionResponse],
  FlushRegion: [pb.RegionRequest, pb.FlushRegionResponse],
  CompactRegion: [pb.CompactRegionRequest, pb.CompactRegionResponse],
  GetRegionLoad: [pb.RegionRequest, pb.RegionLoad],
  GetServerLoad: [pb.GetServerLoadRequest, pb.ServerLoad],
  GetOnlineRegions: [pb.GetOnlineRegionsRequest, pb.GetOnlineRegionsResponse],
  SplitRegion: [pb.SplitRegionRequest, pb.SplitRegionResponse],
  MergeRegions: [pb.MergeRegionsRequest, pb.MergeRegionsResponse],
  RemoveRetiredRegion: [pb.RemoveRetiredRegionRequest, pb.RemoveRetiredRegionResponse],
} as const;

export type AdminMethod = keyof typeof ADMIN_METHODS;

export const adminServiceDefinition: ServiceDefinition = Object.fromEntries(
  Object.keys(ADMIN_METHODS).map((name) => [name, rawMethod(ADMIN_SERVICE, name, false, false)]),
);

export function adminPath(method: AdminMethod): string {
  return `/${ADMIN_SERVICE}/${method}`;
}

export const BATCH_PATH = `/${DATA_SERVICE}/Batch`;
export const EXECUTE_PATH = `/${DATA_SERVICE}/Execute`;

interface Decodable<T> {
  decode(reader: Uint8Array): T;
}

/** Decodes a message from the wire, turning protobuf's exceptions into INVALID_ARGUMENT. */
export function decodeMessage<T>(type: Decodable<T>, bytes: Buffer, field: string): T {
  try {
    return type.decode(bytes);
  } catch (err) {
    throw invalidArgument(field, `malformed message: ${(err as Error).message}`);
  }
}

/** Extra room above the largest request for the frame's own envelope. */
export const FRAME_OVERHEAD_BYTES = 64 * 1024;

export function tooLarge(what: string, size: number, limit: number): BasaltError {
  return new BasaltError(ErrorCodes.REQUEST_TOO_LARGE, `${what} of ${size} bytes exceeds ${limit}`, { size, limit });
}

/**
 * HTTP/2 flow-control windows of the data plane, both directions. HTTP/2's default is 64 KiB per
 * stream and per connection, and a receiver only opens it again once its event loop has read what
 * came: a 120 KB batch of rows then crossed in two round trips, each waiting for the busy region
 * server (or client) to turn its loop, so batches in flight queued in the sender instead of at the
 * server. The windows bound what a peer may send before it is read (the stream's own bounds, in
 * stream.ts, still stop reading a stream that is too far ahead).
 */
export const STREAM_WINDOW_BYTES = 4 * 1024 * 1024;
export const CONNECTION_WINDOW_BYTES = 8 * 1024 * 1024;
