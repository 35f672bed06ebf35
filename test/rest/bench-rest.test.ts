// Proves that `basalt bench rest --json` runs end to end (a temporary `basalt start` cluster, the gateway in the bench process,
// REST requests over a keep-alive node:http client) and prints the put, get and scan figures through both paths.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../../dist/bin/basalt.js', import.meta.url));

it('prints REST and client rates for single-row put, random get and a full scan', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'bench', 'rest', '--rows', '60', '--gets', '60', '--json'], {
    timeout: 90_000,
    env: { ...process.env, BASALT_LOG_LEVEL: 'warn' },
  });
  const { results } = JSON.parse(stdout.trim().split('\n').pop()!) as { results: Array<{ work: string; rest: number; client: number }> };
  expect(results.map((r) => r.work.split(' (')[0])).toEqual(['single-row put', 'random single-row get', 'full scan, rows/s']);
  for (const r of results) {
    expect(r.rest, r.work).toBeGreaterThan(0);
    expect(r.client, r.work).toBeGreaterThan(0);
  }
}, 120_000);
