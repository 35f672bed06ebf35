/**
 * The low-level client of one region server: one long-lived Batch stream that multiplexes every
 * data request bound for that server, and unary admin calls. Concurrent operations are coalesced
 * into frames: requests issued in the same turn of the event loop leave together (flushed on
 * setImmediate, which runs right after the I/O that woke the callers, or earlier when a frame
 * reaches its byte bound). Responses arrive in any order and are matched by request id; each
 * failed request rejects alone with its typed error. If the stream breaks, the requests in flight
 * on it fail with UNAVAILABLE (they may or may not have been applied) and the next call opens a
 * new stream. Retries, routing and region location belong to the full client above this one.
 */
import { Client, connectivityState, credentials, Metadata, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import * as protobuf from 'protobufjs/minimal.js';
import { basalt } from '../../proto/generated/basalt.js';
import type { Clock } from '../../common/clock.js';
import { systemClock } from '../../common/clock.js';
import { DEFAULT_CONFIG } from '../../common/config.js';
import { BasaltError, ErrorCodes } from '../../common/errors.js';
import { fromGrpcError, fromWireError } from '../../common/grpc-errors.js';
import type { RegionInfo, RegionLoad, RowResult } from '../../common/rs-wire/types.js';
import { int64ToNumber as num } from '../../common/proto-numbers.js';
import { regionLoadFromProto } from '../../common/rs-wire/load.js';
import { rowFromProto } from '../../common/rs-wire/rows.js';
import { ADMIN_METHODS, adminPath, BATCH_PATH, EXECUTE_PATH, FRAME_OVERHEAD_BYTES, STREAM_WINDOW_BYTES, type AdminMethod } from '../../common/rs-wire/service.js';

import pb = basalt.regionserver;

export interface RegionServerClientOptions {
  /** host:port of the region server. */
  address: string;
  /** Largest request frame; must not exceed the server's maxRequestBytes (default: the default config's). */
  maxFrameBytes?: number;
  /** Most requests in flight on this client; beyond it a call fails with SERVER_BUSY. Default 4,096 (the server's per-stream bound). */
  maxInflight?: number;
  /** A request unanswered after this fails with TIMEOUT. Default 30 s. */
  requestTimeoutMs?: number;
  clock?: Clock;
}

/** One operation of a frame: a RequestItem without its id. */
export type RequestOp = Omit<pb.IRequestItem, 'id'>;

/** A request waiting for its frame: encoded when the frame is built (flush). */
interface QueuedRequest {
  op: RequestOp;
  p: Pending;
  bytes?: Uint8Array;
}

interface Pending {
  id: number;
  deadlineMs: number;
  /** The stream the request was written to; undefined while it waits in the coalescing queue. */
  stream?: ClientDuplexStream<Buffer, Buffer>;
  /** The channel was connected when the request was written … */
  sentReady?: boolean;
  /** … or the connection count then (unchanged at failure: the request never left this process). */
  readyEpoch?: number;
  resolve(item: pb.IResponseItem): void;
  reject(err: BasaltError): void;
}

export interface ScanBatch {
  rows: RowResult[];
  /** More rows of this scan in this region. */
  more: boolean;
  /** Where a new scanner continues after this batch (absent before the first row). */
  resume?: { row: Buffer; inclusive: boolean };
}

export interface ServerLoad {
  serverName: string;
  regions: RegionLoad[];
  totalRequests: number;
  readRequests: number;
  writeRequests: number;
  openScanners: number;
  openStreams: number;
  memstoreSizeBytes: number;
  storeFileSizeBytes: number;
  /** The server process's heap in use and its limit (0 from a server that does not report them). */
  heapUsedBytes: number;
  heapMaxBytes: number;
}

/** Request bytes put on the stream per event-loop turn (see flush). */
const SEND_TURN_BYTES = 64 * 1024;

type Deserialize = (b: Buffer) => Buffer;
const identity: Deserialize = (b) => b;

export class RegionServerClient {
  readonly address: string;
  private readonly grpc: Client;
  private readonly clock: Clock;
  private readonly maxFrameBytes: number;
  private readonly maxInflight: number;
  private readonly requestTimeoutMs: number;
  private readonly pending = new Map<number, Pending>();
  private stream: ClientDuplexStream<Buffer, Buffer> | undefined;
  /** Requests not yet on the stream, in call order (encoded when their frame is built). */
  private queued: QueuedRequest[] = [];
  private queuedHead = 0;
  private flushScheduled = false;
  private nextId = 1;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Times the channel became READY, and whether it is now: tells "never sent" from "in doubt". */
  private readyEpoch = 0;
  private channelReady = false;
  /** Frames sent on the stream (for tests and benchmarks: shows coalescing). */
  framesSent = 0;

  constructor(options: RegionServerClientOptions) {
    this.address = options.address;
    this.clock = options.clock ?? systemClock;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_CONFIG.regionserver.maxRequestBytes;
    this.maxInflight = options.maxInflight ?? 4_096;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.grpc = new Client(options.address, credentials.createInsecure(), {
      'grpc.max_send_message_length': this.maxFrameBytes + FRAME_OVERHEAD_BYTES,
      'grpc.max_receive_message_length': -1,
      'grpc.keepalive_time_ms': 30_000,
      // Responses (scan batches up to 2 MiB) should not wait for window updates: see STREAM_WINDOW_BYTES.
      'grpc-node.flow_control_window': STREAM_WINDOW_BYTES,
    });
    this.watchChannel();
  }

  private watchChannel(): void {
    if (this.closed) return;
    const channel = this.grpc.getChannel();
    const state = channel.getConnectivityState(false);
    if (state === connectivityState.READY) {
      if (!this.channelReady) this.readyEpoch++;
      this.channelReady = true;
    } else {
      this.channelReady = false;
    }
    try {
      channel.watchConnectivityState(state, Infinity, () => this.watchChannel());
    } catch {
      // The channel is shut down (close()).
    }
  }

  /**
   * A failure of a request that never reached a connected channel: the server cannot have seen
   * it, so the error says `sent: false` and the caller may resend even a non-idempotent request.
   */
  private failureOf(p: Pending, error: BasaltError): BasaltError {
    const neverSent = p.stream === undefined || (p.sentReady === false && p.readyEpoch === this.readyEpoch);
    return neverSent ? new BasaltError(error.code, error.message, { ...error.details, sent: false }) : error;
  }

  // ---- the stream ----

  /**
   * Sends one operation on the stream; resolves with its response item (rejects with its error).
   * `timeoutMs` overrides requestTimeoutMs for this request (the full client passes what is left
   * of its operation's deadline).
   */
  call(op: RequestOp, options: { timeoutMs?: number } = {}): Promise<pb.IResponseItem> {
    if (this.closed) return Promise.reject(new BasaltError(ErrorCodes.CLOSED, 'the region server client is closed'));
    if (this.pending.size >= this.maxInflight) {
      return Promise.reject(new BasaltError(ErrorCodes.SERVER_BUSY, `more than ${this.maxInflight} requests in flight to ${this.address}`));
    }
    let id = this.nextId;
    // Ids are uint32 on the wire and only need to be unique among the requests in flight.
    while (this.pending.has(id)) id = (id % 0xffff_ffff) + 1;
    this.nextId = (id % 0xffff_ffff) + 1;
    return new Promise<pb.IResponseItem>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
      const p: Pending = { id, deadlineMs: this.clock.monotonic() + timeoutMs, resolve, reject };
      this.pending.set(id, p);
      this.queued.push({ op, p });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flush);
      }
      this.timer ??= setInterval(() => this.expire(), Math.min(250, this.requestTimeoutMs)).unref();
    });
  }

  private openStream(): ClientDuplexStream<Buffer, Buffer> {
    const stream = this.grpc.makeBidiStreamRequest(BATCH_PATH, identity, identity);
    stream.on('data', (frame: Buffer) => this.onFrame(frame));
    const lost = (err: unknown): void => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      const error = err === undefined ? new BasaltError(ErrorCodes.UNAVAILABLE, 'the region server ended the stream') : fromGrpcError(err);
      // Everything sent on this stream is now in doubt: fail it (the caller decides about retries).
      // Requests still waiting in the coalescing queue were never sent: they go on the next stream.
      for (const p of [...this.pending.values()]) {
        if (p.stream !== stream) continue;
        this.pending.delete(p.id);
        p.reject(this.failureOf(p, error));
      }
    };
    stream.on('error', (err: ServiceError) => lost(err));
    stream.on('end', () => lost(undefined));
    return stream;
  }

  /**
   * Sends the queued requests, encoding them as their frame is built: the requests made in one
   * turn share a frame (small ones cost a fraction of a message each), up to SEND_TURN_BYTES per
   * turn; the rest wait for the next turn. So when several large requests are made at once (a
   * bulk load's batches), the first is on the wire while the next is encoded, instead of the server
   * waiting for all of them. A request is read when its frame is built: the caller must not change
   * it after the call.
   */
  private readonly flush = (): void => {
    this.flushScheduled = false;
    // Closed between the call and this turn: close() already failed the requests.
    if (this.closed) return;
    const writer = protobuf.Writer.create();
    const sent: Pending[] = [];
    let frameBytes = 0;
    while (this.queuedHead < this.queued.length && frameBytes < SEND_TURN_BYTES) {
      const entry = this.queued[this.queuedHead]!;
      const { p } = entry;
      if (this.pending.get(p.id) !== p) {
        this.queuedHead++; // Timed out while queued (its id may already name a newer request).
        continue;
      }
      const bytes = this.encodeQueued(entry);
      if (!bytes) {
        this.queuedHead++;
        continue;
      }
      if (sent.length > 0 && frameBytes + bytes.length + 8 > this.maxFrameBytes) break;
      this.queuedHead++;
      writer.uint32(10).bytes(bytes);
      sent.push(p);
      frameBytes += bytes.length + 8;
    }
    if (this.queuedHead === this.queued.length) {
      this.queued = [];
      this.queuedHead = 0;
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
    if (sent.length === 0) return;
    const frame = writer.finish();
    this.stream ??= this.openStream();
    for (const p of sent) {
      p.stream = this.stream;
      p.sentReady = this.channelReady;
      p.readyEpoch = this.readyEpoch;
    }
    this.framesSent++;
    this.stream.write(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
  };

  /**
   * The request's encoding (kept, so a request left for the next frame is not encoded twice), or
   * undefined once it has failed alone: protobuf cannot encode it, or it exceeds the frame limit.
   */
  private encodeQueued(entry: QueuedRequest): Uint8Array | undefined {
    const { p } = entry;
    let error: BasaltError | undefined;
    if (!entry.bytes) {
      try {
        entry.bytes = pb.RequestItem.encode({ ...entry.op, id: p.id }).finish();
      } catch (err) {
        error = new BasaltError(ErrorCodes.INVALID_ARGUMENT, `request cannot be encoded: ${(err as Error).message}`, { sent: false });
      }
    }
    const size = entry.bytes?.length ?? 0;
    if (!error && size > this.maxFrameBytes) {
      error = new BasaltError(ErrorCodes.REQUEST_TOO_LARGE, `request of ${size} bytes exceeds the frame limit ${this.maxFrameBytes}`, {
        size,
        limit: this.maxFrameBytes,
        sent: false,
      });
    }
    if (!error) return entry.bytes;
    this.pending.delete(p.id);
    p.reject(error);
    return undefined;
  }

  private onFrame(frame: Buffer): void {
    let batch: pb.BatchResponse;
    try {
      batch = pb.BatchResponse.decode(frame);
    } catch (err) {
      this.stream?.cancel();
      return;
    }
    for (const item of batch.items) {
      const id = item.id ?? 0;
      const p = this.pending.get(id);
      if (!p) continue; // Timed out already.
      this.pending.delete(id);
      if (item.error) p.reject(fromWireError(item.error));
      else p.resolve(item);
    }
  }

  private expire(): void {
    const now = this.clock.monotonic();
    for (const p of this.pending.values()) {
      if (p.deadlineMs <= now) {
        this.pending.delete(p.id);
        p.reject(this.failureOf(p, new BasaltError(ErrorCodes.TIMEOUT, `no answer from ${this.address} in time`, { address: this.address })));
      }
    }
  }

  /** In-flight requests (sent or queued). */
  get inflight(): number {
    return this.pending.size;
  }

  // ---- data operations ----

  async get(region: string, get: pb.IGet): Promise<RowResult | undefined> {
    const r = await this.call({ get: { region, get } });
    return r.get?.row ? rowFromProto(r.get.row) : undefined;
  }

  async exists(region: string, get: pb.IGet): Promise<boolean> {
    const r = await this.call({ exists: { region, get } });
    return r.exists?.exists === true;
  }

  async mutate(region: string, mutation: pb.IMutation): Promise<void> {
    await this.call({ mutate: { region, mutation } });
  }

  async increment(region: string, increment: pb.IIncrement): Promise<RowResult> {
    const r = await this.call({ mutate: { region, increment } });
    return rowFromProto(r.mutate?.row ?? {});
  }

  async append(region: string, append: pb.IAppend): Promise<RowResult> {
    const r = await this.call({ mutate: { region, append } });
    return rowFromProto(r.mutate?.row ?? {});
  }

  async mutateRow(region: string, mutations: pb.IMutation[]): Promise<void> {
    await this.call({ mutateRow: { region, mutations } });
  }

  async checkAndMutate(region: string, request: Omit<pb.ICheckAndMutateRequest, 'region'>): Promise<boolean> {
    const r = await this.call({ checkAndMutate: { ...request, region } });
    return r.checkAndMutate?.succeeded === true;
  }

  /** Per-action results, in order: a row (get/increment/append), undefined (applied / no row) or the action's error. */
  async multi(region: string, actions: pb.IMultiAction[]): Promise<Array<RowResult | undefined | BasaltError>> {
    const r = await this.call({ multi: { region, actions } });
    return (r.multi?.results ?? []).map((res) => (res.error ? fromWireError(res.error) : res.row ? rowFromProto(res.row) : undefined));
  }

  /** Opens a server-side scanner; its first batch comes back with the open. */
  async openScanner(region: string, scan: pb.IScanSpec, options: { maxRows?: number; maxBytes?: number } = {}): Promise<RemoteScanner> {
    const scanner = new RemoteScanner(this, region, options);
    await scanner.open(scan);
    return scanner;
  }

  /** Every row of a scan in one region, batch by batch; closes the scanner when the loop stops early. */
  async *scan(region: string, scan: pb.IScanSpec, options: { maxRows?: number; maxBytes?: number } = {}): AsyncGenerator<RowResult> {
    const scanner = await this.openScanner(region, scan, options);
    try {
      let batch = scanner.first!;
      for (;;) {
        yield* batch.rows;
        if (!batch.more) return;
        batch = await scanner.next();
      }
    } finally {
      await scanner.close().catch(() => undefined);
    }
  }

  /** The unary twin of one frame (tools, tests): items answered together. */
  execute(items: pb.IRequestItem[], options: { deadlineMs?: number } = {}): Promise<pb.BatchResponse> {
    const bytes = Buffer.from(pb.BatchRequest.encode({ items }).finish());
    return this.unaryRaw(EXECUTE_PATH, bytes, options.deadlineMs).then((b) => pb.BatchResponse.decode(b));
  }

  /** Sends already-encoded bytes as one Execute frame (fuzzing, tools). */
  async executeRaw(frame: Buffer): Promise<pb.BatchResponse> {
    return pb.BatchResponse.decode(await this.unaryRaw(EXECUTE_PATH, frame));
  }

  // ---- admin ----

  private unaryRaw(path: string, request: Buffer, deadlineMs = 60_000): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.grpc.makeUnaryRequest(path, identity, identity, request, new Metadata(), { deadline: Date.now() + deadlineMs }, (err, value) => {
        if (err) reject(fromGrpcError(err));
        else resolve(value!);
      });
    });
  }

  /** Sends already-encoded bytes to an admin method (fuzzing, tools). */
  adminRaw(method: AdminMethod, request: Buffer): Promise<Buffer> {
    return this.unaryRaw(adminPath(method), request);
  }

  private async admin<M extends AdminMethod>(method: M, request: object): Promise<ReturnType<(typeof ADMIN_METHODS)[M][1]['decode']>> {
    const [requestType, responseType] = ADMIN_METHODS[method];
    const bytes = Buffer.from((requestType as { encode(m: object): protobuf.Writer }).encode(request).finish());
    const response = await this.unaryRaw(adminPath(method), bytes);
    return responseType.decode(response) as ReturnType<(typeof ADMIN_METHODS)[M][1]['decode']>;
  }

  async openRegion(request: pb.IOpenRegionRequest): Promise<number> {
    return num((await this.admin('OpenRegion', request)).openSequenceId);
  }

  async closeRegion(region: string): Promise<void> {
    await this.admin('CloseRegion', { region });
  }

  async flushRegion(region: string): Promise<number> {
    return num((await this.admin('FlushRegion', { region })).flushedSequenceId);
  }

  async compactRegion(region: string, major: boolean): Promise<void> {
    await this.admin('CompactRegion', { region, major });
  }

  async regionLoad(region: string): Promise<RegionLoad> {
    return regionLoadFromProto(await this.admin('GetRegionLoad', { region }));
  }

  /** The server's load with every 64-bit field as a number. */
  async serverLoad(): Promise<ServerLoad> {
    const l = await this.admin('GetServerLoad', {});
    return {
      serverName: l.serverName,
      regions: l.regions.map(regionLoadFromProto),
      totalRequests: num(l.totalRequests),
      readRequests: num(l.readRequests),
      writeRequests: num(l.writeRequests),
      openScanners: l.openScanners,
      openStreams: l.openStreams,
      memstoreSizeBytes: num(l.memstoreSizeBytes),
      storeFileSizeBytes: num(l.storeFileSizeBytes),
      heapUsedBytes: num(l.heapUsedBytes),
      heapMaxBytes: num(l.heapMaxBytes),
    };
  }

  /** Creates the daughters of a closed parent on the shared data root (master's split procedure). */
  async splitRegion(request: pb.ISplitRegionRequest): Promise<{ splitKey: Buffer; daughters: RegionInfo[]; parentMaxSequenceId: number }> {
    const r = await this.admin('SplitRegion', request);
    return { splitKey: Buffer.from(r.splitKey), daughters: r.daughters.map(regionInfoFromWire), parentMaxSequenceId: num(r.parentMaxSequenceId) };
  }

  /** Creates the merged region of two closed, adjacent parents (master's merge procedure). */
  async mergeRegions(request: pb.IMergeRegionsRequest): Promise<number> {
    return num((await this.admin('MergeRegions', request)).parentsMaxSequenceId);
  }

  /** Removes a retired region's directory if nothing references it any more (catalog janitor). */
  async removeRetiredRegion(region: pb.IRegionInfo): Promise<{ removed: boolean; referencedBy: string[] }> {
    const r = await this.admin('RemoveRetiredRegion', { region });
    return { removed: r.removed, referencedBy: r.referencedBy };
  }

  async onlineRegions(): Promise<{ serverName: string; regions: Array<{ info: RegionInfo; openEpoch: number }> }> {
    const r = await this.admin('GetOnlineRegions', {});
    return {
      serverName: r.serverName,
      regions: r.regions.map((o) => ({
        info: {
          table: o.info?.table ?? '',
          startKey: Buffer.from(o.info?.startKey ?? []),
          endKey: Buffer.from(o.info?.endKey ?? []),
          regionId: num(o.info?.regionId),
          encodedName: o.info?.encodedName ?? '',
        },
        openEpoch: num(o.openEpoch),
      })),
    };
  }

  /** Fails what is in flight with CLOSED and releases the channel. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    const err = new BasaltError(ErrorCodes.CLOSED, 'the region server client is closed');
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.queued = [];
    this.queuedHead = 0;
    this.stream?.end();
    this.stream = undefined;
    this.grpc.close();
  }
}

/** A server-side scanner seen from the client: next batches, call sequence, resume point. */
export class RemoteScanner {
  id = 0;
  private callSeq = 0;
  first: ScanBatch | undefined;
  /** Where a new scanner would continue (after the last row received). */
  resume: { row: Buffer; inclusive: boolean } | undefined;

