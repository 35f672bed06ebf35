/** Proves `basalt start`: one process runs a coordination member and N region servers that register themselves, prints a ready line with `coord=`, keeps its data under --data-dir, stops cleanly on SIGTERM, and rejects bad flags with a one-line reason. */
import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { CoordClient } from '../../coord/client/index.js';
import { defaultCliPath, spawnUntil } from '../../coord/server/process-ensemble.js';
import { waitFor } from '../support/coord-ensemble.js';

const cli = defaultCliPath();
const run = promisify(execFile);
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

describe('basalt start', () => {
  it('runs coordination and two registered region servers, then stops cleanly on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'basalt-standalone-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const { child, line } = await spawnUntil([cli, 'start', '--data-dir', dataDir, '--port', '0', '--region-servers', '2'], ' ready ', { timeoutMs: 60_000 });
    cleanups.push(() => void child.kill('SIGKILL'));
    const coord = /coord=(\S+)/.exec(line)?.[1];
    expect(coord, line).toMatch(/^127\.0\.0\.1:\d+$/);
    const servers = /regionServers=(\S+)/.exec(line)?.[1]?.split(',') ?? [];
    expect(servers).toHaveLength(2);

    const client = await CoordClient.connect({ servers: [coord!], sessionTimeoutMs: 10_000 });
    cleanups.push(() => client.close());
    const registered = await waitFor('both region servers under /basalt/rs', async () => {
      const { children } = await client.getChildren('/basalt/rs');
      return children.length === 2 ? children : undefined;
    });
    expect(registered.map((name) => name.split(',')[0]).sort()).toEqual([...servers].sort());
    expect(existsSync(join(dataDir, 'coord'))).toBe(true);
    expect(existsSync(join(dataDir, 'wal'))).toBe(true);

    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
  });

  it('rejects a bad --region-servers with a one-line reason and a non-zero exit', async () => {
    const failure = await run(process.execPath, [cli, 'start', '--region-servers', 'many', '--port', '0'], { env: { ...process.env, BASALT_LOG_LEVEL: 'warn' } }).then(
      () => undefined,
      (err: { code?: number; stderr?: string }) => err,
    );
    expect(failure?.code).not.toBe(0);
    expect(failure?.stderr?.trim()).toMatch(/^basalt: INVALID_ARGUMENT: --region-servers: /);
    expect(failure?.stderr?.trim().split('\n')).toHaveLength(1);
  });
});
