/**
 * One client's long-lived Batch stream. Each incoming frame holds independent requests; each runs
 * on its own and its response joins the next outgoing frame. Outgoing frames are coalesced: the
 * responses finished in one turn of the event loop leave together (flushed on setImmediate, or
 * earlier once a frame reaches its byte bound), which is what makes a stream message cost a
 * fraction of a unary call. Bounds: in-flight requests per stream and per server (SERVER_BUSY),
 * frame bytes (a response too large for a frame becomes its own error).
 */
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { basalt } from '../../proto/generated/basalt.js';
import { BasaltError, ErrorCodes, invalidArgument } from '../../common/errors.js';
import { toGrpcError, toWireError } from '../../common/grpc-errors.js';
import { decodeMessage } from './service.js';

import pb = basalt.regionserver;

export interface Executor {
  execute(item: pb.IRequestItem): Promise<pb.IResponseItem>;
  /**
   * When present, used instead of `execute`: calls `done` exactly once (never throws), possibly
   * with the ResponseItem already encoded; a callback rather than a promise saves a hop per request.
   */
  executeWire?(item: pb.IRequestItem, done: (response: pb.IResponseItem | Uint8Array) => void): void;
}

/** Server-wide admission: the total requests running on all streams. */
export class Admission {
  running = 0;
  constructor(readonly maxRunning: number) {}
  tryEnter(): boolean {
    if (this.running >= this.maxRunning) return false;
    this.running++;
    return true;
  }
  leave(): void {
    this.running--;
  }
}

export interface StreamOptions {
  maxInflightPerStream: number;
  /** Largest outgoing frame (the transport's send limit minus room for the envelope). */
  maxFrameBytes: number;
}

/** Encodes response items into BatchResponse frames by concatenation (field 1, length-delimited). */
export function encodeFrame(items: Uint8Array[]): Buffer {
  let size = 0;
  for (const item of items) size += 1 + varintSize(item.length) + item.length;
  const frame = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const item of items) {
    frame[pos++] = 10;
    let n = item.length;
    while (n >= 128) {
      frame[pos++] = (n & 127) | 128;
      n >>>= 7;
    }
    frame[pos++] = n;
    frame.set(item, pos);
    pos += item.length;
  }
  return frame;
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n >>>= 7;
    size++;
  }
  return size;
}

export class StreamSession {
  private readonly inflight = new Set<number>();
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;
  private closed = false;
  private halfClosed = false;
  private draining = false;
  private paused = false;
  private unflushed = 0;
  private idle?: () => void;

  constructor(
    private readonly call: ServerDuplexStream<Buffer, Buffer>,
    private readonly executor: Executor,
    private readonly admission: Admission,
    private readonly options: StreamOptions,
    private readonly onEnd: (session: StreamSession) => void,
  ) {
    call.on('data', (frame: Buffer) => this.onFrame(frame));
    call.on('end', () => {
      this.halfClosed = true;
      this.maybeFinish();
    });
    call.on('cancelled', () => this.terminate());
    call.on('error', () => this.terminate());
    call.on('close', () => this.terminate());
  }

  get running(): number {
    return this.inflight.size;
  }

  private onFrame(frame: Buffer): void {
    if (this.closed) return;
    let batch: pb.BatchRequest;
    try {
      batch = decodeMessage(pb.BatchRequest, frame, 'frame');
    } catch (err) {
      // A frame that does not decode has no request ids to answer: the stream itself is broken.
      this.fail(err);
      return;
    }
    for (const item of batch.items) this.accept(item);
    this.applyBackpressure();
  }

