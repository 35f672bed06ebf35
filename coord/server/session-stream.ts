/**
 * One client session's stream on a member: the server half of ZooKeeper's single connection.
 *
 * The first request is `connect` (a new session is a Raft write; a resumed one is checked after
 * a read-index). Then requests are pipelined: writes are proposed at once; a read first waits for
 * the session's earlier writes (read-your-writes) and then for a batched read-index
 * (linearizable); responses go out strictly in request order (FIFO, as ZooKeeper's), each stamped
 * with the member's applied index at the moment it is written. Watch events are written as the
 * apply path produces them, so a client has seen every event up to any zxid it has seen in a
 * response — which is what makes SetWatches after a reconnect lose nothing.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { BasaltError, ErrorCodes, invalidArgument } from '../../common/errors.js';
import { toWireError } from '../../common/grpc-errors.js';
import type { Logger } from '../../common/logger.js';
import {
  AddWatchMode,
  WatcherType,
  validatePath,
  type CommandResult,
  type CoordCommand,
  type CoordStateMachine,
  type SessionId,
  type WatchEvent,
  type WatchSet,
} from '../tree/index.js';
import { basalt } from '../../proto/generated/basalt.js';
import { MAX_FRAME_BYTES, isUndecodable, type ClientRequest, type ServerFrame, type UndecodableRequest, type WireResponse } from '../client/protocol.js';
import type { MembershipChange } from './membership.js';
import type { ConfState } from '../raft/types.js';
import { commandResultToWire, readResultToWire, toCommand, toRead, watchEventToWire } from './requests.js';

type Fields = Omit<WireResponse, 'xid' | 'zxid' | 'error'>;

/** Frames queued to one client (grpc-js streams are in object mode) before its stream is dropped. */
const MAX_BUFFERED_FRAMES = 100_000;
/** Bytes of a session password (random, chosen by the leader that creates the session). */
const SESSION_PASSWORD_BYTES = 16;

function samePassword(expected: Uint8Array, given: Uint8Array | null | undefined): boolean {
  return !!given && given.byteLength === expected.byteLength && timingSafeEqual(expected, given);
}

/** Room kept in a frame for the envelope (xid, zxid, gRPC framing). */
const FRAME_HEADROOM_BYTES = 1024;
/** A stream must send `connect` (and have it answered) within this. */
const CONNECT_DEADLINE_MS = 30_000;

/** What a session stream needs from its member. */

/** Which list of a WatchSet each wire watch kind re-arms. */
const WATCH_LISTS: Readonly<Record<number, keyof WatchSet>> = {
  [basalt.coordrpc.WatchKind.DATA]: 'data',
  [basalt.coordrpc.WatchKind.EXIST]: 'exist',
  [basalt.coordrpc.WatchKind.CHILD]: 'child',
  [basalt.coordrpc.WatchKind.PERSISTENT]: 'persistent',
  [basalt.coordrpc.WatchKind.PERSISTENT_RECURSIVE]: 'persistentRecursive',
};

export interface SessionHost {
  readonly logger: Logger;
  readonly limits: {
    maxInflightPerSession: number;
    maxDataBytes: number;
    maxMultiOps: number;
    maxSessions: number;
  };
  isLeader(): boolean;
  /** The leader's client address, '' when unknown. */
  leaderAddress(): string;
  appliedIndex(): number;
  /** The leader's wall clock, stamped into commands. */
  nowMs(): number;
  stateMachine(): CoordStateMachine;
  /** Proposes a command and resolves with its result once applied here (rejects NOT_LEADER, …). */
  propose(command: CoordCommand): Promise<{ result: CommandResult; zxid: number }>;
  /** Resolves once this member has applied everything committed before the call (read-index). */
  readBarrier(): Promise<void>;
  newSessionId(): SessionId;
  liveSessionCount(): number;
  /** A keep-alive (any request) of a session connected here. */
  touch(sessionId: SessionId): void;
  attach(sessionId: SessionId, stream: SessionStream): void;
  /** Live membership change (membership.ts); resolves with the configuration after it. */
  reconfigure?(change: MembershipChange): Promise<ConfState>;
  /** The ensemble's cluster id (a joining member needs it). */
  clusterId?(): string;
  detach(sessionId: SessionId, stream: SessionStream): void;
}

interface Slot {
  xid: number;
  frame?: ServerFrame;
}

