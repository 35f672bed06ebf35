/**
 * The gRPC face of a coordination member: the client protocol (service Coord: Session stream +
 * Status) and the peers (service CoordPeer: Raft batches). By default one port serves both (the
 * peer list names that port); with a separate peer port (`ListenOptions.peerPort`) the peer
 * service is registered only there — the client port answers it UNIMPLEMENTED — and the peer
 * list names the peer ports. Only a separate peer listener can use mutual TLS (peer-tls.ts), so
 * that clients keep their plaintext port.
 *
 * Binding comes before the member exists (`CoordServer.listen`, then `start`), so that an
 * ensemble on ephemeral ports can learn every address before any member starts.
 */
import { Metadata, Server, ServerCredentials, type ServerDuplexStream, type ServerReadableStream, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { BasaltError, ErrorCodes, invalidArgument } from '../../common/errors.js';
import { toGrpcError } from '../../common/grpc-errors.js';
import type { CoordConfig } from '../../common/config.js';
import { createLogger, type Logger } from '../../common/logger.js';
import type { Clock } from '../../common/clock.js';
import type { Random } from '../../common/random.js';
import { decodeMessage } from '../raft/codec.js';
import type { NodeId } from '../raft/types.js';
import type { RaftLogStorage } from '../storage/raft-log-storage.js';
import { COORD_PEER_SERVICE, COORD_SERVICE, MAX_FRAME_BYTES, type ClientRequest, type RaftBatch, type ServerFrame, type StatusResponse } from '../client/protocol.js';
import { basalt } from '../../proto/generated/basalt.js';
import { CoordMember } from './member.js';
import { ChunkAssembler } from './peer-transport.js';
import { admitPeer, deriveClusterId, peerClientAddress, type PeerAuthConfig } from './peer-auth.js';
import { checkPeerTls, peerChannelCredentials, peerServerCredentials, type PeerTlsMaterial } from './peer-tls.js';
import { SessionStream } from './session-stream.js';

/** Largest Raft message a peer may send in chunks (a snapshot of the whole tree). */
const MAX_PEER_MESSAGE_BYTES = 2 * 1024 * 1024 * 1024 - 1;
/** Most client streams one member holds (sessions plus reconnects in progress). */
const MAX_CLIENT_STREAMS = 20_000;

export interface StartMemberOptions {
  id: NodeId;
  /** Every member's address, self included (an ensemble of one: just this server). */
  peers: ReadonlyMap<NodeId, string>;
  storage: RaftLogStorage;
  config: CoordConfig;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  maxSessions?: number;
  catchUpEntries?: number;
  onFatal?: (err: unknown) => void;
  /** The ensemble's id, fixed at bootstrap (default: derived from `peers`, as every founder does). */
  clusterId?: string;
  /** A secret shared by the members: peer streams must prove they know it (off when unset). */
  peerSecret?: string;
  /** Every member's address after a configuration change applies (the daemon saves it). */
  onPeersChanged?: (peers: ReadonlyMap<NodeId, string>) => void;
}

export interface ListenOptions {
  /** Serve the peers on a port of their own (0: an ephemeral one); unset: the client port serves them too. */
  peerPort?: number;
  /** Host for the peer listener (default: the client host). */
  peerHost?: string;
  /** Mutual TLS between members (needs `peerPort`): the peer listener requires and checks client certificates. */
  peerTls?: PeerTlsMaterial;
}

function checkPort(port: number, field: string): void {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw invalidArgument(field, `must be 0..65535, got ${port}`);
}

function newServer(): Server {
  return new Server({ 'grpc.max_receive_message_length': MAX_FRAME_BYTES, 'grpc.max_send_message_length': MAX_FRAME_BYTES });
}

function bind(server: Server, host: string, port: number, serverCredentials: ServerCredentials, field: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, serverCredentials, (err, actual) =>
      err ? reject(new BasaltError(ErrorCodes.UNAVAILABLE, `cannot bind ${host}:${port}: ${err.message}`, { field })) : resolve(actual),
    );
  });
}

