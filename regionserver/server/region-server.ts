/**
 * The region server's gRPC front: the Batch stream and Execute (data), the admin calls, the
 * region registry, scanner leases, bounds and graceful shutdown. Storage comes in through a
 * RegionOpener, the WAL's lifetime through `onStopped`, the lease check through a WriteFence,
 * time through a Clock: this class never opens a file itself.
 */
import {
  Server,
  ServerCredentials,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerUnaryCall,
} from '@grpc/grpc-js';
import { getHeapStatistics } from 'node:v8';
import { basalt } from '../../proto/generated/basalt.js';
import type { Clock } from '../../common/clock.js';
import type { RegionServerConfig } from '../../common/config.js';
import { BasaltError, ErrorCodes } from '../../common/errors.js';
import { toGrpcError } from '../../common/grpc-errors.js';
import { createLogger, type Logger } from '../../common/logger.js';
import type { RegionLoad } from '../region/api.js';
import { adminImplementation, type AdminTarget } from './admin.js';
import { regionInfoToProto, regionLoadToProto, type FilterDecoder } from './conversions.js';
import { alwaysWritable, Dispatcher, type WriteFence } from './dispatcher.js';
import type { OpenRegionParams, RegionOpener } from './region-port.js';
import { basaltFilters } from './filters.js';
import { widenFlowControlWindows } from './flow-control.js';
import { RegionRegistry } from './registry.js';
import { ScannerRegistry } from './scanners.js';
import { adminServiceDefinition, dataServiceDefinition, decodeMessage, FRAME_OVERHEAD_BYTES } from '../../common/rs-wire/service.js';
import { Admission, DEFAULT_MAX_QUEUED_BYTES_PER_STREAM, encodeFrame, ResponseMemory, StreamSession } from './stream.js';

import pb = basalt.regionserver;

export interface RegionServerOptions {
  /** Bind address; 127.0.0.1 by default. */
  host?: string;
  /** 0 = ephemeral. */
  port: number;
  config: RegionServerConfig;
  openRegion: RegionOpener;
  /** The cluster's shared data root, for split and merge (admin.ts). */
  dataRoot?: string;
  clock: Clock;
  filters?: FilterDecoder;
  fence?: WriteFence;
  /** Called last during stop, after every region closed (close the WAL here). */
  onStopped?: () => Promise<void>;
  /** Most requests in flight on one stream (default 4,096). */
  maxInflightPerStream?: number;
  /** Bytes of responses one stream may queue before the transport takes them (default 64 MiB). */
  maxQueuedResponseBytesPerStream?: number;
  /** The same bound for all streams together (default 256 MiB). */
  maxQueuedResponseBytes?: number;
  /** How long stop waits for running requests (default 10 s). */
  shutdownTimeoutMs?: number;
  logger?: Logger;
}

export class RegionServer implements AdminTarget {
  readonly registry: RegionRegistry;
  readonly scanners: ScannerRegistry;
  readonly dispatcher: Dispatcher;
  readonly startcode: number;
  private readonly grpc: Server;
  private readonly sessions = new Set<StreamSession>();
  private readonly admission: Admission;
  /** Response bytes queued on all streams (stream.ts): bounded server-wide. */
  readonly responseMemory: ResponseMemory;
  private readonly log: Logger;
  private readonly maxFrameBytes: number;
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private boundPort = 0;

  private constructor(private readonly options: RegionServerOptions) {
    const config = options.config;
    this.startcode = options.clock.now();
    this.log = options.logger ?? createLogger('regionserver');
    this.registry = new RegionRegistry(() => this.serverName);
    this.scanners = new ScannerRegistry(config, options.clock, this.startcode);
    this.dispatcher = new Dispatcher(this.registry, this.scanners, options.fence ?? alwaysWritable, {
      limits: config,
      filters: options.filters ?? basaltFilters,
      scannerBatchRows: config.scannerBatchRows,
      scannerBatchBytes: config.scannerBatchBytes,
    });
    this.admission = new Admission(config.maxQueuedRequests);
    this.responseMemory = new ResponseMemory(options.maxQueuedResponseBytes ?? 256 * 1024 * 1024);
    // A response frame carries at most one request's worth of data plus one scanner batch.
    this.maxFrameBytes = config.maxRequestBytes + config.scannerBatchBytes;
    this.grpc = new Server({
      'grpc.max_receive_message_length': config.maxRequestBytes + FRAME_OVERHEAD_BYTES,
      'grpc.max_send_message_length': this.maxFrameBytes + FRAME_OVERHEAD_BYTES,
      'grpc.keepalive_permit_without_calls': 1,
    });
    this.grpc.addService(dataServiceDefinition, {
      Batch: (call: ServerDuplexStream<Buffer, Buffer>) => this.onStream(call),
      Execute: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => this.onExecute(call, callback),
    });
    this.grpc.addService(adminServiceDefinition, adminImplementation(this));
  }

