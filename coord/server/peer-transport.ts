/**
 * Raft messages between members: one long-lived client-streaming gRPC call per ordered member
 * pair, each frame a batch of every message queued for that peer since the last flush (one
 * frame per event-loop turn, not one call per message: PLATFORM.md prices a unary call at
 * 0.5–2 ms of CPU, a stream frame at a small fraction of that).
 *
 * Loss is fine — Raft retransmits — so the transport never waits: a queue past its bound, a
 * stream that is not writable (the peer is slow or paused) or broken drops messages, reports the
 * peer unreachable to the core, and reconnects with backoff.
 */
import { credentials, type Client, type ClientWritableStream } from '@grpc/grpc-js';
import type { Logger } from '../../common/logger.js';
import { encodeMessage } from '../raft/codec.js';
import type { Message, NodeId } from '../raft/types.js';
import { CHANNEL_OPTIONS, CoordPeerGrpcClient, type RaftBatch } from '../client/protocol.js';

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
      const writable = stream.write({ from: this.options.selfId, to: link.id, messages });
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
    if (!link.client) link.client = new CoordPeerGrpcClient(link.address, credentials.createInsecure(), CHANNEL_OPTIONS);
    const client = link.client as Client & { raft(callback: (err: Error | null) => void): ClientWritableStream<RaftBatch> };
    const stream = client.raft((err) => {
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
