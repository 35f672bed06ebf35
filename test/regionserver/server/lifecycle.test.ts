// Proves graceful shutdown (running requests finish, new ones are refused, regions close with a
// flush, the WAL closes last), write fencing by the coordination lease, and the daemon's
// registration as an ephemeral node under /basalt/rs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../common/clock.js';
import { DEFAULT_CONFIG } from '../../../common/config.js';
import { ErrorCodes } from '../../../common/errors.js';
import { RegionServerClient } from '../../../client/rpc/region-server-client.js';
import { startRegionServerDaemon } from '../../../regionserver/server/daemon.js';
import { LeaseFence } from '../../../regionserver/server/fencing.js';
import type { RegionOpener, RegionPort } from '../../../regionserver/server/region-port.js';
import { startEnsemble } from '../../support/coord-ensemble.js';
import { fakeOpener } from './fake-region.js';
import { eventually, FAMILIES, get, put, regionInfo, startServer, valueOf, type Harness } from './harness.js';

let h: Harness | undefined;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await h?.stop();
  h = undefined;
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('graceful shutdown', () => {
  it('lets running requests finish, refuses new ones, closes regions with a flush, then the WAL', async () => {
    const inner = fakeOpener();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let waiting = 0;
    const closes: string[] = [];
    const opener: RegionOpener = async (params) => {
      const port = await inner(params);
      const wrapped: RegionPort = Object.create(port) as RegionPort;
      wrapped.get = async (req) => {
        if (req.row.toString() === 'slow') {
          waiting++;
          await gate;
        }
        return port.get(req);
      };
      wrapped.close = async (options) => {
        closes.push(options?.abort ? 'abort' : 'flush');
        await port.close(options);
      };
      return wrapped;
    };
    const order: string[] = [];
    h = await startServer({ opener, onStopped: async () => void order.push('wal-closed') });
    await h.client.openRegion({ info: regionInfo('r1'), families: FAMILIES, openEpoch: 1 });
    await h.client.mutate('r1', put('slow', 'q', 'v'));
    const slow = h.client.get('r1', get('slow'));
    await eventually(() => waiting === 1, 20_000, 'the slow get');
    const stopped = h.server.stop().then(() => order.push('stopped'));
    await expect(h.client.get('r1', get('other'))).rejects.toMatchObject({ code: ErrorCodes.CLOSED });
    expect(order).toEqual([]);
    release();
    expect(valueOf(await slow, 'q')).toBe('v');
    await stopped;
    expect(closes).toEqual(['flush']);
    expect(order).toEqual(['wal-closed', 'stopped']);
    expect(inner.regions.get('r1')!.closed).toBe(true);
    // A new connection is refused once the server is down.
    const late = new RegionServerClient({ address: h.server.address, requestTimeoutMs: 5_000 });
    try {
      await expect(late.get('r1', get('slow'))).rejects.toMatchObject({ code: expect.stringMatching(/UNAVAILABLE|CLOSED|TIMEOUT/) });
    } finally {
      late.close();
    }
  });
});

describe('fencing', () => {
  it('acknowledges writes only while the lease is provably valid; reads go on', async () => {
    const clock = new ManualClock();
    const lease = { state: 'connected', sessionTimeoutMs: 6_000, lastAckedKeepAliveMs: clock.monotonic() };
    h = await startServer({ opener: fakeOpener(), clock, fence: new LeaseFence(lease, clock, 1_000) });
    await h.client.openRegion({ info: regionInfo('r1'), families: FAMILIES, openEpoch: 1 });
    await h.client.mutate('r1', put('a', 'q', '1'));
    clock.advance(4_999);
    await h.client.mutate('r1', put('b', 'q', '1'));
    clock.advance(2);
    await expect(h.client.mutate('r1', put('c', 'q', '1'))).rejects.toMatchObject({ code: ErrorCodes.FENCED });
    // A multi that writes is refused as a whole; one that only reads is served.
    await expect(h.client.multi('r1', [{ mutation: put('d', 'q', '1') }, { get: get('a') }])).rejects.toMatchObject({ code: ErrorCodes.FENCED });
    const reads = await h.client.multi('r1', [{ get: get('a') }, { get: get('b') }]);
    expect(reads.map((r) => valueOf(r as never, 'q'))).toEqual(['1', '1']);
    expect(await h.client.get('r1', get('c'))).toBeUndefined();
    expect(await h.client.get('r1', get('d'))).toBeUndefined();
    // A keep-alive acknowledged again restores the lease.
    lease.lastAckedKeepAliveMs = clock.monotonic();
    await h.client.mutate('r1', put('c', 'q', '1'));
    lease.state = 'expired';
    await expect(h.client.mutate('r1', put('e', 'q', '1'))).rejects.toMatchObject({ code: ErrorCodes.FENCED });
    // Admin calls that write into the data root are fenced too.
    await expect(h.client.flushRegion('r1')).rejects.toMatchObject({ code: ErrorCodes.FENCED });
    await expect(h.client.openRegion({ info: regionInfo('r2', 'x', 'y'), families: FAMILIES, openEpoch: 1 })).rejects.toMatchObject({ code: ErrorCodes.FENCED });
  });
});

describe('registration', () => {
  it('registers an ephemeral /basalt/rs/<host:port,startcode> node that disappears on a clean stop', async () => {
    const ensemble = await startEnsemble(1);
    cleanups.push(() => ensemble.close());
    const dir = mkdtempSync(join(tmpdir(), 'basalt-rsreg-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const daemon = await startRegionServerDaemon({ dataDir: dir, host: '127.0.0.1', port: 0, config: DEFAULT_CONFIG, coord: ensemble.addresses });
    cleanups.push(() => daemon.stop());
    const watcher = await ensemble.connect();
    const { children } = await watcher.getChildren('/basalt/rs');
    expect(children).toEqual([daemon.server.serverName]);
    const { data } = await watcher.getData(`/basalt/rs/${daemon.server.serverName}`);
    expect(JSON.parse(data.toString())).toMatchObject({ address: daemon.server.address });
    // Writes are acknowledged while the session lives.
    const client = new RegionServerClient({ address: daemon.server.address });
    cleanups.push(() => client.close());
    await client.openRegion({ info: regionInfo('r1'), families: FAMILIES, openEpoch: 1 });
    await client.mutate('r1', put('a', 'q', 'v'));
    await daemon.stop();
    expect(await daemon.stopped).toEqual({ reason: 'stopped' });
    await eventually(async () => (await watcher.getChildren('/basalt/rs')).children.length === 0, 20_000, 'the ephemeral node to go');
  });
});