export class CoordServer {
  private member: CoordMember | undefined;
  private peerAuth: PeerAuthConfig | undefined;
  private readonly streams = new Set<ServerDuplexStream<ClientRequest, ServerFrame>>();
  /** Each member's client address as its peer streams name it (a separate peer port only). */
  private readonly clientAddresses = new Map<NodeId, string>();

  private constructor(
    private readonly server: Server,
    /** The client address (HOST:PORT). */
    readonly address: string,
    /** The separate peer listener, if any. */
    private readonly peerServer: Server | undefined,
    /** The address peers dial (the client address when shared): this member's entry in the peer list. */
    readonly peerAddress: string,
    private readonly peerTls: PeerTlsMaterial | undefined,
    private readonly logger: Logger,
  ) {}

  /** Binds HOST:PORT (port 0: an ephemeral one), and the peer port if separate, and starts answering (UNAVAILABLE until start). */
  static async listen(host = '127.0.0.1', port = 0, options: ListenOptions = {}): Promise<CoordServer> {
    checkPort(port, 'port');
    if (options.peerPort !== undefined) checkPort(options.peerPort, 'peerPort');
    if (options.peerTls) {
      if (options.peerPort === undefined) throw invalidArgument('peerPort', 'peer TLS needs a separate peer port (clients keep the plaintext client port)');
      checkPeerTls(options.peerTls);
    }
    const server = newServer();
    const bound = await bind(server, host, port, ServerCredentials.createInsecure(), 'port');
    const address = `${host}:${bound}`;
    let peerServer: Server | undefined;
    let peerAddress = address;
    if (options.peerPort !== undefined) {
      peerServer = newServer();
      const peerHost = options.peerHost ?? host;
      try {
        const credentials = options.peerTls ? peerServerCredentials(options.peerTls) : ServerCredentials.createInsecure();
        peerAddress = `${peerHost}:${await bind(peerServer, peerHost, options.peerPort, credentials, 'peerPort')}`;
      } catch (err) {
        server.forceShutdown();
        throw err;
      }
    }
    const coord = new CoordServer(server, address, peerServer, peerAddress, options.peerTls, createLogger('coord-server', { address, ...(peerServer ? { peerAddress } : {}) }));
    server.addService(COORD_SERVICE, {
      session: (call: ServerDuplexStream<ClientRequest, ServerFrame>) => coord.onSession(call),
      status: (_call: ServerUnaryCall<unknown, StatusResponse>, callback: sendUnaryData<StatusResponse>) => coord.onStatus(callback),
    });
    (peerServer ?? server).addService(COORD_PEER_SERVICE, {
      raft: (call: ServerReadableStream<RaftBatch, basalt.coordrpc.RaftBatchAck.$Properties>, callback: sendUnaryData<basalt.coordrpc.RaftBatchAck.$Properties>) => coord.onRaft(call, callback),
    });
    return coord;
  }

  /** Creates and starts the member behind this server. */
  start(options: StartMemberOptions): CoordMember {
    if (this.member) throw new BasaltError(ErrorCodes.INTERNAL, 'member already started');
    const self = options.peers.get(options.id);
    if (self === undefined) throw invalidArgument('peers', `member ${options.id} is not in its own peer list`);
    if (self !== this.peerAddress && this.peerServer) throw invalidArgument('peers', `member ${options.id} is listed at ${self}, but its peer port is ${this.peerAddress}`);
    const separate = this.peerServer !== undefined;
    this.peerAuth = {
      clusterId: options.clusterId ?? deriveClusterId(options.peers),
      ...(options.peerSecret ? { secret: options.peerSecret } : {}),
      ...(separate ? { clientAddress: this.address } : {}),
      ...(this.peerTls ? { channelCredentials: peerChannelCredentials(this.peerTls) } : {}),
    };
    this.clientAddresses.set(options.id, this.address);
    this.member = new CoordMember({
      ...options,
      peerAuth: this.peerAuth,
      logger: options.logger ?? createLogger('coord', { member: options.id }),
      // The peer list names peer ports: hint clients only at a client address a peer stream named.
      ...(separate ? { clientAddressOf: (id: NodeId) => this.clientAddresses.get(id) ?? '' } : {}),
    });
    this.member.start();
    return this.member;
  }

