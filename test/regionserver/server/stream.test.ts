// Proves that requests on one stream are independent (a failing or slow request never fails or
// blocks its neighbours), that frames coalesce, and that every bound answers a typed error.
import { Client, credentials } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { basalt } from '../../../proto/generated/basalt.js';
import { CellType } from '../../../common/cell.js';
import { ErrorCodes } from '../../../common/errors.js';
import { fromGrpcError } from '../../../common/grpc-errors.js';
import { RegionServerClient } from '../../../client/rpc/region-server-client.js';
import type { RegionOpener, RegionPort } from '../../../regionserver/server/region-port.js';
import { BATCH_PATH } from '../../../common/rs-wire/service.js';
import { Admission, StreamSession } from '../../../regionserver/server/stream.js';
import { EventEmitter } from 'node:events';
import { fakeOpener } from './fake-region.js';
import { eventually, FAMILIES, get, put, regionInfo, startServer, valueOf, type Harness } from './harness.js';

/** Wraps an opener so that gets of row "slow" wait until `release()`. */
function gatedOpener(inner: RegionOpener): RegionOpener & { release(): void; waiting: number } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const state = { waiting: 0 };
  const opener = async (params: Parameters<RegionOpener>[0]): Promise<RegionPort> => {
    const port = await inner(params);
    return Object.assign(Object.create(port) as RegionPort, {
      get: async (request: Parameters<RegionPort['get']>[0]) => {
        if (request.row.toString() === 'slow') {
          state.waiting++;
          await gate;
        }
        return port.get(request);
      },
    });
  };
  const gated = Object.assign(opener, { release: () => release(), waiting: 0 });
  Object.defineProperty(gated, 'waiting', { get: () => state.waiting });
  releaseAll.push(() => release());
  return gated;
}

const releaseAll: Array<() => void> = [];

let h: Harness | undefined;
afterEach(async () => {
  for (const release of releaseAll.splice(0)) release();
  await h?.stop();
  h = undefined;
});

async function open(harness: Harness): Promise<void> {
  await harness.client.openRegion({ info: regionInfo('r1', '', 'x'), families: FAMILIES, openEpoch: 1 });
}

describe('one stream, many independent requests', () => {
  it('fails only the bad requests among many good ones and coalesces them into few frames', async () => {
    h = await startServer({ opener: fakeOpener() });
    await open(h);
    const framesBefore = h.client.framesSent;
    const ops = Array.from({ length: 300 }, (_, i) => {
      if (i % 10 === 3) return h!.client.mutate('r1', put('zzz', 'q', 'x')); // outside the region
      if (i % 10 === 7) return h!.client.mutate('r1', put(`k${i}`, 'q', 'x', 'nofamily'));
      if (i % 10 === 9) return h!.client.get('r1', { row: Buffer.alloc(0) });
      return h!.client.mutate('r1', put(`k${i}`, 'q', `v${i}`));
    });
    const settled = await Promise.allSettled(ops);
    settled.forEach((s, i) => {
      if (i % 10 === 3) expect(s).toMatchObject({ status: 'rejected', reason: { code: ErrorCodes.WRONG_REGION } });
      else if (i % 10 === 7) expect(s).toMatchObject({ status: 'rejected', reason: { code: ErrorCodes.NO_SUCH_FAMILY } });
      else if (i % 10 === 9) expect(s).toMatchObject({ status: 'rejected', reason: { code: ErrorCodes.INVALID_ARGUMENT, details: { field: 'get.row' } } });
      else expect(s.status).toBe('fulfilled');
    });
    // Issued in one turn of the event loop, the 300 requests leave in one frame.
    expect(h.client.framesSent - framesBefore).toBeLessThanOrEqual(2);
    expect(valueOf(await h.client.get('r1', get('k0')), 'q')).toBe('v0');
    expect(valueOf(await h.client.get('r1', get('k7')), 'q')).toBeUndefined();
  });

  it('answers fast requests while a slow one on the same stream is still running', async () => {
    const opener = gatedOpener(fakeOpener());
    h = await startServer({ opener });
    await open(h);
    await h.client.mutate('r1', put('fast', 'q', 'v'));
    let slowDone = false;
    const slow = h.client.get('r1', get('slow')).then(() => (slowDone = true));
    await eventually(() => opener.waiting === 1, 20_000, 'the slow get to start');
    const fast = await Promise.all(Array.from({ length: 50 }, () => h!.client.get('r1', get('fast'))));
    expect(fast.every((r) => valueOf(r, 'q') === 'v')).toBe(true);
    expect(slowDone).toBe(false);
    opener.release();
    await slow;
    expect(slowDone).toBe(true);
  });

  it('answers SERVER_BUSY past the in-flight bound of a stream, and serves again once below it', async () => {
    const opener = gatedOpener(fakeOpener());
    h = await startServer({ opener, maxInflightPerStream: 4 });
    await open(h);
    const slow = Array.from({ length: 4 }, () => h!.client.get('r1', get('slow')));
    await eventually(() => opener.waiting === 4, 20_000, 'four slow gets');
    await expect(h.client.get('r1', get('other'))).rejects.toMatchObject({ code: ErrorCodes.SERVER_BUSY });
    opener.release();
    await Promise.all(slow);
    expect(await h.client.get('r1', get('other'))).toBeUndefined();
  });

  it('answers SERVER_BUSY past the server-wide bound on running requests', async () => {
    const opener = gatedOpener(fakeOpener());
    h = await startServer({ opener, config: { maxQueuedRequests: 3 } });
    await open(h);
    const second = new RegionServerClient({ address: h.server.address });
    try {
      const slow = [h.client.get('r1', get('slow')), h.client.get('r1', get('slow')), second.get('r1', get('slow'))];
      await eventually(() => opener.waiting === 3, 20_000, 'three slow gets');
      await expect(second.get('r1', get('other'))).rejects.toMatchObject({ code: ErrorCodes.SERVER_BUSY });
      opener.release();
      await Promise.all(slow);
    } finally {
      second.close();
    }
  });
});

