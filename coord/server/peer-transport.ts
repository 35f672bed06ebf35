/**
 * Raft messages between members: one long-lived client-streaming gRPC call per ordered member
 * pair, each frame a batch of every message queued for that peer since the last flush (one
 * frame per event-loop turn, not one call per message: PLATFORM.md prices a unary call at
 * 0.5–2 ms of CPU, a stream frame at a small fraction of that).
 *
 * Loss is fine — Raft retransmits — so the transport never waits: a queue past its bound, a
 * stream that is not writable (the peer is slow or paused) or broken drops messages, reports the
 * peer unreachable to the core, and reconnects with backoff.
 *
 * With mutual TLS (peer-tls.ts) the links dial with the member's certificate; a handshake the
 * peer refuses fails the stream like any other error (backoff, unreachable).
 */
import { credentials, Metadata, type Client, type ClientWritableStream } from '@grpc/grpc-js';
import { peerMetadata, type PeerAuthConfig } from './peer-auth.js';
import type { Logger } from '../../common/logger.js';
import { invalidArgument } from '../../common/errors.js';
import { encodeMessage } from '../raft/codec.js';
import type { Message, NodeId } from '../raft/types.js';
import { CHANNEL_OPTIONS, CoordPeerGrpcClient, MAX_FRAME_BYTES, type RaftBatch } from '../client/protocol.js';

export interface PeerTransportOptions {
  selfId: NodeId;
  /** Every member's address, self included. */
  peers: ReadonlyMap<NodeId, string>;
  /** Called when messages to a peer were dropped because its stream failed. */
  onUnreachable(id: NodeId): void;
  logger: Logger;
  /** Most messages queued for one peer between flushes (beyond: dropped). */
  maxQueuedMessages?: number;
  /** Monotonic milliseconds (reconnect backoff). Default: performance.now. */
  monotonicMs?: () => number;
  /** How this member proves itself when it opens a stream (peer-auth.ts). */
  auth?: PeerAuthConfig;
}

interface PeerLink {
  id: NodeId;
  address: string;
  client: Client | undefined;
  stream: ClientWritableStream<RaftBatch> | undefined;
  /** The stream's buffer is full: drop until it drains. */
  blocked: boolean;
  queue: Uint8Array[];
  retryAtMs: number;
  backoffMs: number;
}

/** Bytes of messages packed into one frame; a message above it is chunked. Half the frame limit. */
export const PEER_FRAME_BUDGET_BYTES = MAX_FRAME_BYTES / 2;

/**
 * The frames that carry `messages` to one peer, each under the frame limit: messages packed up to
 * the budget, and a message larger than the budget split into chunk frames (all of them written
 * together, so a chunked message is never half-dropped by the transport).
 */
export function framesFor(from: NodeId, to: NodeId, messages: Uint8Array[], budgetBytes = PEER_FRAME_BUDGET_BYTES): RaftBatch[] {
  const frames: RaftBatch[] = [];
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  const flushBatch = (): void => {
    if (batch.length > 0) frames.push({ from, to, messages: batch });
    batch = [];
    batchBytes = 0;
  };
  for (const message of messages) {
    if (message.byteLength > budgetBytes) {
      flushBatch();
      for (let at = 0; at < message.byteLength; at += budgetBytes) {
        const end = Math.min(message.byteLength, at + budgetBytes);
        frames.push({ from, to, chunk: message.subarray(at, end), chunkLast: end === message.byteLength });
      }
      continue;
    }
    if (batchBytes + message.byteLength > budgetBytes) flushBatch();
    batch.push(message);
    batchBytes += message.byteLength + 8;
  }
  flushBatch();
  return frames;
}

/** Joins the chunk frames of one peer stream back into messages (frames on a stream arrive in order). */
export class ChunkAssembler {
  private parts: Uint8Array[] = [];
  private bytes = 0;

  constructor(private readonly maxMessageBytes: number) {}

