/**
 * Proves, with real processes, that a paused region server cannot damage its region after it moved
 * (issue 8's drill): A pauses (SIGSTOP) with unflushed edits and a flush and a compaction queued
 * for it; B reopens the region at epoch + 1 by hand through the admin API, writes and flushes; A
 * resumes; B is killed; C reopens: every write A or B acknowledged is there.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RegionServerClient } from '../../../client/rpc/region-server-client.js';
import { CoordClient } from '../../../coord/client/index.js';
import { eventually, FAMILIES, get, put, regionInfo, valueOf } from '../server/harness.js';
import { killAll, runBasalt, startRegionServerProcess } from '../server/process.js';

const dirs: string[] = [];
const clients: RegionServerClient[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'basalt-sigstop-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  killAll();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const connect = (address: string): RegionServerClient => {
  const c = new RegionServerClient({ address });
  clients.push(c);
  return c;
};
const settle = <T>(p: Promise<T>): Promise<string> => p.then(() => 'ok', (err: { code?: string }) => err.code ?? 'error');

describe('SIGSTOP drill: a paused owner resumes after its region moved', () => {
  it('every write the new owner acknowledged survives the zombie’s pending flush and compaction', async () => {
    const coordDir = tempDir();
    const coordProc = runBasalt(['coord', 'start', '--id', '1', '--port', '0', '--data-dir', coordDir]);
    let coordOut = '';
    coordProc.stdout!.on('data', (d: Buffer) => (coordOut += d.toString()));
    await eventually(() => /coord ready address=/.test(coordOut), 30_000, 'the coordination member');
    const coord = /coord ready address=(\S+)/.exec(coordOut)![1]!;
    const config = join(tempDir(), 'config.json');
    writeFileSync(config, JSON.stringify({ master: { sessionTimeoutMs: 2_000 }, regionserver: { compactionMinFiles: 100, majorCompactionPeriodMs: 0 } }));
    const root = tempDir();
    const info = regionInfo('drill');
    const acked = new Map<string, string>();
    const write = async (client: RegionServerClient, rowKey: string, value: string): Promise<void> => {
      await client.mutate('drill', put(rowKey, 'q', value));
      acked.set(rowKey, value);
    };

    const a = await startRegionServerProcess(['--data-dir', root, '--coord', coord, '--config', config]);
    const ca = connect(a.address);
    await ca.openRegion({ info, families: FAMILIES, openEpoch: 1 });
    for (let f = 0; f < 3; f++) {
      for (let i = 0; i < 20; i++) await write(ca, `a${f}-${i}`, `a-${f}-${i}`);
      await ca.flushRegion('drill');
    }
    for (let i = 0; i < 20; i++) await write(ca, `a-unflushed-${i}`, 'a');

    const watcher = await CoordClient.connect({ servers: [coord], sessionTimeoutMs: 10_000 });
    try {
      a.proc.kill('SIGSTOP');
      // A flush and a compaction reach A while it sleeps: they run when it wakes.
      const pendingFlush = settle(ca.flushRegion('drill'));
      const pendingCompaction = settle(ca.compactRegion('drill', true));
      await eventually(async () => !(await watcher.getChildren('/basalt/rs')).children.includes(a.serverName), 30_000, 'A’s session to expire');

      const b = await startRegionServerProcess(['--data-dir', root, '--coord', coord, '--config', config]);
      const cb = connect(b.address);
      await cb.openRegion({ info, families: FAMILIES, openEpoch: 2 });
      for (let i = 0; i < 30; i++) await write(cb, `b-flushed-${i}`, `b-${i}`);
      await cb.flushRegion('drill');
      for (let i = 0; i < 30; i++) await write(cb, `b-unflushed-${i}`, `b-${i}`);

      a.proc.kill('SIGCONT');
      // A's queued admin work is refused (its lease lapsed) or finds it shutting down; A exits 1.
      expect(['FENCED', 'CLOSED', 'UNAVAILABLE', 'NOT_SERVING_REGION']).toContain(await pendingFlush);
      expect(['FENCED', 'CLOSED', 'UNAVAILABLE', 'NOT_SERVING_REGION']).toContain(await pendingCompaction);
      expect(await a.exited).toBe(1);

      b.proc.kill('SIGKILL');
      await b.exited;
      const c = await startRegionServerProcess(['--data-dir', root, '--coord', coord, '--config', config]);
      const cc = connect(c.address);
      await cc.openRegion({ info, families: FAMILIES, openEpoch: 3 });
      const missing: string[] = [];
      for (const [rowKey, value] of acked) if (valueOf(await cc.get('drill', get(rowKey)), 'q') !== value) missing.push(rowKey);
      expect(missing).toEqual([]);
      expect(acked.size).toBe(140);
    } finally {
      await watcher.close();
      coordProc.kill('SIGTERM');
    }
  });
});
