/**
 * CoordClient: a session with the coordination service over ONE long-lived bidirectional stream
 * (as ZooKeeper's single connection): pipelined requests with client-chosen xids, responses and
 * watch events in order.
 *
 * It connects to any member of the list, follows NOT_LEADER{leaderHint} redirects, and keeps the
 * session across a leader change: on stream failure it reconnects (hint first, then the others,
 * with backoff: reconnect.ts) presenting its session id and the last zxid it saw, then re-arms every watch with
 * SetWatches so the new member fires whatever changed in between. Reads are retried transparently
 * after a reconnect (they are idempotent); a write in flight when the stream broke fails with
 * CONNECTION_LOSS, because it may or may not have been applied — the caller decides.
 *
 * Connection states are reported as events so callers can fence themselves: `connected`,
 * `suspended` (stream lost; the session may still live), `lost` (suspended for longer than the
 * session timeout: assume the ephemerals are gone), `expired` (the service said so; terminal).
 * `lastAckedKeepAliveMs` is the monotonic send time of the newest acknowledged keep-alive: a lease
 * holder must stop acting once `monotonic() - lastAckedKeepAliveMs` nears the session timeout.
 */
import { EventEmitter } from 'node:events';
import type { ClientDuplexStream, Client } from '@grpc/grpc-js';
import { BasaltError, ErrorCodes, invalidArgument, isBasaltError } from '../../common/errors.js';
import { fromWireError } from '../../common/grpc-errors.js';
import { systemClock, type Clock } from '../../common/clock.js';
import { systemRandom } from '../../common/random.js';
import { MAX_FRAME_BYTES, parseServers, type ClientRequest, type ServerFrame, type WireResponse } from './protocol.js';
import {
  type CoordClientOptions,
  createModeOf,
  createModeToWire,
  eventFromWire,
  statFromWire,
  toData,
  type ConnectionState,
  type CreateMode,
  type MultiOp,
  type MultiResult,
  type Stat,
  type WatchedEvent,
  type Watcher,
} from './types.js';
import { requestProblem } from './validate.js';
import { chunkWatchSpecs, multiOpsToWire, multiResultsFromWire, payloadSize, reconfigResult } from './request-helpers.js';
import { ReconnectPolicy } from './reconnect.js';

export type { CoordClientOptions } from './types.js';
import { validatePath } from '../tree/path.js';
import { WatchRegistry, type WatchKind, type WatchRegistration } from './watch-registry.js';

interface PendingCall {
  xid: number;
  request: ClientRequest;
  /** Idempotent: re-sent after a reconnect instead of failing with CONNECTION_LOSS. */
  retryable: boolean;
  startedMs: number;
  resolve(response: WireResponse): void;
  reject(error: BasaltError): void;
}

interface Link {
  address: string;
  call: ClientDuplexStream<ClientRequest, ServerFrame>;
  open: boolean;
  lastFrameMs: number;
}

const CONNECT_XID = 0;
export declare interface CoordClient {
  on(event: 'state', listener: (state: ConnectionState) => void): this;
  on(event: 'connected' | 'suspended' | 'lost' | 'expired' | 'closed', listener: () => void): this;
  /** Another handle resumed this session; `closed` follows (see closedBy). */
  on(event: 'moved', listener: (cause: BasaltError) => void): this;
  once(event: 'state', listener: (state: ConnectionState) => void): this;
  once(event: 'connected' | 'suspended' | 'lost' | 'expired' | 'closed', listener: () => void): this;
}

export class CoordClient extends EventEmitter {
  private readonly clock: Clock;
  /** Which member to dial next, how long to wait, and a channel per member (reconnect.ts). */
  private readonly members: ReconnectPolicy;
  private readonly requestedTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly maxPendingCalls: number;
  private readonly watches = new WatchRegistry();
  private readonly inflight = new Map<number, PendingCall>();
  private queue: PendingCall[] = [];
  private link: Link | undefined;
  private nextXid = 1;
  private reconnecting = false;
  private everConnected = false;
  private lostReported = false;
  private timer: NodeJS.Timeout | undefined;
  private pingInFlight: { xid: number; sentMs: number } | undefined;
  private lastPingSentMs = 0;