  /** The complete message once `last` arrives; undefined before. Throws past the bound (input error). */
  add(chunk: Uint8Array, last: boolean): Uint8Array | undefined {
    this.bytes += chunk.byteLength;
    if (this.bytes > this.maxMessageBytes) {
      this.parts = [];
      this.bytes = 0;
      throw invalidArgument('chunk', `a chunked peer message over ${this.maxMessageBytes} bytes`);
    }
    this.parts.push(chunk);
    if (!last) return undefined;
    const whole = Buffer.concat(this.parts);
    this.parts = [];
    this.bytes = 0;
    return whole;
  }
}

export class PeerTransport {
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly maxQueuedMessages: number;
  private flushScheduled = false;
  private closed = false;
  /** Messages dropped since start (a health figure for status and tests). */
  dropped = 0;

  private readonly monotonicMs: () => number;

  constructor(private readonly options: PeerTransportOptions) {
    this.monotonicMs = options.monotonicMs ?? (() => performance.now());
    this.maxQueuedMessages = options.maxQueuedMessages ?? 4096;
    for (const [id, address] of options.peers) {
      if (id === options.selfId) continue;
      this.links.set(id, { id, address, client: undefined, stream: undefined, blocked: false, queue: [], retryAtMs: 0, backoffMs: 50 });
    }
  }

  send(messages: Message[]): void {
    if (this.closed) return;
    for (const message of messages) {
      const link = this.links.get(message.to);
      if (!link) {
        this.dropped++;
        continue;
      }
      if (link.queue.length >= this.maxQueuedMessages) {
        this.dropped++;
        continue;
      }
      link.queue.push(encodeMessage(message));
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.closed) return;
    const now = this.monotonicMs();
    for (const link of this.links.values()) {
      if (link.queue.length === 0) continue;
      const messages = link.queue;
      link.queue = [];
      const stream = this.streamFor(link, now);
      if (!stream || link.blocked) {
        this.dropped += messages.length;
        continue;
      }
      let writable = true;
      for (const frame of framesFor(this.options.selfId, link.id, messages)) writable = stream.write(frame) && writable;
      if (!writable) {
        link.blocked = true;
        stream.once('drain', () => {
          link.blocked = false;
        });
      }
    }
  }

  private streamFor(link: PeerLink, now: number): ClientWritableStream<RaftBatch> | undefined {
    if (link.stream) return link.stream;
    if (now < link.retryAtMs) return undefined;
    if (!link.client) link.client = new CoordPeerGrpcClient(link.address, this.options.auth?.channelCredentials ?? credentials.createInsecure(), CHANNEL_OPTIONS);
    const client = link.client as Client & { raft(metadata: Metadata, callback: (err: Error | null) => void): ClientWritableStream<RaftBatch> };
    const metadata = this.options.auth ? peerMetadata(this.options.auth, this.options.selfId, link.id) : new Metadata();
    const stream = client.raft(metadata, (err) => {
      if (link.stream !== stream) return;
      link.stream = undefined;
      link.blocked = false;
      if (this.closed) return;
      link.retryAtMs = this.monotonicMs() + link.backoffMs;
      link.backoffMs = Math.min(1_000, link.backoffMs * 2);
      this.options.logger.debug({ peer: link.id, err: err?.message }, 'peer stream ended');
      this.options.onUnreachable(link.id);
    });
    // Any answer from the peer means the stream is healthy again: reset the backoff.
    stream.on('metadata', () => {
      link.backoffMs = 50;
    });
    stream.on('error', () => undefined);
    link.stream = stream;
    return stream;
  }

  /** A member joined (its configuration change applied): open a link to it on the next send. */
  addPeer(id: NodeId, address: string): void {
    if (id === this.options.selfId) return;
    const link = this.links.get(id);
    if (link && link.address === address) return;
    if (link) this.removePeer(id);
    this.links.set(id, { id, address, client: undefined, stream: undefined, blocked: false, queue: [], retryAtMs: 0, backoffMs: 50 });
  }

  /** A member left: close its link. */
  removePeer(id: NodeId): void {
    const link = this.links.get(id);
    if (!link) return;
    this.links.delete(id);
    link.stream?.cancel();
    link.client?.close();
  }

  close(): void {
    this.closed = true;
    for (const link of this.links.values()) {
      link.stream?.cancel();
      link.stream = undefined;
      link.client?.close();
      link.client = undefined;
    }
  }
}
