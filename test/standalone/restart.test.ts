/**
 * Proves the standalone cluster is a database a person can use and come back to: `basalt start`
 * serves `connect()` as soon as its ready line appears (master active, meta open), and after a
 * clean stop (SIGTERM) or a crash (SIGKILL) a new `basalt start` on the same data dir finds every
 * table, region and row.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../client/index.js';
import { defaultCliPath, spawnUntil } from '../../coord/server/process-ensemble.js';

const cli = defaultCliPath();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(dataDir: string, port: string): Promise<{ child: ChildProcess; coord: string }> {
  const { child, line } = await spawnUntil([cli, 'start', '--data-dir', dataDir, '--port', port, '--region-servers', '2'], ' ready ', { timeoutMs: 60_000 });
  cleanups.push(() => void child.kill('SIGKILL'));
  return { child, coord: /coord=(\S+)/.exec(line)![1]! };
}

const exited = (child: ChildProcess) => new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));

describe('basalt start keeps data across restarts', () => {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`finds every table and row after ${signal} and a restart`, async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'basalt-restart-'));
      cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
      const first = await start(dataDir, '0');
      const port = first.coord.split(':')[1]!;
      let conn = await connect({ coord: first.coord, operationTimeoutMs: 30_000 });
      await conn.admin().createTable({ name: 'kept', families: ['cf'], splits: ['m'] });
      const rows = ['a', 'k', 'n', 'z'];
      for (const row of rows) await conn.table('kept').put({ row, cells: [{ family: 'cf', qualifier: 'q', value: `v-${row}` }] });
      await conn.close();
      first.child.kill(signal);
      await exited(first.child);

      // Same port: clients and the cluster's own state name the coordination address.
      const second = await start(dataDir, port);
      conn = await connect({ coord: second.coord, operationTimeoutMs: 30_000 });
      cleanups.push(() => conn.close());
      expect((await conn.admin().listTables()).map((t) => t.name)).toEqual(['default:kept']);
      const found: string[] = [];
      for await (const r of conn.table('kept').scan()) found.push(`${r.row.toString()}=${r.string('cf', 'q')}`);
      expect(found).toEqual(rows.map((r) => `${r}=v-${r}`));
      expect((await conn.admin().listRegions('kept')).map((r) => r.state)).toEqual(['OPEN', 'OPEN']);
    });
  }
});
