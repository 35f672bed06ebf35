// Proves that `basalt bench storage --json` runs end to end and prints one row per system and operation (figures only: nothing here is timed).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../../../dist/bin/basalt.js', import.meta.url));

describe('basalt bench storage', () => {
  it('with --no-grpc prints {"results":[…]} with load, get and scan for basalt and raw lmdb, and ratios to lmdb', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'bench', 'storage', '--records', '300', '--gets', '200', '--scans', '20', '--runs', '1', '--no-grpc', '--json'], {
      timeout: 120_000,
    });
    const { results } = JSON.parse(stdout) as { results: Array<Record<string, unknown>> };
    const keys = results.map((r) => `${String(r.system)}/${String(r.op)}`).sort();
    expect(keys).toEqual(['basalt/get', 'basalt/load', 'basalt/scan', 'lmdb/get', 'lmdb/load', 'lmdb/scan']);
    for (const r of results) {
      for (const field of ['opsPerSec', 'p50Ms', 'p99Ms', 'ratio']) {
        expect(Number.isFinite(r[field]) && (r[field] as number) >= 0, `${String(r.system)}/${String(r.op)} ${field}`).toBe(true);
      }
      expect(r.count).toBe(r.op === 'load' ? 300 : r.op === 'get' ? 200 : 20);
    }
    expect(results.filter((r) => r.system === 'lmdb').every((r) => r.ratio === 1)).toBe(true);
  });

  it('refuses a bad flag value with a one-line reason naming the field', async () => {
    const run = promisify(execFile)(process.execPath, [CLI, 'bench', 'storage', '--records', 'many']);
    await expect(run).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/records/) });
  });
});