  static async start(options: RegionServerOptions): Promise<RegionServer> {
    const server = new RegionServer(options);
    const host = options.host ?? '127.0.0.1';
    server.boundPort = await new Promise<number>((resolve, reject) => {
      server.grpc.bindAsync(`${host}:${options.port}`, ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
    });
    widenFlowControlWindows(server.grpc, (reason) => server.log.warn(reason));
    const sweepMs = Math.max(10, Math.min(1_000, Math.floor(options.config.scannerLeaseMs / 2)));
    server.sweepTimer = setInterval(() => void server.expireScanners(), sweepMs);
    server.sweepTimer.unref();
    return server;
  }

  get dataRoot(): string | undefined {
    return this.options.dataRoot;
  }

  get address(): string {
    return `${this.options.host ?? '127.0.0.1'}:${this.boundPort}`;
  }

  /** HBase's ServerName: host:port,startcode. */
  get serverName(): string {
    return `${this.address},${this.startcode}`;
  }

  /** Closes scanners idle past their lease (also run by the server's own timer). */
  expireScanners(): Promise<number> {
    return this.scanners.expire();
  }

  // ---- data plane ----

  private onStream(call: ServerDuplexStream<Buffer, Buffer>): void {
    if (this.stopping) {
      call.emit('error', toGrpcError(new BasaltError(ErrorCodes.CLOSED, 'the region server is shutting down')));
      return;
    }
    const session = new StreamSession(
      call,
      this.dispatcher,
      this.admission,
      {
        maxInflightPerStream: this.options.maxInflightPerStream ?? 4_096,
        maxFrameBytes: this.maxFrameBytes,
        maxQueuedBytesPerStream: this.options.maxQueuedResponseBytesPerStream ?? DEFAULT_MAX_QUEUED_BYTES_PER_STREAM,
        memory: this.responseMemory,
      },
      (s) => this.sessions.delete(s),
    );
    this.sessions.add(session);
  }

  /** The unary twin of one frame: every item answered, in any order, in one response. */
  private onExecute(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): void {
    void (async () => {
      try {
        if (this.stopping) throw new BasaltError(ErrorCodes.CLOSED, 'the region server is shutting down');
        const batch = decodeMessage(pb.BatchRequest, call.request, 'frame');
        if (!this.admission.tryEnter()) throw new BasaltError(ErrorCodes.SERVER_BUSY, 'too many requests running on this server');
        let responses: pb.IResponseItem[];
        try {
          responses = await Promise.all(batch.items.map((item) => this.dispatcher.execute(item)));
        } finally {
          this.admission.leave();
        }
        const frame = encodeFrame(responses.map((r) => pb.ResponseItem.encode(r).finish()));
        callback(null, Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
      } catch (err) {
        callback(toGrpcError(err));
      }
    })();
  }

  // ---- admin ----

  private checkRunning(): void {
    if (this.stopping) throw new BasaltError(ErrorCodes.CLOSED, 'the region server is shutting down');
  }

  /**
   * Opening, flushing and compacting write into the shared data root: like a write, they need a
   * lease that still holds, or a zombie could touch files of a region that now lives elsewhere.
   */
  private checkFenced(): void {
    this.options.fence?.checkWritable();
  }

  async openRegion(params: OpenRegionParams): Promise<number> {
    this.checkRunning();
    this.checkFenced();
    const entry = this.registry.beginOpen(params.info, params.openEpoch);
    try {
      const port = await this.options.openRegion(params);
      this.registry.finishOpen(entry, port);
      this.log.info({ region: params.info.encodedName, table: params.info.table, openEpoch: params.openEpoch }, 'region opened');
      return port.load().maxSequenceId;
    } catch (err) {
      this.registry.abortOpen(entry);
      throw err;
    }
  }

  /** Stops new requests on the region, waits for running ones, closes its scanners, flushes, closes. */
  async closeRegion(name: string, options: { abort?: boolean } = {}): Promise<void> {
    const entry = await this.registry.beginClose(name, this.options.shutdownTimeoutMs ?? 10_000);
    await this.scanners.closeRegion(name);
    try {
      await entry.port!.close(options);
    } catch (err) {
      this.registry.reopenAfterFailedClose(entry);
      throw err;
    }
    this.registry.finishClose(entry);
    this.log.info({ region: name }, 'region closed');
  }

  private onlinePort(name: string) {
    const entry = this.registry.acquire(name);
    return { port: entry.port!, done: () => this.registry.release(entry) };
  }

  async flushRegion(name: string): Promise<number> {
    this.checkRunning();
    this.checkFenced();
    const { port, done } = this.onlinePort(name);
    try {
      return await port.flush();
    } finally {
      done();
    }
  }

  async compactRegion(name: string, major: boolean): Promise<void> {
    this.checkRunning();
    this.checkFenced();
    const { port, done } = this.onlinePort(name);
    try {
      await port.compact(major);
    } finally {
      done();
    }
  }

  regionLoad(name: string): RegionLoad {
    const { port, done } = this.onlinePort(name);
    try {
      return port.load();
    } finally {
      done();
    }
  }

  serverLoad(): pb.IServerLoad {
    const regions = this.registry.openRegions().map((r) => r.port!.load());
    const sum = (f: (l: RegionLoad) => number): number => regions.reduce((n, l) => n + f(l), 0);
    const counters = this.dispatcher.counters;
    return {
      serverName: this.serverName,
      regions: regions.map(regionLoadToProto),
      totalRequests: counters.read + counters.write,
      readRequests: counters.read,
      writeRequests: counters.write,
      openScanners: this.scanners.size,
      openStreams: this.sessions.size,
      memstoreSizeBytes: sum((l) => l.memstoreSizeBytes),
      storeFileSizeBytes: sum((l) => l.storeFileSizeBytes),
      heapUsedBytes: process.memoryUsage().heapUsed,
      heapMaxBytes: getHeapStatistics().heap_size_limit,
    };
  }

  onlineRegions(): pb.IGetOnlineRegionsResponse {
    return {
      serverName: this.serverName,
      regions: this.registry.openRegions().map((r) => ({ info: regionInfoToProto(r.info), openEpoch: r.openEpoch })),
    };
  }

  // ---- shutdown ----

  /**
   * Graceful stop: refuse new calls and streams, let running requests finish (bounded), end the
   * streams, close every scanner and region, then `onStopped` (the WAL). Regions flush on close,
   * except with `abortRegions` (the lease lapsed or the WAL failed: the regions may already be
   * reopened elsewhere from the log, so this server writes nothing more under the root).
   */
  stop(options: { abortRegions?: boolean } = {}): Promise<void> {
    this.stopping ??= this.doStop(options.abortRegions === true);
    return this.stopping;
  }

  private async doStop(abortRegions: boolean): Promise<void> {
    const timeoutMs = this.options.shutdownTimeoutMs ?? 10_000;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    const grpcDone = new Promise<void>((resolve) => this.grpc.tryShutdown(() => resolve()));
    await Promise.all([...this.sessions].map((s) => s.drain(timeoutMs)));
    const timer = setTimeout(() => this.grpc.forceShutdown(), timeoutMs);
    await grpcDone;
    clearTimeout(timer);
    await this.scanners.closeAll();
    const closing = this.registry.openRegions().map((r) =>
      this.closeRegion(r.info.encodedName, { abort: abortRegions }).catch((err: unknown) => {
        this.log.error({ region: r.info.encodedName, err }, 'region close failed during shutdown');
      }),
    );
    await Promise.all(closing);
    if (this.options.onStopped) await this.options.onStopped();
    this.log.info({ server: this.serverName }, 'region server stopped');
  }
}