/** Bytes of an answer's variable part (names, data), to decide cheaply whether to measure it. */
function roughResponseBytes(response: WireResponse): number {
  let n = response.getData?.data?.byteLength ?? 0;
  for (const child of response.getChildren?.children ?? []) n += child.length * 3 + 3;
  for (const r of response.multi?.results ?? []) n += (r.create?.path?.length ?? 0) * 3 + 64;
  return n;
}

/**
 * An answer that would not fit in one frame (the client's receive limit) becomes a
 * RESPONSE_TOO_LARGE error for that request: writing it would kill the whole stream.
 */
function fitInFrame(frame: ServerFrame): ServerFrame {
  const response = frame.response;
  if (!response || roughResponseBytes(response) < MAX_FRAME_BYTES - FRAME_HEADROOM_BYTES) return frame;
  const bytes = basalt.coordrpc.ServerFrame.encode(frame).finish().byteLength;
  if (bytes <= MAX_FRAME_BYTES - FRAME_HEADROOM_BYTES) return frame;
  const error = new BasaltError(ErrorCodes.RESPONSE_TOO_LARGE, `the answer takes ${bytes} bytes; a frame holds at most ${MAX_FRAME_BYTES}`, {
    field: 'response',
    bytes,
    limit: MAX_FRAME_BYTES,
  });
  return { response: { xid: response.xid, error: toWireError(error) } };
}

