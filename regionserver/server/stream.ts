/**
 * One client's long-lived Batch stream. Each incoming frame holds independent requests; each runs
 * on its own and its response joins the next outgoing frame. Outgoing frames are coalesced: the
 * responses finished in one turn of the event loop leave together (flushed on setImmediate, or
 * earlier once a frame reaches its byte bound), which is what makes a stream message cost a
 * fraction of a unary call. Bounds: in-flight requests per stream and per server (SERVER_BUSY),
 * frame bytes (a response too large for a frame becomes its own error), and the bytes of responses
 * not yet taken by the transport, per stream and per server (STYLE.md §14): past either bound the
 * stream stops reading requests (HTTP/2 flow control pushes back on the client), and a read's
 * response that would cross it is answered SERVER_BUSY instead (a read is safe to retry; a
 * write's answer is always delivered: it reports an outcome).
 */
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { basalt } from '../../proto/generated/basalt.js';
import { assert, BasaltError, ErrorCodes, invalidArgument } from '../../common/errors.js';
import { toGrpcError, toWireError } from '../../common/grpc-errors.js';
import { decodeRequestItem, WireReader } from './wire-decode.js';

import pb = basalt.regionserver;

export interface Executor {
  execute(item: pb.IRequestItem): Promise<pb.IResponseItem>;
  /**
   * When present, used instead of `execute`: calls `done` exactly once (never throws), possibly
   * with the ResponseItem already encoded; a callback rather than a promise saves a hop per request.
   */
  executeWire?(item: pb.IRequestItem, done: (response: pb.IResponseItem | Uint8Array) => void, fits?: (bytes: number) => boolean): void;
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

/** Server-wide bytes of responses queued on all streams and not yet taken by the transport. */
export class ResponseMemory {
  usedBytes = 0;
  constructor(readonly maxBytes: number) {}
  get full(): boolean {
    return this.usedBytes >= this.maxBytes;
  }
  fits(bytes: number): boolean {
    return this.usedBytes + bytes <= this.maxBytes;
  }
  take(bytes: number): void {
    this.usedBytes += bytes;
  }
  release(bytes: number): void {
    this.usedBytes -= bytes;
    if (this.usedBytes < 0) throw new Error('invariant violated: response memory released twice');
  }
}

export interface StreamOptions {
  maxInflightPerStream: number;
  /** Largest outgoing frame (the transport's send limit minus room for the envelope). */
  maxFrameBytes: number;
  /** Bytes of responses this stream may hold that the transport has not taken (default 64 MiB). */
  maxQueuedBytesPerStream?: number;
  /** The server-wide bound, shared by all streams (default: unbounded beyond the streams' own). */
  memory?: ResponseMemory;
}

export const DEFAULT_MAX_QUEUED_BYTES_PER_STREAM = 64 * 1024 * 1024;

/** Requests whose answer may be replaced by SERVER_BUSY: reads only, which are safe to retry. */
function isRetryableRead(item: pb.IRequestItem): boolean {
  if (item.get || item.exists) return true;
  return item.multi !== undefined && item.multi !== null && (item.multi.actions ?? []).every((a) => a.get);
}

/** Request bytes a stream starts per event-loop turn (see StreamSession.runBacklog). */
const TURN_BYTES = 64 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * The RequestItems of a BatchRequest frame, still encoded (field 1, length-delimited; other fields
 * skipped as protobuf does). Throws INVALID_ARGUMENT when the frame is malformed.
 */
export function splitFrame(frame: Buffer): Buffer[] {
  const items: Buffer[] = [];
  const r = new WireReader(frame, 0, frame.length, 'frame');
  while (!r.done) {
    const tag = r.varint();
    if (tag >>> 3 === 0) throw invalidArgument('frame', 'malformed message: field number 0');
    if (tag === 10) {
      const end = r.lengthDelimited();
      items.push(frame.subarray(r.pos, end));
      r.pos = end;
    } else {
      r.skip(tag & 7);
    }
  }
  return items;
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
  /** Bytes written to the transport whose write callback has not fired yet. */
  private unflushedBytes = 0;
  private readonly maxQueuedBytes: number;
  private readonly memory: ResponseMemory;
  /** A read was refused for lack of room: stop reading requests until the transport drains. */
  private overBound = false;
  private idle?: () => void;
  /** Requests received and not yet started (runBacklog), in order. */
  private backlog: Buffer[] = [];
  private backlogHead = 0;
  private backlogScheduled = false;

  constructor(
    private readonly call: ServerDuplexStream<Buffer, Buffer>,
    private readonly executor: Executor,
    private readonly admission: Admission,
    private readonly options: StreamOptions,
    private readonly onEnd: (session: StreamSession) => void,
  ) {
    this.maxQueuedBytes = options.maxQueuedBytesPerStream ?? DEFAULT_MAX_QUEUED_BYTES_PER_STREAM;
    this.memory = options.memory ?? new ResponseMemory(Number.MAX_SAFE_INTEGER);
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

  /** Bytes of responses queued here that the transport has not taken (pending + written, unacknowledged). */
  get queuedBytes(): number {
    return this.pendingBytes + this.unflushedBytes;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  private onFrame(frame: Buffer): void {
    if (this.closed) return;
    let items: Buffer[];
    try {
      items = splitFrame(frame);
    } catch (err) {
      // A frame that does not decode has no request ids to answer: the stream itself is broken.
      this.fail(err);
      return;
    }
    for (const item of items) this.backlog.push(item);
    if (!this.backlogScheduled) this.runBacklog();
  }

  /**
   * Starts the frame's requests in order, at most TURN_BYTES of requests per event-loop turn: a
   * frame of many small reads starts in one turn (their responses coalesce), while a frame of large
   * writes starts one per turn, so the first one's WAL sync runs while the next is decoded and
   * applied instead of all of them waiting for one sync together and answering together (which
   * kept server and client taking turns). While requests wait here the stream reads no more frames.
   */
  private readonly runBacklog = (): void => {
    this.backlogScheduled = false;
    let budget = TURN_BYTES;
    while (this.backlogHead < this.backlog.length && budget > 0 && !this.closed) {
      const bytes = this.backlog[this.backlogHead]!;
      this.backlog[this.backlogHead++] = EMPTY;
      budget -= bytes.length;
      let item: pb.IRequestItem;
      try {
        item = decodeRequestItem(bytes);
      } catch (err) {
        this.fail(err);
        return;
      }
      this.accept(item);
    }
    if (this.closed) return;
    if (this.backlogHead < this.backlog.length) {
      this.backlogScheduled = true;
      setImmediate(this.runBacklog);
    } else {
      this.backlog = [];
      this.backlogHead = 0;
    }
    this.applyBackpressure();
    this.maybeFinish();
  };

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
    const retryable = isRetryableRead(item);
    if (this.executor.executeWire) {
      this.executor.executeWire(item, (response) => this.complete(id, response, retryable), retryable ? this.fitsRead : undefined);
      return;
    }
    this.executor.execute(item).then(
      (response) => this.complete(id, response, retryable),
      (err) => this.complete(id, { id, error: toWireError(err) }, retryable),
    );
  }

  private complete(id: number, response: pb.IResponseItem | Uint8Array, retryable: boolean): void {
    this.admission.leave();
    this.inflight.delete(id);
    this.respond(response, id, retryable);
    this.applyBackpressure();
    if (this.inflight.size === 0 && this.idle) this.idle();
    this.maybeFinish();
  }

  /**
   * Whether a read's response of `bytes` may join the queue (checked before it is encoded, so a
   * refused one never allocates); false marks the stream over its bound.
   */
  private readonly fitsRead = (bytes: number): boolean => {
    const fits = this.queuedBytes + bytes + 8 <= this.maxQueuedBytes && this.memory.fits(bytes + 8);
    if (!fits) this.overBound = true;
    return fits;
  };

  private busyItem(id: number): Uint8Array {
    const where = this.queuedBytes >= this.maxQueuedBytes / 2 ? 'this stream' : "the server's";
    return pb.ResponseItem.encode({ id, error: toWireError(busy(`responses queued past ${where} byte bound: read the stream, then retry`)) }).finish();
  }

  private respond(response: pb.IResponseItem | Uint8Array, id = response instanceof Uint8Array ? 0 : (response.id ?? 0), retryable = false): void {
    if (this.closed) return;
    let bytes: Uint8Array;
    if (response instanceof Uint8Array) {
      bytes = retryable && !this.fitsRead(response.length) ? this.busyItem(id) : response;
    } else {
      const writer = pb.ResponseItem.encode(response);
      bytes = retryable && !this.fitsRead(writer.len) ? this.busyItem(id) : writer.finish();
    }
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
    this.memory.take(bytes.length + 8);
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
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    // Responses count against the stream's bounds until HTTP/2 has taken them (the write callback
    // waits for the peer's flow-control window), so a client that does not read cannot make the
    // server buffer without limit.
    this.unflushed += items;
    this.unflushedBytes += bytes;
    this.call.write(frame, () => {
      this.unflushed -= items;
      if (this.closed) return; // terminate() released everything
      this.unflushedBytes -= bytes;
      this.memory.release(bytes);
      if (this.paused && !this.backlogScheduled && this.mayResume()) {
        this.paused = false;
        this.overBound = false;
        this.call.resume();
      }
    });
  }

  /** Whether the transport has taken enough of the queued responses to read requests again. */
  private mayResume(): boolean {
    return this.unsent() <= this.options.maxInflightPerStream / 2 && this.queuedBytes <= this.maxQueuedBytes / 2 && !this.memory.full;
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
    if (this.closed) return;
    if (
      !this.paused &&
      (this.backlogScheduled || this.unsent() >= this.options.maxInflightPerStream || this.overBound || this.queuedBytes >= this.maxQueuedBytes || this.memory.full)
    ) {
      this.paused = true;
      this.call.pause();
    } else if (this.paused && !this.backlogScheduled && !this.overBound && this.mayResume()) {
      // Paused only while the backlog ran (a bound that was crossed resumes from the write callback).
      this.paused = false;
      this.call.resume();
    }
  }

  private maybeFinish(): void {
    if (this.halfClosed && this.inflight.size === 0 && !this.backlogScheduled && !this.closed) {
      this.flush();
      this.closed = true;
      this.releaseMemory();
      this.call.end();
      this.onEnd(this);
    }
  }

  /** Ends the stream with an error status (typed, in the basalt-error-bin trailer). */
  fail(err: unknown): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.releaseMemory();
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
    this.releaseMemory();
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
    this.releaseMemory();
    this.pending = [];
    this.backlog = [];
    this.backlogHead = 0;
    this.onEnd(this);
  }

  /** The stream is over: its queued bytes no longer count against the server (write callbacks then do nothing). */
  private releaseMemory(): void {
    assert(this.pendingBytes >= 0 && this.unflushedBytes >= 0, 'queued response bytes are never negative');
    this.memory.release(this.pendingBytes + this.unflushedBytes);
    this.pendingBytes = 0;
    this.unflushedBytes = 0;
  }
}

function busy(message: string): BasaltError {
  return new BasaltError(ErrorCodes.SERVER_BUSY, message);
}
