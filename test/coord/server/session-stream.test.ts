/** Proves the server half of a session stream: responses leave in request order whatever order requests finish in, a read waits for the session's earlier writes, and requests past the in-flight bound get SERVER_BUSY. */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { createLogger } from '../../../common/logger.js';
import { CoordStateMachine, type CommandResult, type CoordCommand } from '../../../coord/tree/index.js';
import { SessionStream, type SessionHost } from '../../../coord/server/session-stream.js';
import type { ClientRequest, ServerFrame } from '../../../coord/client/protocol.js';

class FakeCall extends EventEmitter {
  readonly written: ServerFrame[] = [];
  write(frame: ServerFrame): boolean {
    this.written.push(frame);
    return true;
  }
  end(): void {
    this.emit('finish');
  }
  send(request: ClientRequest): void {
    this.emit('data', request);
  }
}

interface Deferred {
  command: CoordCommand;
  resolve(value: { result: CommandResult; zxid: number }): void;
}

function fakeHost(maxInflightPerSession = 100): { host: SessionHost; proposals: Deferred[]; sm: CoordStateMachine; applied: { index: number } } {
  const sm = new CoordStateMachine({ maxDataBytes: 1024, minSessionTimeoutMs: 1_000, maxSessionTimeoutMs: 10_000 });
  const proposals: Deferred[] = [];
  const applied = { index: 0 };
  const host: SessionHost = {
    logger: createLogger('test'),
    limits: { maxInflightPerSession, maxDataBytes: 1024, maxMultiOps: 10, maxSessions: 10 },
    isLeader: () => true,
    leaderAddress: () => '',
    appliedIndex: () => applied.index,
    nowMs: () => 1_000,
    stateMachine: () => sm,
    propose: (command) =>
      new Promise((resolve) => {
        proposals.push({
          command,
          resolve: (value) => {
            resolve(value);
          },
        });
      }),
    readBarrier: () => Promise.resolve(),
    newSessionId: () => 42,
    liveSessionCount: () => 0,
    touch: () => undefined,
    attach: () => undefined,
    detach: () => undefined,
  };
  return { host, proposals, sm, applied };
}

/** Applies a proposal to the real state machine and answers it, as the member's apply path does. */
function applyNext(env: ReturnType<typeof fakeHost>, which = 0): void {
  const p = env.proposals.splice(which, 1)[0]!;
  env.applied.index++;
  const r = env.sm.apply(env.applied.index, p.command);
  if (!r.outcome.ok) throw r.outcome.error;
  p.resolve({ result: r.outcome.result, zxid: env.applied.index });
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function connected(maxInflight?: number): Promise<{ call: FakeCall; env: ReturnType<typeof fakeHost> }> {
  const env = fakeHost(maxInflight);
  const call = new FakeCall();
  new SessionStream(env.host, call as unknown as ServerDuplexStream<ClientRequest, ServerFrame>);
  call.send({ xid: 0, connect: { sessionId: 0, timeoutMs: 5_000 } });
  await settle();
  applyNext(env);
  await settle();
  expect(call.written[0]?.response?.connect?.sessionId).toBe(42);
  call.written.length = 0;
  return { call, env };
}

describe('a session stream', () => {
  it('answers in request order even when later writes apply first', async () => {
    const { call, env } = await connected();
    call.send({ xid: 1, create: { path: '/a', data: Buffer.from('1') } });
    call.send({ xid: 2, create: { path: '/b', data: Buffer.from('2') } });
    await settle();
    applyNext(env, 1); // /b applies first (as if another proposer's order put it there)
    await settle();
    expect(call.written).toHaveLength(0);
    applyNext(env, 0);
    await settle();
    expect(call.written.map((f) => Number(f.response?.xid))).toEqual([1, 2]);
  });

  it("holds a read until the session's earlier write has applied", async () => {
    const { call, env } = await connected();
    call.send({ xid: 1, create: { path: '/x', data: Buffer.from('v') } });
    call.send({ xid: 2, getData: { path: '/x' } });
    await settle();
    expect(call.written).toHaveLength(0);
    applyNext(env);
    await settle();
    expect(call.written.map((f) => Number(f.response?.xid))).toEqual([1, 2]);
    expect(Buffer.from(call.written[1]!.response!.getData!.data!).toString()).toBe('v');
  });

  it('answers SERVER_BUSY past the in-flight bound and serves the rest', async () => {
    const { call, env } = await connected(3);
    for (let xid = 1; xid <= 5; xid++) call.send({ xid, create: { path: `/n${xid}` } });
    await settle();
    expect(call.written.map((f) => [Number(f.response?.xid), f.response?.error?.code])).toEqual([
      [4, 'SERVER_BUSY'],
      [5, 'SERVER_BUSY'],
    ]);
    while (env.proposals.length > 0) applyNext(env);
    await settle();
    expect(call.written.slice(2).map((f) => [Number(f.response?.xid), f.response?.error ?? null])).toEqual([
      [1, null],
      [2, null],
      [3, null],
    ]);
  });
});