  state: ConnectionState = 'connecting';
  /** 0 until the first session is established. */
  sessionId = 0;
  /** The secret that resumes this session (ZooKeeper's session password); empty until connected. */
  sessionPassword: Buffer = Buffer.alloc(0);
  /** The negotiated session timeout. */
  sessionTimeoutMs: number;
  /** The largest zxid seen in a response or event (sent on reconnect and with SetWatches). */
  lastZxid = 0;
  /** Monotonic time at which the newest acknowledged keep-alive (or connect) was sent. */
  lastAckedKeepAliveMs = 0;
  /** The error that ended the session (SESSION_EXPIRED or UNKNOWN_SESSION), once expired. */
  expiredBy: BasaltError | undefined;
  /** The member currently serving the session. */
  currentServer: string | undefined;
  /**
   * Why the handle closed when it did not close itself: SESSION_MOVED when another handle
   * resumed the session (the session lives on there; this one must stop acting for it).
   */
  closedBy: BasaltError | undefined;

  private constructor(options: CoordClientOptions) {
    super();
    const servers = parseServers(options.servers);
    this.clock = options.clock ?? systemClock;
    this.requestedTimeoutMs = options.sessionTimeoutMs ?? 10_000;
    this.sessionTimeoutMs = this.requestedTimeoutMs;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 2_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.maxPendingCalls = options.maxPendingCalls ?? 10_000;
    this.members = new ReconnectPolicy(servers, options.random ?? systemRandom);
    this.sessionId = options.sessionId ?? 0;
    if (options.sessionPassword) this.sessionPassword = Buffer.from(options.sessionPassword);
    if (!(this.requestedTimeoutMs > 0)) throw invalidArgument('sessionTimeoutMs', 'must be > 0');
  }

  /** Opens a session with one of the members; rejects with UNAVAILABLE if none answers in time. */
  static async connect(options: CoordClientOptions): Promise<CoordClient> {
    const client = new CoordClient(options);
    const deadlineMs = options.initialConnectTimeoutMs ?? 20_000;
    const connected = new Promise<void>((resolve, reject) => {
      const timeout = setTimeout(() => reject(new BasaltError(ErrorCodes.UNAVAILABLE, `no coordination member answered within ${deadlineMs} ms`, { servers: client.members.servers.join(',') })), deadlineMs);
      client.once('connected', () => {
        clearTimeout(timeout);
        resolve();
      });
      client.once('expired', () => {
        clearTimeout(timeout);
        reject(client.expiredBy ?? new BasaltError(ErrorCodes.SESSION_EXPIRED, 'session expired while connecting'));
      });
    });
    client.timer = setInterval(() => client.onTimer(), 100);
    client.timer.unref();
    void client.reconnect();
    try {
      await connected;
    } catch (err) {
      await client.close().catch(() => undefined);
      throw err;
    }
    return client;
  }

  // ------------------------------------------------------------------------------------------
  // The ZooKeeper API.

  /** Creates a znode; returns its actual path (with the sequential suffix, if any). */
  async create(path: string, data?: Uint8Array | string, options: { mode?: CreateMode; ephemeral?: boolean; sequential?: boolean } = {}): Promise<string> {
    return (await this.createWithStat(path, data, options)).path;
  }

  async createWithStat(path: string, data?: Uint8Array | string, options: { mode?: CreateMode; ephemeral?: boolean; sequential?: boolean } = {}): Promise<{ path: string; stat: Stat }> {
    const r = await this.call({ create: { path, data: toData(data), mode: createModeToWire(createModeOf(options)) } }, false);
    return { path: r.create?.path ?? path, stat: statFromWire(r.create?.stat) };
  }

  /** Deletes a znode; `version` -1 (the default) matches any version. */
  async delete(path: string, version = -1): Promise<void> {
    await this.call({ delete: { path, version } }, false);
  }

  async setData(path: string, data: Uint8Array | string, version = -1): Promise<Stat> {
    const r = await this.call({ setData: { path, data: toData(data), version } }, false);
    return statFromWire(r.stat?.stat);
  }

  /** Reads a znode (linearizable). `watch` arms a one-shot data watch (fires on change or delete). */
  async getData(path: string, options: { watch?: Watcher } = {}): Promise<{ data: Buffer; stat: Stat }> {
    const r = await this.watchedCall({ getData: { path, watch: options.watch !== undefined } }, 'data', path, options.watch);
    const data = r.getData?.data ?? new Uint8Array(0);
    return { data: Buffer.from(data.buffer, data.byteOffset, data.byteLength), stat: statFromWire(r.getData?.stat) };
  }