  constructor(
    private readonly client: RegionServerClient,
    readonly region: string,
    private readonly options: { maxRows?: number; maxBytes?: number },
  ) {}

  async open(scan: pb.IScanSpec): Promise<ScanBatch> {
    const r = await this.client.call({ scan: { region: this.region, scan, maxRows: this.options.maxRows, maxBytes: this.options.maxBytes } });
    // The open's batch is the scanner's first call: the next one carries sequence 1.
    this.callSeq = 1;
    this.first = this.accept(r.scan ?? {});
    return this.first;
  }

  async next(): Promise<ScanBatch> {
    if (!this.id) return { rows: [], more: false, ...(this.resume ? { resume: this.resume } : {}) };
    const r = await this.client.call({
      scan: { region: this.region, scannerId: this.id, callSeq: this.callSeq, maxRows: this.options.maxRows, maxBytes: this.options.maxBytes },
    });
    this.callSeq++;
    return this.accept(r.scan ?? {});
  }

  async close(): Promise<void> {
    if (!this.id) return;
    const id = this.id;
    this.id = 0;
    await this.client.call({ scan: { region: this.region, scannerId: id, closeScanner: true } });
  }

  private accept(r: pb.IScanResponse): ScanBatch {
    this.id = num(r.scannerId);
    if (r.hasResume) this.resume = { row: Buffer.from(r.resumeRow ?? []), inclusive: r.resumeInclusive === true };
    const batch: ScanBatch = { rows: (r.rows ?? []).map(rowFromProto), more: r.moreResults === true };
    if (this.resume) batch.resume = this.resume;
    return batch;
  }
}

function regionInfoFromWire(o: pb.IRegionInfo): RegionInfo {
  return { table: o.table ?? '', startKey: Buffer.from(o.startKey ?? []), endKey: Buffer.from(o.endKey ?? []), regionId: num(o.regionId), encodedName: o.encodedName ?? '' };
}
