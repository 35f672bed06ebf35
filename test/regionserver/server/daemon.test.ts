// Proves the `basalt regionserver` process: acknowledged writes survive SIGKILL (the next server
// replays the dead server's WAL from the shared data root), SIGTERM shuts down cleanly with a
// flush, and bad flags exit non-zero with a one-line reason.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RegionServerClient } from '../../../client/rpc/region-server-client.js';
import { FAMILIES, get, put, regionInfo, valueOf } from './harness.js';
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