  /** The znode's stat, or null when it does not exist. `watch` fires on create, change or delete. */
  async exists(path: string, options: { watch?: Watcher } = {}): Promise<Stat | null> {
    const r = await this.watchedCall({ exists: { path, watch: options.watch !== undefined } }, 'exist', path, options.watch, (registration, response) => {
      // The server armed a data watch on a present node (as ZooKeeper does); record it as one so
      // that a re-arm after reconnect does not fire a spurious NodeCreated.
      if (response.stat?.stat) this.watches.rekind(registration, 'data');
    });
    return r.stat?.stat ? statFromWire(r.stat.stat) : null;
  }

  /** Children names, sorted. `watch` fires on a child create/delete or the node's delete. */
  async getChildren(path: string, options: { watch?: Watcher } = {}): Promise<{ children: string[]; stat: Stat }> {
    const r = await this.watchedCall({ getChildren: { path, watch: options.watch !== undefined } }, 'child', path, options.watch);
    return { children: r.getChildren?.children ?? [], stat: statFromWire(r.getChildren?.stat) };
  }

  /** All or nothing; on failure rejects with the failing op's error (details.opIndex names it). */
  async multi(ops: MultiOp[]): Promise<MultiResult[]> {
    const r = await this.call({ multi: { ops: multiOpsToWire(ops) } }, false);
    return multiResultsFromWire(r);
  }

  /** A barrier: resolves once everything committed before it has been applied on the serving member. */
  async sync(path = '/'): Promise<void> {
    await this.call({ sync: { path } }, true);
  }

  /** ZooKeeper 3.6 addWatch: a persistent watch (optionally on the whole subtree). */
  async addWatch(path: string, watcher: Watcher, options: { recursive?: boolean } = {}): Promise<void> {
    if (typeof watcher !== 'function') throw invalidArgument('watcher', 'addWatch needs a watcher function');
    await this.watchedCall({ addWatch: { path, recursive: options.recursive ?? false } }, options.recursive ? 'persistentRecursive' : 'persistent', path, watcher);
  }

  /** Drops every watch this client holds on the path (locally and on the server). */
  async removeWatches(path: string): Promise<void> {
    validatePath(path, 'path');
    this.watches.remove(path);
    await this.call({ removeWatches: { path } }, true);
  }

  /**
   * Adds a member to the live ensemble (`basalt coord add-member`): it joins as a learner,
   * catches up (by snapshot if need be) and then votes. Start it first with `--join`. Idempotent:
   * retried after a reconnect. Resolves with the configuration and the cluster id it must use.
   */
  async addMember(id: number, address: string): Promise<{ voters: number[]; learners: number[]; clusterId: string }> {
    return reconfigResult(await this.call({ reconfig: { addId: id, addAddress: address } }, true));
  }

  /** Removes a member (the leader included: it steps down). Idempotent. */
  async removeMember(id: number): Promise<{ voters: number[]; learners: number[]; clusterId: string }> {
    return reconfigResult(await this.call({ reconfig: { removeId: id } }, true));
  }

  /** Ends the session (its ephemerals are deleted at once) and closes the stream. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    if (this.state === 'connected' && this.link) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([this.call({ closeSession: {} }, false), new Promise((resolve) => (timer = setTimeout(resolve, this.connectTimeoutMs)))]);
      } catch {
        // The session ends by expiry instead.
      } finally {
        clearTimeout(timer);
      }
    }
    this.shutdown('closed', new BasaltError(ErrorCodes.CLOSED, 'client closed'));
  }

  /** Closes the stream without ending the session (tests: simulate a crashed client). */
  abandon(): void {
    this.shutdown('closed', new BasaltError(ErrorCodes.CLOSED, 'client abandoned'));
  }

  // ------------------------------------------------------------------------------------------
  // Calls over the stream.

