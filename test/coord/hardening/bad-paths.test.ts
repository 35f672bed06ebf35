/** Proves that paths follow ZooKeeper's PathUtils rules exactly (its forbidden character ranges included), that the client refuses a bad path before sending anything, and that the server answers an undecodable request with a typed error for that request only, keeping the stream (issue 7, defect 3). */
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import { credentials, type ClientDuplexStream } from '@grpc/grpc-js';
import { startEnsemble, waitFor, type Ensemble } from '../../support/coord-ensemble.js';
import { isValidPath } from '../../../coord/tree/index.js';
import { CHANNEL_OPTIONS, CoordGrpcClient, type ClientRequest, type ServerFrame } from '../../../coord/client/protocol.js';
import type { CoordClient } from '../../../coord/client/index.js';

let ensemble: Ensemble;
beforeAll(async () => {
  ensemble = await startEnsemble(1);
});
afterAll(async () => {
  await ensemble?.close();
});

describe("ZooKeeper's path rules", () => {
  test.each([
    ['/a\u0001', false],
    ['/a\u001f', false],
    ['/a\u007f', false],
    ['/a\u009f', false],
    ['/a\u00a0', true],
    ['/a\ud7ff', true],
    ['/a\ud800', false],
    ['/a\udfff', false],
    ['/a\ud83d\ude00', false], // a surrogate pair (emoji): ZooKeeper forbids \ud800-\uf8ff as chars
    ['/a\ue000', false], // private use area
    ['/a\uf8ff', false],
    ['/a\uf900', true],
    ['/a\uffef', true],
    ['/a\ufff0', false],
    ['/a\uffff', false],
    ['/a/.b', true],
    ['/a/b.', true],
    ['/a/...', true],
    ['/.', false],
    ['/..', false],
  ])('%j valid: %s', (path, valid) => {
    expect(isValidPath(path)).toBe(valid);
  });
});

/** The number of requests the client has numbered so far (each request sent takes an xid). */
function xidsUsed(client: CoordClient): number {
  return (client as unknown as { nextXid: number }).nextXid;
}

describe('the client', () => {
  it('refuses a bad path in every call with INVALID_PATH naming the field, sending nothing', async () => {
    const client = await ensemble.connect();
    const states: string[] = [];
    client.on('state', (s) => states.push(s));
    const bad = '/lone\ud800surrogate';
    const before = xidsUsed(client);
    const calls: Array<[string, () => Promise<unknown>, string]> = [
      ['create', () => client.create(bad, 'x'), 'path'],
      ['create sequential', () => client.create('/q/\ufff0', 'x', { sequential: true }), 'path'],
      ['delete', () => client.delete(bad), 'path'],
      ['setData', () => client.setData(bad, 'x'), 'path'],
      ['getData', () => client.getData(bad, { watch: () => undefined }), 'path'],
      ['exists', () => client.exists(bad), 'path'],
      ['getChildren', () => client.getChildren(bad), 'path'],
      ['sync', () => client.sync(bad), 'path'],
      ['addWatch', () => client.addWatch(bad, () => undefined), 'path'],
      ['removeWatches', () => client.removeWatches(bad), 'path'],
      ['multi', () => client.multi([{ op: 'check', path: '/', version: -1 }, { op: 'setData', path: bad, data: 'x' }]), 'ops[1].path'],
    ];
    for (const [name, call, field] of calls) {
      await expect(call(), name).rejects.toMatchObject({ code: 'INVALID_PATH', details: { field } });
    }
    expect(xidsUsed(client)).toBe(before);
    expect(states).toEqual([]);
    expect(await client.exists('/')).not.toBeNull();
  });
});

describe('the server', () => {
  it('answers an undecodable request with a typed error for that request and keeps serving the stream', async () => {
    const grpc = new CoordGrpcClient(ensemble.addresses[0]!, credentials.createInsecure(), CHANNEL_OPTIONS) as unknown as { session(): ClientDuplexStream<ClientRequest, ServerFrame>; close(): void };
    const stream = grpc.session();
    const frames: ServerFrame[] = [];
    let ended = false;
    stream.on('data', (f: ServerFrame) => frames.push(f));
    stream.on('error', () => (ended = true));
    stream.on('end', () => (ended = true));
    try {
      stream.write({ xid: 0, connect: { sessionId: 0, timeoutMs: 5_000 } });
      await waitFor('the session', () => frames.find((f) => Number(f.response?.xid) === 0));
      // protobufjs encodes a lone surrogate into bytes that are not UTF-8: the server cannot decode it.
      stream.write({ xid: 7, getData: { path: '/lone\ud800' } });
      stream.write({ xid: 8, exists: { path: '/' } });
      const bad = await waitFor('an answer to the undecodable request', () => frames.find((f) => Number(f.response?.xid) === 7)?.response ?? undefined);
      expect(bad.error?.code).toBe('INVALID_ARGUMENT');
      const good = await waitFor('an answer to the next request', () => frames.find((f) => Number(f.response?.xid) === 8)?.response ?? undefined);
      expect(good.error ?? null).toBeNull();
      expect(good.stat?.stat).toBeTruthy();
      expect(ended).toBe(false);
    } finally {
      stream.cancel();
      grpc.close();
    }
  });
});