describe('a broken stream', () => {
  it('fails the requests in flight on it with UNAVAILABLE, and the next call opens a new stream', async () => {
    const opener = gatedOpener(fakeOpener());
    const first = await startServer({ opener, shutdownTimeoutMs: 300 });
    await open(first);
    const client = new RegionServerClient({ address: first.server.address });
    try {
      const slow = client.get('r1', get('slow')).then(
        () => undefined,
        (err: unknown) => err,
      );
      await eventually(() => opener.waiting === 1, 20_000, 'the slow get');
      // The server gives up on the stuck request after its shutdown timeout and ends the stream.
      await first.server.stop();
      expect(await slow).toMatchObject({ code: ErrorCodes.UNAVAILABLE });
      const port = Number(first.server.address.split(':')[1]);
      h = await startServer({ opener: fakeOpener(), port });
      await open(h);
      await client.mutate('r1', put('again', 'q', 'v'));
      expect(valueOf(await client.get('r1', get('again')), 'q')).toBe('v');
    } finally {
      client.close();
      opener.release();
      await first.stop();
    }
  });
});

describe('closing the client', () => {
  it('fails a request still waiting to be sent with CLOSED and never opens a stream on the closed channel', async () => {
    h = await startServer({ opener: fakeOpener() });
    await open(h);
    const client = new RegionServerClient({ address: h.server.address });
    const framesBefore = client.framesSent;
    // Queued for the next turn's frame, then closed in this turn: the scheduled send must not run
    // (it used to open a stream on the closed channel and throw "Channel has been shut down").
    const pending = client.get('r1', get('r')).then(
      () => undefined,
      (err: unknown) => err,
    );
    client.close();
    expect(await pending).toMatchObject({ code: ErrorCodes.CLOSED });
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.framesSent).toBe(framesBefore);
  });
});

describe('flow control', () => {
  it('stops reading requests while the transport has not taken its responses, and resumes after', async () => {
    // A stand-in for grpc-js's server stream whose write callbacks we release by hand.
    const call = Object.assign(new EventEmitter(), {
      paused: false,
      writes: [] as Array<() => void>,
      write(_frame: Buffer, done: () => void) {
        this.writes.push(done);
        return true;
      },
      pause() {
        this.paused = true;
      },
      resume() {
        this.paused = false;
      },
      end() {},
    });
    const executor = { execute: async (item: basalt.regionserver.IRequestItem) => ({ id: item.id ?? 0, exists: { exists: true } }) };
    new StreamSession(call as never, executor, new Admission(1_000), { maxInflightPerStream: 8, maxFrameBytes: 1 << 20 }, () => undefined);
    const frame = (from: number, n: number): Buffer =>
      Buffer.from(basalt.regionserver.BatchRequest.encode({ items: Array.from({ length: n }, (_, i) => ({ id: from + i, exists: { region: 'r1', get: get('a') } })) }).finish());
    call.emit('data', frame(1, 4));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(call.writes).toHaveLength(1);
    expect(call.paused).toBe(false);
    call.emit('data', frame(5, 4));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    call.emit('data', frame(9, 1)); // Arrives while 8 responses are unsent: reading stops after it.
    expect(call.paused).toBe(true);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    for (const done of call.writes.splice(0)) done();
    expect(call.paused).toBe(false);
  });

  it('answers every request of a client that stopped reading for a while once it reads again', async () => {
    h = await startServer({ opener: fakeOpener(), maxInflightPerStream: 64 });
    await open(h);
    await h.client.mutate('r1', put('big', 'q', Buffer.alloc(16 * 1024, 1)));
    const raw = new Client(h.server.address, credentials.createInsecure(), { 'grpc.max_receive_message_length': -1 });
    try {
      const stream = raw.makeBidiStreamRequest(BATCH_PATH, (b: Buffer) => b, (b: Buffer) => b);
      stream.pause();
      const total = 1_000;
      for (let f = 0; f < total / 50; f++) {
        const items = Array.from({ length: 50 }, (_, i) => ({ id: f * 50 + i + 1, get: { region: 'r1', get: get('big') } }));
        stream.write(Buffer.from(basalt.regionserver.BatchRequest.encode({ items }).finish()));
      }
      await new Promise((r) => setTimeout(r, 300));
      // Every request is answered once the client reads: a result, or SERVER_BUSY.
      let answered = 0;
      stream.on('data', (frame: Buffer) => (answered += basalt.regionserver.BatchResponse.decode(frame).items.length));
      stream.resume();
      await eventually(() => answered === total, 30_000, 'every response once the client reads');
      stream.end();
    } finally {
      raw.close();
    }
  });
});

