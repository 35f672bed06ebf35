/** Opens a raw peer stream (as a forger or a probe would) and reports how the member answered it. */
import { credentials, type ChannelCredentials, type Client, type ClientWritableStream, type Metadata, type ServiceError } from '@grpc/grpc-js';
import { CHANNEL_OPTIONS, CoordPeerGrpcClient, type RaftBatch } from '../../../coord/client/protocol.js';

export interface StreamOutcome {
  accepted: boolean;
  /** The gRPC status code when refused (12 UNIMPLEMENTED, 14 UNAVAILABLE, …). */
  code?: number;
  message?: string;
}

/** Sends one batch on a fresh peer stream to `address` and resolves with the stream's end. */
export async function openPeerStream(address: string, metadata: Metadata, batch: RaftBatch, channel: ChannelCredentials = credentials.createInsecure()): Promise<StreamOutcome> {
  const client = new CoordPeerGrpcClient(address, channel, CHANNEL_OPTIONS) as unknown as Client & {
    raft(m: Metadata, cb: (err: ServiceError | null) => void): ClientWritableStream<RaftBatch>;
  };
  try {
    return await new Promise<StreamOutcome>((resolve) => {
      const stream = client.raft(metadata, (err) => resolve(err ? { accepted: false, code: err.code, message: err.message } : { accepted: true }));
      stream.on('error', () => undefined);
      stream.write(batch);
      stream.end();
    });
  } finally {
    client.close();
  }
}
