/**
 * Proves that a failed WAL sync aborts the whole region server, as HBase does: the write is not
 * acknowledged, every region stops serving, the coordination session is closed (its ephemeral node
 * goes at once, so a master reassigns the regions) and the daemon stops with reason `aborted`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RegionServerClient } from '../../../client/rpc/region-server-client.js';
import { DEFAULT_CONFIG } from '../../../common/config.js';
import { startRegionServerDaemon, type RegionServerDaemon } from '../../../regionserver/server/daemon.js';
import { FaultInjectingWal } from '../../../regionserver/wal/fault-injecting-wal.js';
import { startEnsemble, type Ensemble } from '../../support/coord-ensemble.js';
import { FAMILIES, get, put, regionInfo, valueOf } from './harness.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('a failed WAL sync', () => {
  it('aborts the server: the write fails, the session closes, the daemon stops with the reason', async () => {
    const ensemble: Ensemble = await startEnsemble(1);
    cleanups.push(() => ensemble.close());
    const dir = mkdtempSync(join(tmpdir(), 'basalt-wal-abort-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    let wal: FaultInjectingWal | undefined;
    const daemon: RegionServerDaemon = await startRegionServerDaemon({
      dataDir: dir,
      host: '127.0.0.1',
      port: 0,
      config: { ...DEFAULT_CONFIG, master: { ...DEFAULT_CONFIG.master, sessionTimeoutMs: 4_000 } },
      coord: ensemble.addresses,
      openWal: async (walDir, replayRoot) => (wal = new FaultInjectingWal({ dir: walDir, replayRoot })),
    });
    cleanups.push(() => daemon.stop());
    const client = new RegionServerClient({ address: daemon.server.address });
    cleanups.push(() => client.close());
    await client.openRegion({ info: regionInfo('r1', '', 'm'), families: FAMILIES, openEpoch: 1 });
    await client.openRegion({ info: regionInfo('r2', 'm', ''), families: FAMILIES, openEpoch: 1 });
    await client.mutate('r1', put('a', 'q', 'before'));
    expect(valueOf(await client.get('r1', get('a')), 'q')).toBe('before');
    const watcher = await ensemble.connect();
    expect((await watcher.getChildren('/basalt/rs')).children).toEqual([daemon.server.serverName]);

    wal!.failNextDiskOperation(new Error('EIO: simulated disk failure'));
    await expect(client.mutate('r1', put('b', 'q', 'lost?'))).rejects.toMatchObject({ code: expect.any(String) });
    const stopped = await daemon.stopped;
    expect(stopped.reason).toBe('aborted');
    expect(stopped.cause).toContain('EIO');
    // The session was closed, not left to expire: the node is gone without waiting 4 s.
    expect((await watcher.getChildren('/basalt/rs')).children).toEqual([]);
    // Every region stopped serving, including the one whose write never failed.
    await expect(client.get('r2', get('x'))).rejects.toMatchObject({ code: expect.stringMatching(/CLOSED|UNAVAILABLE|NOT_SERVING_REGION/) });
  });
});