  private accept(item: pb.IRequestItem): void {
    const id = item.id ?? 0;
    if (this.draining) {
      this.respond({ id, error: toWireError(new BasaltError(ErrorCodes.CLOSED, 'the region server is shutting down')) });
      return;
    }
    if (this.inflight.has(id)) {
      this.respond({ id, error: toWireError(invalidArgument('id', `request id ${id} is already in flight on this stream`)) });
      return;
    }
    if (this.inflight.size >= this.options.maxInflightPerStream) {
      this.respond({ id, error: toWireError(busy(`more than ${this.options.maxInflightPerStream} requests in flight on this stream`)) });
      return;
    }
    if (!this.admission.tryEnter()) {
      this.respond({ id, error: toWireError(busy(`more than ${this.admission.maxRunning} requests running on this server`)) });
      return;
    }
    this.inflight.add(id);
    if (this.executor.executeWire) {
      this.executor.executeWire(item, (response) => this.complete(id, response));
      return;
    }
    this.executor.execute(item).then(
      (response) => this.complete(id, response),
      (err) => this.complete(id, { id, error: toWireError(err) }),
    );
  }

  private complete(id: number, response: pb.IResponseItem | Uint8Array): void {
    this.admission.leave();
    this.inflight.delete(id);
    this.respond(response, id);
    if (this.inflight.size === 0 && this.idle) this.idle();
    this.maybeFinish();
  }

  private respond(response: pb.IResponseItem | Uint8Array, id = response instanceof Uint8Array ? 0 : (response.id ?? 0)): void {
    if (this.closed) return;
    let bytes = response instanceof Uint8Array ? response : pb.ResponseItem.encode(response).finish();
    if (bytes.length > this.options.maxFrameBytes) {
      const err = new BasaltError(ErrorCodes.ROW_TOO_LARGE, `response of ${bytes.length} bytes exceeds the frame limit ${this.options.maxFrameBytes}`, {
        size: bytes.length,
        limit: this.options.maxFrameBytes,
      });
      bytes = pb.ResponseItem.encode({ id, error: toWireError(err) }).finish();
    }
    if (this.pendingBytes + bytes.length + 8 > this.options.maxFrameBytes) this.flush();
    this.pending.push(bytes);
    this.pendingBytes += bytes.length + 8;
    // Nothing else is running: no other response can join this frame, so it leaves now, in the
    // same turn as the request frame that caused it (the transport sends it at this turn's check
    // phase rather than one loop iteration later, which a whole round trip of gets waits for).
    if (this.inflight.size === 0) {
      this.flush();
      return;
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.closed || this.pending.length === 0) return;
    const frame = encodeFrame(this.pending);
    const items = this.pending.length;
    this.pending = [];
    this.pendingBytes = 0;
    // Responses count against the stream's bound until HTTP/2 has taken them (the write callback
    // waits for the peer's flow-control window), so a client that does not read cannot make the
    // server buffer without limit.
    this.unflushed += items;
    this.call.write(frame, () => {
      this.unflushed -= items;
      if (this.paused && this.unsent() <= this.options.maxInflightPerStream / 2 && !this.closed) {
        this.paused = false;
        this.call.resume();
      }
    });
  }

  /** Responses not yet taken by the transport. */
  private unsent(): number {
    return this.unflushed + this.pending.length;
  }

  /**
   * Running requests are bounded by SERVER_BUSY; responses the client does not read are bounded
   * by reading no more requests until the transport takes them (resumed by the write callback).
   */
  private applyBackpressure(): void {
    if (!this.paused && this.unsent() >= this.options.maxInflightPerStream) {
      this.paused = true;
      this.call.pause();
    }
  }

  private maybeFinish(): void {
    if (this.halfClosed && this.inflight.size === 0 && !this.closed) {
      this.flush();
      this.closed = true;
      this.call.end();
      this.onEnd(this);
    }
  }

  /** Ends the stream with an error status (typed, in the basalt-error-bin trailer). */
  fail(err: unknown): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.call.emit('error', toGrpcError(err));
    this.onEnd(this);
  }

  /** Graceful shutdown: new requests get CLOSED; waits (bounded) for running ones, then ends. */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    if (this.inflight.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.inflight.size > 0) {
      this.call.emit('error', toGrpcError(new BasaltError(ErrorCodes.UNAVAILABLE, 'the region server shut down with requests in flight')));
    } else {
      this.call.end();
    }
    this.onEnd(this);
  }

  private terminate(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    this.onEnd(this);
  }
}

function busy(message: string): BasaltError {
  return new BasaltError(ErrorCodes.SERVER_BUSY, message);
}