export class SessionStream {
  sessionId: SessionId = 0;
  private connecting = false;
  private ended = false;
  private readonly slots: Slot[] = [];
  /** closeSession was requested: when the log ends the session, answer it, then end the stream. */
  private closingSession = false;
  private endAfterFlush = false;
  /** Settles once every write this session sent so far has been applied (or failed). */
  private writesDone: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly host: SessionHost,
    private readonly call: ServerDuplexStream<ClientRequest | UndecodableRequest, ServerFrame>,
  ) {
    // A stream that never opens a session must not hold resources for ever.
    const handshake = setTimeout(() => {
      if (this.sessionId === 0) this.close();
    }, CONNECT_DEADLINE_MS);
    handshake.unref();
    call.on('data', (request: ClientRequest | UndecodableRequest) => this.onRequest(request));
    call.on('end', () => this.end());
    call.on('error', () => this.end());
    call.on('cancelled', () => this.end());
  }

  private onRequest(decoded: ClientRequest | UndecodableRequest): void {
    if (this.ended) return;
    const xid = Number(decoded.xid ?? 0);
    if (isUndecodable(decoded)) {
      // Answer this request alone (in its turn, like any other) and keep the stream.
      const error = invalidArgument('request', `the request could not be decoded: ${decoded.undecodable}`);
      if (this.sessionId === 0) {
        this.writeNow({ response: { xid, zxid: this.host.appliedIndex(), error: toWireError(error) } });
        return;
      }
      const slot: Slot = { xid };
      this.slots.push(slot);
      this.complete(slot, { response: { xid, error: toWireError(error) } });
      return;
    }
    const request = decoded;
    if (this.sessionId === 0) {
      if (!request.connect || this.connecting) {
        this.writeNow({ response: { xid, zxid: this.host.appliedIndex(), error: toWireError(new BasaltError(ErrorCodes.UNKNOWN_SESSION, 'the first request on a stream must be connect')) } });
        return;
      }
      this.connecting = true;
      void this.connect(xid, request.connect);
      return;
    }
    this.host.touch(this.sessionId);
    if (this.slots.length >= this.host.limits.maxInflightPerSession) {
      this.writeNow({
        response: { xid, zxid: this.host.appliedIndex(), error: toWireError(new BasaltError(ErrorCodes.SERVER_BUSY, `more than ${this.host.limits.maxInflightPerSession} requests in flight on this session`)) },
      });
      return;
    }
    const slot: Slot = { xid };
    this.slots.push(slot);
    this.execute(request).then(
      (fields) => this.complete(slot, { response: { xid, ...fields } }),
      (err: unknown) => this.complete(slot, { response: { xid, error: toWireError(err) } }),
    );
  }

  private async execute(request: ClientRequest): Promise<Fields> {
    const host = this.host;
    if (request.ping) return { empty: {} };
    if (!host.isLeader()) throw this.notLeader();
    const command = toCommand(request, this.sessionId, host.nowMs(), host.limits);
    if (command) {
      const proposal = host.propose(command);
      this.writesDone = proposal.catch(() => undefined);
      return commandResultToWire((await proposal).result);
    }
    const read = toRead(request, this.sessionId);
    if (read) {
      await this.writesDone;
      await host.readBarrier();
      // The read and any watch it arms see the same applied index: the client binds the watch to it.
      const readZxid = host.appliedIndex();
      return { ...readResultToWire(host.stateMachine().read(read)), readZxid };
    }
    if (request.sync) {
      validatePath(request.sync.path ?? '', 'path');
      await this.writesDone;
      await host.readBarrier();
      return { empty: {} };
    }
    if (request.addWatch) {
      const path = request.addWatch.path ?? '';
      validatePath(path);
      await this.writesDone;
      await host.readBarrier();
      const readZxid = host.appliedIndex();
      host.stateMachine().addWatch(this.sessionId, path, request.addWatch.recursive ? AddWatchMode.PERSISTENT_RECURSIVE : AddWatchMode.PERSISTENT);
      return { empty: {}, readZxid };
    }
    if (request.removeWatches) {
      const path = request.removeWatches.path ?? '';
      validatePath(path);
      host.stateMachine().removeWatches(this.sessionId, path, WatcherType.Any);
      return { empty: {} };
    }
    if (request.setWatches) {
      await host.readBarrier();
      const set: WatchSet = { data: [], exist: [], child: [], persistent: [], persistentRecursive: [] };
      for (const spec of request.setWatches.watches ?? []) {
        const path = spec.path ?? '';
        validatePath(path, 'watches.path');
        const list = WATCH_LISTS[spec.kind ?? 0];
        if (!list) throw invalidArgument('watches.kind', `unknown watch kind ${spec.kind}`);
        set[list].push(path);
      }
      const missed = host.stateMachine().setWatches(this.sessionId, Number(request.setWatches.relativeZxid ?? 0), set);
      for (const event of missed) this.deliver(event);
      return { empty: {} };
    }
    if (request.reconfig) {
      const r = request.reconfig;
      if (!host.reconfigure) throw new BasaltError(ErrorCodes.UNSUPPORTED, 'this member cannot change its membership');
      const confState = await host.reconfigure({ addId: r.addId ?? 0, addAddress: r.addAddress ?? '', removeId: r.removeId ?? 0 });
      return { reconfig: { voters: confState.voters, learners: confState.learners, clusterId: host.clusterId?.() ?? '' } };
    }
    if (request.closeSession) {
      this.closingSession = true;
      await host.propose({ type: 'closeSession', sessionId: this.sessionId, nowMs: host.nowMs() });
      return { empty: {} };
    }
    if (request.connect) throw invalidArgument('connect', 'this stream already has a session');
    throw invalidArgument('op', 'empty request');
  }

  private async connect(xid: number, connect: basalt.coordrpc.ConnectRequest.$Properties): Promise<void> {
    const host = this.host;
    try {
      if (!host.isLeader()) throw this.notLeader();
      let sessionId = Number(connect.sessionId ?? 0);
      let timeoutMs: number;
      let password: Uint8Array | undefined;
      if (sessionId === 0) {
        if (host.liveSessionCount() >= host.limits.maxSessions) {
          throw new BasaltError(ErrorCodes.SERVER_BUSY, `at most ${host.limits.maxSessions} sessions`);
        }
        sessionId = host.newSessionId();
        password = randomBytes(SESSION_PASSWORD_BYTES);
        const { result } = await host.propose({ type: 'createSession', sessionId, timeoutMs: connect.timeoutMs ?? 0, nowMs: host.nowMs(), password });
        timeoutMs = result.type === 'createSession' ? result.timeoutMs : (connect.timeoutMs ?? 0);
      } else {
        // After a read-index this member has applied everything the client can have seen.
        await host.readBarrier();
        const read = host.stateMachine().read({ type: 'getSession', sessionId });
        const session = read.type === 'getSession' ? read.session : null;
        if (!session) {
          if (host.stateMachine().sessionStatus(sessionId) === 'unknown') {
            throw new BasaltError(ErrorCodes.UNKNOWN_SESSION, `sessionId: session ${sessionId} is unknown`, { field: 'sessionId', sessionId });
          }
          throw new BasaltError(ErrorCodes.SESSION_EXPIRED, `session ${sessionId} has expired`, { sessionId });
        }
        // Knowing a session id is not enough to take the session over: the resume must present
        // the password handed out at creation (ZooKeeper answers a wrong one as expired, too).
        if (session.password && !samePassword(session.password, connect.sessionPassword)) {
          throw new BasaltError(ErrorCodes.SESSION_EXPIRED, `sessionPassword: wrong password for session ${sessionId}`, { field: 'sessionPassword', sessionId });
        }
        password = session.password;
        timeoutMs = session.timeoutMs;
      }
      // ZooKeeper's rule: a member behind what the client has already seen must not serve it (the
      // client would see time go backwards). After the read-index above this member has applied
      // everything committed, so this only trips for a client of another (or a restored) history.
      const lastZxidSeen = Number(connect.lastZxidSeen ?? 0);
      if (lastZxidSeen > 0) {
        await host.readBarrier();
        if (lastZxidSeen > host.appliedIndex()) {
          throw new BasaltError(ErrorCodes.UNAVAILABLE, `this member has applied up to ${host.appliedIndex()}, behind the client's last seen zxid ${lastZxidSeen}`, {
            field: 'lastZxidSeen',
            lastZxidSeen,
            appliedIndex: host.appliedIndex(),
          });
        }
      }
      if (this.ended) return;
      this.sessionId = sessionId;
      host.attach(sessionId, this);
      host.touch(sessionId);
      this.writeNow({ response: { xid, zxid: host.appliedIndex(), connect: { sessionId, timeoutMs, memberId: 0, ...(password ? { sessionPassword: password } : {}) } } });
    } catch (err) {
      this.writeNow({ response: { xid, zxid: host.appliedIndex(), error: toWireError(err) } });
      this.close();
    } finally {
      this.connecting = false;
    }
  }

  private notLeader(): BasaltError {
    const leaderHint = this.host.leaderAddress();
    return new BasaltError(ErrorCodes.NOT_LEADER, leaderHint ? `not the leader; try ${leaderHint}` : 'not the leader; no leader known', { leaderHint });
  }

  private complete(slot: Slot, frame: ServerFrame): void {
    slot.frame = fitInFrame(frame);
    while (this.slots.length > 0 && this.slots[0]!.frame) {
      const done = this.slots.shift()!;
      done.frame!.response!.zxid = this.host.appliedIndex();
      this.writeNow(done.frame!);
    }
    if (this.endAfterFlush && this.slots.length === 0) this.close();
  }

  private writeNow(frame: ServerFrame): void {
    if (this.ended) return;
    try {
      this.call.write(frame);
    } catch {
      this.end();
      return;
    }
    // A client that does not read its stream must not grow our memory without bound: drop the
    // stream; it reconnects, resumes its session and re-arms its watches with SetWatches.
    if (this.call.writableLength > MAX_BUFFERED_FRAMES) {
      this.host.logger.warn({ sessionId: this.sessionId, buffered: this.call.writableLength }, 'slow session stream dropped');
      this.close();
    }
  }

  /** A watch event for this session, from the apply path (in log order). */
  deliver(event: WatchEvent): void {
    this.writeNow({ event: watchEventToWire(event) });
  }

  /** The session ended in the log (expired or closed): tell the client, then end the stream. */
  sessionEnded(): void {
    if (this.closingSession) {
      this.endAfterFlush = true;
      if (this.slots.length === 0) this.close();
      return;
    }
    this.writeNow({ response: { xid: 0, zxid: this.host.appliedIndex(), error: toWireError(new BasaltError(ErrorCodes.SESSION_EXPIRED, `session ${this.sessionId} has ended`, { sessionId: this.sessionId })) } });
    this.close();
  }

  /** Another stream resumed this session: say so (SESSION_MOVED, terminal for the client), then end. */
  sessionMoved(): void {
    this.writeNow({ response: { xid: 0, zxid: this.host.appliedIndex(), error: toWireError(new BasaltError(ErrorCodes.SESSION_MOVED, `session ${this.sessionId} was resumed by another connection`, { sessionId: this.sessionId })) } });
    this.close();
  }

  /** Ends the stream (leadership lost, shutdown): the client reconnects elsewhere. */
  close(): void {
    if (this.ended) return;
    this.end();
    try {
      this.call.end();
    } catch {
      // Already gone.
    }
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.sessionId !== 0) this.host.detach(this.sessionId, this);
  }
}
