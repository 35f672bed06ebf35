/** Proves `basalt coord add-member` / `remove-member` on real member processes: a member started with --join catches up and votes, the leader's removal leaves a working ensemble, and the new member serves the data written before it joined. */
import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ProcessEnsemble, defaultCliPath, freePort, spawnUntil } from '../../../coord/server/process-ensemble.js';
import { basalt } from '../../support/basalt-cli.js';
import type { ChildProcess } from 'node:child_process';

const cli = defaultCliPath();

let ensemble: ProcessEnsemble | undefined;
let joiner: ChildProcess | undefined;
let dir: string | undefined;
afterAll(async () => {
  joiner?.kill('SIGKILL');
  await ensemble?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('adds a member started with --join and removes the leader, from the command line', async () => {
  ensemble = await ProcessEnsemble.start({ size: 3 });
  const leader = await ensemble.waitForLeader();
  const servers = ['--servers', ensemble.servers];
  expect((await basalt('coord', 'create', '/joined', 'before', ...servers)).code).toBe(0);
  const clusterId = readFileSync(join(ensemble.members[0]!.dataDir, 'cluster-id'), 'utf8').trim();
  const port = await freePort();
  dir = mkdtempSync(join(tmpdir(), 'basalt-coord-join-'));
  const peers = [...ensemble.members.map((m) => `${m.id}=${m.address}`), `4=127.0.0.1:${port}`].join(',');
  joiner = (await spawnUntil([cli, 'coord', 'start', '--id', '4', '--port', String(port), '--data-dir', join(dir, 'm4'), '--peers', peers, '--join', '--cluster-id', clusterId], 'ready')).child;
  const added = await basalt('coord', 'add-member', `4=127.0.0.1:${port}`, ...servers);
  expect(added, JSON.stringify(added)).toMatchObject({ code: 0, stdout: `voters 1,2,3,4 learners - cluster-id ${clusterId}\n` });
  const removed = await basalt('coord', 'remove-member', String(leader.id), ...servers);
  expect(removed.code, JSON.stringify(removed)).toBe(0);
  const remaining = [1, 2, 3, 4].filter((id) => id !== leader.id);
  expect(removed.stdout).toBe(`voters ${remaining.join(',')} learners -\n`);
  // The new member serves what was written before it joined; the shrunk ensemble takes writes.
  expect((await basalt('coord', 'get', '/joined', '--servers', `127.0.0.1:${port}`)).stdout).toBe('before\n');
  const others = ensemble.members.filter((m) => m.id !== leader.id).map((m) => m.address);
  expect((await basalt('coord', 'set', '/joined', 'after', '--servers', [...others, `127.0.0.1:${port}`].join(','))).code).toBe(0);
  expect(await basalt('coord', 'add-member', '4=nonsense', ...servers)).toMatchObject({ code: 1 });
}, 90_000);