describe('request bounds', () => {
  it('rejects oversized rows, cells and requests with their codes and changes nothing', async () => {
    h = await startServer({ opener: fakeOpener(), config: { maxRowKeyBytes: 64, maxCellBytes: 1024, maxRequestBytes: 8 * 1024, maxRowsPerRequest: 10 } });
    await open(h);
    await expect(h.client.mutate('r1', put('a'.repeat(65), 'q', 'v'))).rejects.toMatchObject({ code: ErrorCodes.ROW_TOO_LARGE, details: { field: 'mutation.row' } });
    await expect(h.client.mutate('r1', put('big', 'q', Buffer.alloc(2000)))).rejects.toMatchObject({ code: ErrorCodes.CELL_TOO_LARGE, details: { field: 'mutation.cells[0]' } });
    const wide = { row: Buffer.from('wide'), cells: Array.from({ length: 12 }, (_, i) => ({ family: 'cf', qualifier: Buffer.from(`q${i}`), type: CellType.Put, value: Buffer.alloc(900) })) };
    await expect(h.client.mutate('r1', wide)).rejects.toMatchObject({ code: ErrorCodes.REQUEST_TOO_LARGE });
    const many = Array.from({ length: 11 }, (_, i) => ({ mutation: put(`m${i}`, 'q', 'v') }));
    await expect(h.client.multi('r1', many)).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT, details: { field: 'multi.actions' } });
    await expect(h.client.mutate('r1', { row: Buffer.from('t'), cells: [{ family: 'cf', qualifier: Buffer.from('q'), type: 99 }] })).rejects.toMatchObject({
      code: ErrorCodes.INVALID_ARGUMENT,
      details: { field: 'mutation.cells[0].type' },
    });
    await expect(h.client.mutate('r1', { row: Buffer.from('t'), cells: [{ family: 'cf', type: CellType.Put }] })).rejects.toMatchObject({
      details: { field: 'mutation.cells[0].qualifier' },
    });
    for (const row of ['big', 'wide', 'm0', 't']) expect(await h.client.get('r1', get(row))).toBeUndefined();
  });

  it('refuses on the client a request larger than a frame', async () => {
    h = await startServer({ opener: fakeOpener() });
    await open(h);
    const small = new RegionServerClient({ address: h.server.address, maxFrameBytes: 1024 });
    try {
      await expect(small.mutate('r1', put('w', 'q', Buffer.alloc(2048)))).rejects.toMatchObject({ code: ErrorCodes.REQUEST_TOO_LARGE });
      await small.mutate('r1', put('w', 'q', 'fits'));
    } finally {
      small.close();
    }
  });

  it('ends a stream whose frame does not decode with INVALID_ARGUMENT, and keeps serving others', async () => {
    h = await startServer({ opener: fakeOpener() });
    await open(h);
    const raw = new Client(h.server.address, credentials.createInsecure());
    try {
      const stream = raw.makeBidiStreamRequest(BATCH_PATH, (b: Buffer) => b, (b: Buffer) => b);
      const failed = new Promise<unknown>((resolve) => stream.on('error', resolve));
      stream.on('data', () => undefined);
      stream.write(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]));
      expect(fromGrpcError(await failed)).toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT, details: { field: 'frame' } });
    } finally {
      raw.close();
    }
    await h.client.mutate('r1', put('after', 'q', 'v'));
    expect(valueOf(await h.client.get('r1', get('after')), 'q')).toBe('v');
  });

  it('answers a frame through the unary Execute call too, one result per item', async () => {
    h = await startServer({ opener: fakeOpener() });
    await open(h);
    const response = await h.client.execute([
      { id: 1, mutate: { region: 'r1', mutation: put('u', 'q', 'v') } },
      { id: 2, get: { region: 'nowhere', get: get('u') } },
      { id: 3 },
    ]);
    const byId = new Map(response.items.map((i) => [i.id, i]));
    expect(byId.get(1)!.error).toBeFalsy();
    expect(byId.get(2)!.error!.code).toBe(ErrorCodes.NOT_SERVING_REGION);
    expect(byId.get(3)!.error!.code).toBe(ErrorCodes.INVALID_ARGUMENT);
  });
});