  /**
   * A read that may arm a watch. The watcher is registered (pending) before the request is sent:
   * the server may deliver the event before this response (responses keep request order, events
   * do not wait), and it must find its watcher. The answer binds the registration to the applied
   * index the read observed, so that only changes after the read fire it (watch-registry.ts). A
   * failed request takes its registration back.
   */
  private async watchedCall(
    op: Omit<ClientRequest, 'xid'>,
    kind: WatchKind,
    path: string,
    watcher: Watcher | undefined,
    beforeArm?: (registration: WatchRegistration, response: WireResponse) => void,
  ): Promise<WireResponse> {
    if (watcher !== undefined && typeof watcher !== 'function') throw invalidArgument(kind.startsWith('persistent') ? 'watcher' : 'watch', 'a watcher must be a function');
    const registration = watcher ? this.watches.add(kind, path, watcher) : undefined;
    let response: WireResponse;
    try {
      response = await this.call(op, true);
    } catch (err) {
      if (registration) this.watches.cancel(registration);
      throw err;
    }
    if (registration) {
      beforeArm?.(registration, response);
      // A member that predates read_zxid: its answer's zxid is an upper bound of what the read saw.
      const readZxid = Number(response.readZxid ?? 0) || Number(response.zxid ?? 0);
      for (const { watcher: fire, event } of this.watches.arm(registration, readZxid)) this.fireWatcher(fire, event);
    }
    return response;
  }

  private fireWatcher(watcher: Watcher, event: WatchedEvent): void {
    try {
      watcher(event);
    } catch (err) {
      this.emit('watcherError', err);
    }
  }

  private call(op: Omit<ClientRequest, 'xid'>, retryable: boolean): Promise<WireResponse> {
    if (this.state === 'closed') return Promise.reject(new BasaltError(ErrorCodes.CLOSED, 'client closed'));
    if (this.state === 'expired') return Promise.reject(new BasaltError(ErrorCodes.SESSION_EXPIRED, 'session expired', { sessionId: this.sessionId }));
    const problem = requestProblem(op);
    if (problem) return Promise.reject(problem);
    const payloadBytes = payloadSize(op);
    if (payloadBytes > MAX_FRAME_BYTES - 64 * 1024) {
      return Promise.reject(new BasaltError(ErrorCodes.REQUEST_TOO_LARGE, `request carries ${payloadBytes} bytes; a frame holds at most ${MAX_FRAME_BYTES}`, { field: 'data', limit: MAX_FRAME_BYTES }));
    }
    if (this.inflight.size + this.queue.length >= this.maxPendingCalls) {
      return Promise.reject(new BasaltError(ErrorCodes.SERVER_BUSY, `more than ${this.maxPendingCalls} calls pending`));
    }
    return new Promise<WireResponse>((resolve, reject) => {
      const xid = this.nextXid++;
      const pending: PendingCall = {
        xid,
        request: { ...op, xid },
        retryable,
        startedMs: this.clock.monotonic(),
        resolve,
        reject,
      };
      if (this.link?.open) this.send(pending);
      else this.queue.push(pending);
    });
  }

  private send(pending: PendingCall): void {
    const link = this.link;
    if (!link?.open) {
      this.queue.push(pending);
      return;
    }
    this.inflight.set(pending.xid, pending);
    link.call.write(pending.request);
  }

  private onFrame(link: Link, frame: ServerFrame): void {
    link.lastFrameMs = this.clock.monotonic();
    if (frame.event) {
      const event: WatchedEvent = eventFromWire(frame.event);
      this.lastZxid = Math.max(this.lastZxid, event.zxid);
      for (const watcher of this.watches.trigger(event)) this.fireWatcher(watcher, event);
      return;
    }
    const response = frame.response;
    if (!response) return;
    const xid = Number(response.xid ?? 0);
    this.lastZxid = Math.max(this.lastZxid, Number(response.zxid ?? 0));
    if (response.error && isBasaltError(fromWireError(response.error), ErrorCodes.SESSION_MOVED)) {
      this.displaced(fromWireError(response.error));
      return;
    }
    if (this.pingInFlight?.xid === xid) {
      this.lastAckedKeepAliveMs = Math.max(this.lastAckedKeepAliveMs, this.pingInFlight.sentMs);
      this.pingInFlight = undefined;
      if (response.error && this.isSessionGone(fromWireError(response.error))) this.expire();
      return;
    }
    const pending = this.inflight.get(xid);
    if (!pending) {
      // The member announces the end of the session on its own (xid 0) when it expires.
      if (response.error && this.isSessionGone(fromWireError(response.error))) this.expire();
      return;
    }
    this.inflight.delete(xid);
    if (response.error) {
      const error = fromWireError(response.error);
      if (this.isSessionGone(error)) this.expire();
      pending.reject(error);
    } else {
      pending.resolve(response);
    }
  }