  get coordMember(): CoordMember | undefined {
    return this.member;
  }

  private onSession(call: ServerDuplexStream<ClientRequest, ServerFrame>): void {
    const member = this.member;
    if (!member) {
      call.emit('error', toGrpcError(new BasaltError(ErrorCodes.UNAVAILABLE, 'member starting')));
      return;
    }
    if (this.streams.size >= MAX_CLIENT_STREAMS) {
      call.emit('error', toGrpcError(new BasaltError(ErrorCodes.SERVER_BUSY, `more than ${MAX_CLIENT_STREAMS} client streams`)));
      return;
    }
    this.streams.add(call);
    call.on('close', () => this.streams.delete(call));
    new SessionStream(member, call);
  }

  private onStatus(callback: sendUnaryData<StatusResponse>): void {
    const member = this.member;
    if (!member) return callback(toGrpcError(new BasaltError(ErrorCodes.UNAVAILABLE, 'member starting')));
    callback(null, member.status(this.address));
  }

  private onRaft(call: ServerReadableStream<RaftBatch, unknown>, callback: sendUnaryData<basalt.coordrpc.RaftBatchAck.$Properties>): void {
    const started = this.member;
    const auth = this.peerAuth;
    if (!started || !auth) {
      callback(toGrpcError(new BasaltError(ErrorCodes.UNAVAILABLE, 'member starting')));
      return;
    }
    // The stream proves who sends it (peer-auth.ts) once; every batch must then match.
    const sender = admitPeer(call.metadata, auth, started.id, (id) => started.isKnownPeer(id));
    if (sender instanceof BasaltError) {
      this.logger.warn({ err: sender.message, field: sender.details.field, peer: call.getPeer() }, 'peer stream refused');
      callback(toGrpcError(sender));
      return;
    }
    const clientAddress = this.peerServer ? peerClientAddress(call.metadata) : undefined;
    if (clientAddress) this.clientAddresses.set(sender, clientAddress);
    // Tell the sender at once that the stream is up (it resets its reconnect backoff on metadata).
    call.sendMetadata(new Metadata());
    const chunks = new ChunkAssembler(MAX_PEER_MESSAGE_BYTES);
    let refusedBatches = 0;
    call.on('data', (batch: RaftBatch) => {
      const member = this.member;
      if (!member) return;
      if (batch.from !== sender || batch.to !== member.id) {
        if (refusedBatches++ === 0) this.logger.warn({ from: batch.from, to: batch.to, sender }, 'peer batch does not match its stream; dropped');
        return;
      }
      let messages = batch.messages ?? [];
      if (batch.chunk && batch.chunk.byteLength > 0) {
        try {
          const whole = chunks.add(batch.chunk, batch.chunkLast ?? false);
          messages = whole ? [whole] : [];
        } catch (err) {
          this.logger.warn({ err: (err as Error).message }, 'chunked raft message dropped');
          return;
        }
      }
      for (const bytes of messages) {
        let message;
        try {
          message = decodeMessage(bytes);
        } catch (err) {
          this.logger.warn({ err: (err as Error).message }, 'undecodable raft message dropped');
          continue;
        }
        // A message must come from the member the stream proved (no relaying, no spoofing).
        if (message.from !== sender) {
          if (refusedBatches++ === 0) this.logger.warn({ from: message.from, sender }, 'peer message from another sender; dropped');
          continue;
        }
        member.step(message);
      }
    });
    call.on('end', () => callback(null, {}));
    call.on('error', () => undefined);
  }

  /** Stops the member (its storage closes) and the gRPC servers. */
  async close(): Promise<void> {
    const member = this.member;
    this.member = undefined;
    if (member) await member.close();
    for (const call of this.streams) {
      try {
        call.end();
      } catch {
        // Already closed.
      }
    }
    await Promise.all([this.server, ...(this.peerServer ? [this.peerServer] : [])].map(shutdown));
  }
}

function shutdown(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, 1_000);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
