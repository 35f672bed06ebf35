/** Proves that an answer larger than the frame limit is a RESPONSE_TOO_LARGE error for that request while the session stream lives on, that sync validates its path on the server, and that a member behind the client's last seen zxid refuses to serve it (issue 7, defect 13). */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { credentials, type ClientDuplexStream } from '@grpc/grpc-js';
import { startEnsemble, waitFor, type Ensemble } from '../../support/coord-ensemble.js';
import { CHANNEL_OPTIONS, CoordGrpcClient, type ClientRequest, type ServerFrame } from '../../../coord/client/protocol.js';

let ensemble: Ensemble;
beforeAll(async () => {
  ensemble = await startEnsemble(1);
});
afterAll(async () => {
  await ensemble?.close();
});

/** A raw session stream (no client-side checks), with every frame it receives. */
function rawStream(): { stream: ClientDuplexStream<ClientRequest, ServerFrame>; frames: ServerFrame[]; answer(xid: number): Promise<NonNullable<ServerFrame['response']>>; close(): void } {
  const grpc = new CoordGrpcClient(ensemble.addresses[0]!, credentials.createInsecure(), CHANNEL_OPTIONS) as unknown as { session(): ClientDuplexStream<ClientRequest, ServerFrame>; close(): void };
  const stream = grpc.session();
  const frames: ServerFrame[] = [];
  stream.on('data', (f: ServerFrame) => frames.push(f));
  stream.on('error', () => undefined);
  return {
    stream,
    frames,
    answer: (xid) => waitFor(`the answer to ${xid}`, () => frames.find((f) => f.response && Number(f.response.xid) === xid)?.response ?? undefined),
    close: () => {
      stream.cancel();
      grpc.close();
    },
  };
}

it('answers a child list past the frame limit with RESPONSE_TOO_LARGE and keeps the session', async () => {
  const client = await ensemble.connect({ requestTimeoutMs: 8_000, sessionTimeoutMs: 10_000 });
  const states: string[] = [];
  client.on('state', (s) => states.push(s));
  await client.create('/wide');
  // 2,250 children with 3,900-byte names: about 8.8 MB of names, past the 8 MiB frame limit.
  const prefix = 'c'.repeat(3_890);
  for (let batch = 0; batch < 9; batch++) {
    const ops = Array.from({ length: 250 }, (_, i) => ({ op: 'create' as const, path: `/wide/${prefix}${String(batch * 250 + i).padStart(6, '0')}` }));
    await client.multi(ops);
  }
  await expect(client.getChildren('/wide')).rejects.toMatchObject({ code: 'RESPONSE_TOO_LARGE', details: { field: 'response' } });
  expect((await client.getData('/wide')).stat.numChildren).toBe(2_250);
  expect(states).toEqual([]);
});

it('validates the path of sync on the server', async () => {
  const raw = rawStream();
  try {
    raw.stream.write({ xid: 0, connect: { sessionId: 0, timeoutMs: 5_000 } });
    expect((await raw.answer(0)).error ?? null).toBeNull();
    raw.stream.write({ xid: 1, sync: { path: 'not/absolute' } });
    expect((await raw.answer(1)).error?.code).toBe('INVALID_PATH');
  } finally {
    raw.close();
  }
});

it('refuses to serve a client that has seen a later zxid than the member has applied', async () => {
  const raw = rawStream();
  try {
    raw.stream.write({ xid: 0, connect: { sessionId: 0, timeoutMs: 5_000, lastZxidSeen: 1_000_000_000 } });
    const answer = await raw.answer(0);
    expect(answer.error?.code).toBe('UNAVAILABLE');
    expect(answer.connect ?? null).toBeNull();
  } finally {
    raw.close();
  }
});