  private isSessionGone(error: BasaltError): boolean {
    return error.code === ErrorCodes.SESSION_EXPIRED || error.code === ErrorCodes.UNKNOWN_SESSION;
  }

  /** Keep-alives, dead-stream detection, call deadlines and the local `lost` verdict. */
  private onTimer(): void {
    const now = this.clock.monotonic();
    const link = this.link;
    if (link?.open) {
      if (now - link.lastFrameMs > (this.sessionTimeoutMs * 2) / 3) {
        // Nothing heard for 2/3 of the timeout (ZooKeeper's read timeout): the member is gone or paused.
        this.onLinkLost(link);
      } else if (!this.pingInFlight && now - this.lastPingSentMs >= this.sessionTimeoutMs / 3) {
        const xid = this.nextXid++;
        this.pingInFlight = { xid, sentMs: now };
        this.lastPingSentMs = now;
        link.call.write({ xid, ping: {} });
      } else if (this.pingInFlight && now - this.pingInFlight.sentMs > this.sessionTimeoutMs / 2) {
        this.pingInFlight = undefined; // lost with a previous stream or unanswered: send another
      }
    }
    if (this.state === 'suspended' && !this.lostReported && now - this.lastAckedKeepAliveMs > this.sessionTimeoutMs) {
      this.lostReported = true;
      this.emit('lost');
    }
    for (const pending of [...this.inflight.values(), ...this.queue]) {
      if (now - pending.startedMs > this.requestTimeoutMs) {
        this.inflight.delete(pending.xid);
        this.queue = this.queue.filter((p) => p !== pending);
        pending.reject(new BasaltError(ErrorCodes.TIMEOUT, `no answer within ${this.requestTimeoutMs} ms`, { xid: pending.xid }));
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Connection management.

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
    this.emit(state);
  }

  private async reconnect(): Promise<void> {
    if (this.reconnecting) return;
    this.reconnecting = true;
    try {
      while (!this.finished() && !this.link?.open) {
        // Every attempt waits, the first after a dropped connection included; only a handle's
        // very first connection goes at once.
        if (this.members.shouldWait(this.everConnected)) {
          const delayMs = this.members.delayMs(this.sessionTimeoutMs, this.clock.monotonic());
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          if (this.finished()) return;
        }
        this.members.attemptStarted();
        const address = this.members.nextCandidate();
        try {
          await this.openLink(address);
          return;
        } catch (err) {
          if (this.finished()) return;
          if (isBasaltError(err) && this.isSessionGone(err)) {
            this.expire(err);
            return;
          }
          if (isBasaltError(err, ErrorCodes.NOT_LEADER)) {
            this.members.electionUnderWay(this.clock.monotonic());
            this.members.hint(err.details.leaderHint, address, this.clock.monotonic());
          } else {
            this.members.unreachable(address, this.clock.monotonic());
          }
        }
      }
    } finally {
      this.reconnecting = false;
    }
  }

  private openLink(address: string): Promise<void> {
    const grpcClient = this.members.channelFor(address) as Client & { session(): ClientDuplexStream<ClientRequest, ServerFrame> };
    const call = grpcClient.session();
    const link: Link = { address, call, open: false, lastFrameMs: this.clock.monotonic() };
    const sentMs = this.clock.monotonic();
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (error: BasaltError): void => {
        if (settled) {
          this.onLinkLost(link);
          return;
        }
        settled = true;
        clearTimeout(timeout);
        call.cancel();
        reject(error);
      };
      const timeout = setTimeout(() => fail(new BasaltError(ErrorCodes.UNAVAILABLE, `${address}: no answer within ${this.connectTimeoutMs} ms`)), this.connectTimeoutMs);
      call.on('data', (frame: ServerFrame) => {
        if (settled) {
          this.onFrame(link, frame);
          return;
        }
        const response = frame.response;
        if (!response || Number(response.xid ?? -1) !== CONNECT_XID) return;
        if (response.error) {
          fail(fromWireError(response.error));
          return;
        }
        settled = true;
        clearTimeout(timeout);
        const connect = response.connect ?? {};
        this.sessionId = Number(connect.sessionId ?? 0);
        if (connect.sessionPassword && connect.sessionPassword.byteLength > 0) this.sessionPassword = Buffer.from(connect.sessionPassword);
        this.sessionTimeoutMs = connect.timeoutMs ?? this.sessionTimeoutMs;
        // The connect response's zxid is NOT taken as seen: it covers changes whose events this
        // client never received. Watches are re-armed relative to what it really saw, and the
        // SetWatches answer (after the events it fires, in stream order) moves lastZxid on.
        const relativeZxid = this.lastZxid;
        this.lastAckedKeepAliveMs = sentMs;
        this.lastPingSentMs = this.clock.monotonic();
        this.pingInFlight = undefined;
        this.lostReported = false;
        link.open = true;
        link.lastFrameMs = this.clock.monotonic();
        this.link = link;
        this.everConnected = true;
        this.members.linkOpened(this.clock.monotonic());
        this.currentServer = address;
        // Re-arm watches first: the stream is ordered, so no later response can overtake them.
        // Split into frames well under the limit: 100,000 watches of 100-byte paths are 10 MB.
        for (const watches of chunkWatchSpecs(this.watches.specs())) {
          const xid = this.nextXid++;
          this.inflight.set(xid, { xid, request: { xid }, retryable: false, startedMs: this.clock.monotonic(), resolve: () => undefined, reject: () => undefined });
          call.write({ xid, setWatches: { relativeZxid, watches } });
        }
        const queued = this.queue.sort((a, b) => a.xid - b.xid);
        this.queue = [];
        for (const pending of queued) this.send(pending);
        this.setState('connected');
        resolve();
      });
      call.on('error', (err: unknown) => fail(new BasaltError(ErrorCodes.UNAVAILABLE, `${address}: ${(err as Error).message}`)));
      call.on('end', () => fail(new BasaltError(ErrorCodes.UNAVAILABLE, `${address}: stream ended`)));
      call.write({ xid: CONNECT_XID, connect: { sessionId: this.sessionId, timeoutMs: this.requestedTimeoutMs, lastZxidSeen: this.lastZxid, sessionPassword: this.sessionPassword } });
    });
  }

