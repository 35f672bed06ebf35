// Proves the `basalt regionserver` process: acknowledged writes survive SIGKILL (the next server
// replays the dead server's WAL from the shared data root), SIGTERM shuts down cleanly with a
// flush, a server paused past its session timeout refuses writes when it wakes (fencing), and bad
// flags exit non-zero with a one-line reason.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RegionServerClient } from '../../../client/rpc/region-server-client.js';
import { CoordClient } from '../../../coord/client/index.js';
import { eventually, FAMILIES, get, put, regionInfo, valueOf } from './harness.js';
import { killAll, runBasalt, startRegionServerProcess } from './process.js';

const dirs: string[] = [];
const clients: RegionServerClient[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'basalt-rsd-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  killAll();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function connect(address: string): RegionServerClient {
  const c = new RegionServerClient({ address });
  clients.push(c);
  return c;
}

describe('basalt regionserver', () => {
  it('keeps every acknowledged write across SIGKILL: the next server replays the WAL', async () => {
    const root = tempDir();
    const first = await startRegionServerProcess(['--data-dir', root, '--port', '0']);
    const c1 = connect(first.address);
    await c1.openRegion({ info: regionInfo('r1'), families: FAMILIES, openEpoch: 1 });
    const rows = Array.from({ length: 300 }, (_, i) => `row${String(i).padStart(4, '0')}`);
    // Acknowledged in many concurrent requests (group commit), then the process dies without a flush.
    await Promise.all(rows.map((r) => c1.mutate('r1', put(r, 'q', `v-${r}`))));
    first.proc.kill('SIGKILL');
    await first.exited;

    const second = await startRegionServerProcess(['--data-dir', root, '--port', '0']);
    expect(second.serverName).not.toBe(first.serverName);
    const c2 = connect(second.address);
    await c2.openRegion({ info: regionInfo('r1'), families: FAMILIES, openEpoch: 2 });
    const results = await Promise.all(rows.map((r) => c2.get('r1', get(r))));
    results.forEach((row, i) => expect(valueOf(row, 'q')).toBe(`v-${rows[i]}`));
  });

  it('shuts down on SIGTERM with exit code 0 after flushing its regions', async () => {
    const root = tempDir();
    const first = await startRegionServerProcess(['--data-dir', root]);
    const c1 = connect(first.address);
    await c1.openRegion({ info: regionInfo('r1'), families: FAMILIES, openEpoch: 1 });
    await c1.mutate('r1', put('kept', 'q', 'v'));
    first.proc.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = await startRegionServerProcess(['--data-dir', root]);
    const c2 = connect(second.address);
    await c2.openRegion({ info: regionInfo('r1'), families: FAMILIES, openEpoch: 2 });
    expect(valueOf(await c2.get('r1', get('kept')), 'q')).toBe('v');
    const load = await c2.regionLoad('r1');
    expect(load.storeFileCount).toBeGreaterThanOrEqual(1);
    expect(load.memstoreSizeBytes).toBe(0);
  });

  it('a paused server (SIGSTOP past its session timeout) never acknowledges a write after it wakes', async () => {
    const coordDir = tempDir();
    const coordProc = runBasalt(['coord', 'start', '--id', '1', '--port', '0', '--data-dir', coordDir]);
    let coordOut = '';
    coordProc.stdout!.on('data', (d: Buffer) => (coordOut += d.toString()));
    await eventually(() => /coord ready address=/.test(coordOut), 30_000, 'the coordination member');
    const coordAddress = /coord ready address=(\S+)/.exec(coordOut)![1]!;
    const configFile = join(tempDir(), 'config.json');
    writeFileSync(configFile, JSON.stringify({ master: { sessionTimeoutMs: 2_000 } }));
    const rs = await startRegionServerProcess(['--data-dir', tempDir(), '--coord', coordAddress, '--config', configFile]);
    const client = connect(rs.address);
    await client.openRegion({ info: regionInfo('r1'), families: FAMILIES, openEpoch: 1 });
    await client.mutate('r1', put('before', 'q', 'v'));

    rs.proc.kill('SIGSTOP');
    const watcher = await CoordClient.connect({ servers: [coordAddress], sessionTimeoutMs: 10_000 });
    try {
      // The session expires while the server sleeps: its ephemeral node goes.
      await eventually(async () => (await watcher.getChildren('/basalt/rs')).children.length === 0, 30_000, 'the session to expire');
      const write = client.mutate('r1', put('after', 'q', 'v')).then(
        () => 'acknowledged',
        (err: { code: string }) => err.code,
      );
      rs.proc.kill('SIGCONT');
      // FENCED by the lease check, or refused because the server is already shutting down.
      const outcome = await write;
      expect(['FENCED', 'CLOSED', 'UNAVAILABLE', 'NOT_SERVING_REGION']).toContain(outcome);
      expect(await rs.exited).toBe(1);
    } finally {
      await watcher.close();
      coordProc.kill('SIGTERM');
    }
  });

  it('exits non-zero with a one-line reason on bad flags', async () => {
    for (const args of [['regionserver', '--port', '1'], ['regionserver', '--data-dir', tempDir(), '--port', 'x'], ['regionserver', '--data-dir', tempDir(), '--coord', 'nonsense']]) {
      const proc = runBasalt(args);
      let err = '';
      proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
      expect(code).not.toBe(0);
      expect(err.trim().split('\n')).toHaveLength(1);
      expect(err).toMatch(/INVALID_ARGUMENT: --(data-dir|port|coord)/);
    }
  });
});
