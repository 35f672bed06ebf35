/**
 * The data plane's HTTP/2 windows: the region server gives each connection and stream the larger
 * windows (so a batch of rows crosses without waiting for window updates from a busy loop), the
 * client asks the same for responses, and a client's large requests leave one per turn.
 */
import http2 from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { CellType } from '../../../common/cell.js';
import { CONNECTION_WINDOW_BYTES, STREAM_WINDOW_BYTES } from '../../../common/rs-wire/service.js';
import { RegionServerClient } from '../../../client/rpc/region-server-client.js';
import { fakeOpener } from './fake-region.js';
import { eventually, FAMILIES, regionInfo, startServer, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('flow-control windows', () => {
  it('the region server announces the larger stream window and opens the connection window', async () => {
    h = await startServer({ opener: fakeOpener() });
    const session = http2.connect(`http://${h.server.address}`);
    try {
      const settings = await new Promise<http2.Settings>((resolve) => {
        const check = (s: http2.Settings) => {
          if (s.initialWindowSize === STREAM_WINDOW_BYTES) resolve(s);
        };
        session.on('remoteSettings', check);
      });
      expect(settings.initialWindowSize).toBe(STREAM_WINDOW_BYTES);
      // The server's connection window shows as the room this side may send.
      await eventually(() => (session.state.remoteWindowSize ?? 0) >= CONNECTION_WINDOW_BYTES - 65_535, 10_000, 'the connection window update');
    } finally {
      session.close();
    }
  });

  it('the client asks for the larger window for responses', async () => {
    const server = http2.createServer();
    const sessions: http2.ServerHttp2Session[] = [];
    const seen = new Promise<number | undefined>((resolve) =>
      server.on('session', (s) => {
        sessions.push(s);
        s.once('remoteSettings', (st) => resolve(st.initialWindowSize));
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const client = new RegionServerClient({ address: `127.0.0.1:${port}`, requestTimeoutMs: 2_000 });
    try {
      void client.get('r1', { row: Buffer.from('a') }).catch(() => undefined);
      expect(await seen).toBe(STREAM_WINDOW_BYTES);
    } finally {
      client.close();
      for (const s of sessions) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('large requests made in one turn leave one per turn, small ones share a frame', async () => {
    h = await startServer({ opener: fakeOpener() });
    await h.client.openRegion({ info: regionInfo('r1', '', 'x'), families: FAMILIES, openEpoch: 1 });
    const big = (n: number) =>
      Array.from({ length: 100 }, (_, i) => ({
        mutation: { row: Buffer.from(`b${n}-${i}`), cells: [{ family: 'cf', qualifier: Buffer.from('q'), type: CellType.Put, value: Buffer.alloc(1_000, 2) }] },
      }));
    const before = h.client.framesSent;
    const writes = [1, 2, 3, 4].map((n) => h!.client.multi('r1', big(n)));
    await new Promise((r) => setImmediate(r));
    expect(h.client.framesSent - before).toBe(1);
    const results = await Promise.all(writes);
    expect(h.client.framesSent - before).toBe(4);
    expect(results.flat().filter((r) => r instanceof Error)).toEqual([]);
    const small = h.client.framesSent;
    await Promise.all(Array.from({ length: 50 }, (_, i) => h!.client.get('r1', { row: Buffer.from(`b1-${i}`) })));
    expect(h.client.framesSent - small).toBe(1);
  });
});

describe('requests the client cannot encode', () => {
  it('fail alone with INVALID_ARGUMENT (sent: false); the requests beside them are answered', async () => {
    h = await startServer({ opener: fakeOpener() });
    await h.client.openRegion({ info: regionInfo('r1', '', 'x'), families: FAMILIES, openEpoch: 1 });
    const bad = h.client.get('r1', { row: Buffer.from('a'), columns: [null as unknown as { family: string }] });
    const good = h.client.get('r1', { row: Buffer.from('a') });
    await expect(bad).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { sent: false } });
    await expect(good).resolves.toBeUndefined();
  });
});
