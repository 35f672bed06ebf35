/** Proves the `basalt coord` command line against a real member process: the admin commands read and write the tree, status reports the member, bad flags exit non-zero with a one-line reason, and SIGTERM stops a member cleanly. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessEnsemble, defaultCliPath, spawnUntil } from '../../../coord/server/process-ensemble.js';
import { CoordClient } from '../../../coord/client/index.js';
import { basalt } from '../../support/basalt-cli.js';

const cli = defaultCliPath();

let ensemble: ProcessEnsemble;
beforeAll(async () => {
  ensemble = await ProcessEnsemble.start({ size: 1 });
});
afterAll(async () => {
  await ensemble?.close();
});

describe('basalt coord', () => {
  it('creates, lists, reads, updates, stats and deletes znodes', async () => {
    const servers = ['--servers', ensemble.servers];
    const created = await basalt('coord', 'create', '/cli', 'hello', ...servers);
    expect(created, JSON.stringify(created)).toMatchObject({ code: 0, stdout: '/cli\n' });
    const seq = await basalt('coord', 'create', '/cli/item-', 'x', '--sequential', ...servers);
    expect(seq.stdout, JSON.stringify(seq)).toMatch(/^\/cli\/item-\d{10}\n$/);
    expect((await basalt('coord', 'ls', '/cli', ...servers)).stdout).toBe(`${seq.stdout.trim().slice(5)}\n`);
    expect((await basalt('coord', 'get', '/cli', ...servers)).stdout).toBe('hello\n');
    expect(await basalt('coord', 'set', '/cli', 'again', '--version', '0', ...servers)).toMatchObject({ code: 0, stdout: 'version = 1\n' });
    const stat = await basalt('coord', 'stat', '/cli', ...servers);
    expect(stat.stdout).toContain('version = 1');
    expect(stat.stdout).toContain('numChildren = 1');
    const failed = await basalt('coord', 'delete', '/cli', ...servers);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr.trim()).toMatch(/^basalt: NOT_EMPTY: /);
    expect((await basalt('coord', 'delete', seq.stdout.trim(), ...servers)).code).toBe(0);
    expect((await basalt('coord', 'delete', '/cli', ...servers)).code).toBe(0);
    expect((await basalt('coord', 'get', '/cli', ...servers)).stderr).toMatch(/^basalt: NO_NODE: /);
  });

  it('reports each member in status', async () => {
    const out = await basalt('coord', 'status', '--json', '--servers', ensemble.servers);
    expect(out.code).toBe(0);
    const rows = JSON.parse(out.stdout) as Array<{ id: number; role: string; term: number; commitIndex: number }>;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: 1, role: 'leader' });
    expect(rows[0]!.commitIndex).toBeGreaterThan(0);
  });

  it("prints each member's armed watches in status, as a table column and in the JSON", async () => {
    // Two one-shot watches armed by a session served by the only member.
    const client = await CoordClient.connect({ servers: ensemble.servers.split(','), sessionTimeoutMs: 10_000 });
    try {
      await client.create('/cli-watched', 'x');
      await client.getData('/cli-watched', { watch: () => undefined });
      await client.exists('/cli-absent', { watch: () => undefined });
      const json = await basalt('coord', 'status', '--json', '--servers', ensemble.servers);
      expect(json.code, JSON.stringify(json)).toBe(0);
      expect((JSON.parse(json.stdout) as Array<{ watches: number }>)[0]!.watches).toBe(2);
      const table = await basalt('coord', 'status', '--servers', ensemble.servers);
      expect(table.code, JSON.stringify(table)).toBe(0);
      const lines = table.stdout.split('\n');
      const cells = (line: string): string[] => line.split('│').map((c) => c.trim()).filter((c) => c !== '');
      const head = cells(lines.find((l) => l.includes('address'))!);
      expect(head.at(-1)).toBe('watches');
      const row = cells(lines.find((l) => l.includes('leader') && !l.includes('address'))!);
      expect(row).toHaveLength(head.length);
      expect(row.at(-1)).toBe('2');
    } finally {
      await client.close();
    }
  });

  it('exits non-zero with a one-line reason on bad flags', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'basalt-coord-cli-'));
    try {
      for (const args of [
        ['coord', 'start', '--id', 'zero', '--port', '0', '--data-dir', dir],
        ['coord', 'start', '--id', '1', '--port', '99999', '--data-dir', dir],
        ['coord', 'start', '--id', '2', '--port', '5000', '--data-dir', dir, '--peers', '1=127.0.0.1:5000'],
        ['coord', 'start', '--id', '1', '--port', '5000', '--data-dir', dir, '--peers', '1=nonsense'],
        ['coord', 'ls', '/', '--servers', 'no-port'],
      ]) {
        const out = await basalt(...args);
        expect(out.code, args.join(' ')).not.toBe(0);
        expect(out.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
        expect(out.stderr, args.join(' ')).toMatch(/INVALID_ARGUMENT: --(id|port|peers|servers)/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops a member cleanly on SIGTERM and keeps its data for the next start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'basalt-coord-term-'));
    try {
      const first = await spawnUntil([cli, 'coord', 'start', '--id', '1', '--port', '0', '--data-dir', dir], 'ready');
      const address = /address=(\S+)/.exec(first.line)![1]!;
      expect((await basalt('coord', 'create', '/kept', 'yes', '--servers', address)).code).toBe(0);
      const exited = new Promise<number | null>((resolve) => first.child.once('exit', (code) => resolve(code)));
      first.child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const second = await spawnUntil([cli, 'coord', 'start', '--id', '1', '--port', '0', '--data-dir', dir], 'ready');
      const again = /address=(\S+)/.exec(second.line)![1]!;
      expect((await basalt('coord', 'get', '/kept', '--servers', again)).stdout).toBe('yes\n');
      const exitedAgain = new Promise<number | null>((resolve) => second.child.once('exit', (code) => resolve(code)));
      second.child.kill('SIGINT');
      expect(await exitedAgain).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