  private onLinkLost(link: Link): void {
    if (this.link !== link) return;
    this.link = undefined;
    this.members.linkLost(this.clock.monotonic());
    link.open = false;
    link.call.cancel();
    this.pingInFlight = undefined;
    const retry: PendingCall[] = [];
    for (const pending of this.inflight.values()) {
      if (pending.retryable) {
        retry.push(pending);
      } else {
        pending.reject(new BasaltError(ErrorCodes.CONNECTION_LOSS, 'stream to the coordination service lost; the write may or may not have been applied', { xid: pending.xid }));
      }
    }
    this.inflight.clear();
    this.queue = [...retry, ...this.queue];
    if (this.state === 'connected') this.setState('suspended');
    void this.reconnect();
  }

  private finished(): boolean {
    return this.state === 'closed' || this.state === 'expired';
  }

  /** Another handle resumed the session: end this one (terminal), emitting `moved` then `closed`. */
  private displaced(cause: BasaltError): void {
    if (this.finished()) return;
    this.closedBy = cause;
    this.emit('moved', cause);
    this.shutdown('closed', new BasaltError(ErrorCodes.CLOSED, 'the session was resumed by another handle', { sessionId: this.sessionId, cause: cause.code }));
  }

  private expire(cause?: BasaltError): void {
    this.expiredBy = cause ?? new BasaltError(ErrorCodes.SESSION_EXPIRED, 'session expired', { sessionId: this.sessionId });
    this.shutdown('expired', this.expiredBy);
  }

  private shutdown(state: 'closed' | 'expired', error: BasaltError): void {
    if (this.state === 'closed' || this.state === 'expired') {
      if (state === 'closed') this.setState('closed');
      return;
    }
    const link = this.link;
    this.link = undefined;
    if (link) {
      link.open = false;
      link.call.cancel();
    }
    if (this.timer) clearInterval(this.timer);
    for (const pending of [...this.inflight.values(), ...this.queue]) pending.reject(error);
    this.inflight.clear();
    this.queue = [];
    this.watches.clear();
    this.members.close();
    this.setState(state);
  }
}
