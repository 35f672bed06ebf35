/** Proves `basalt coord start --peer-port … --peer-tls-*` on real member processes: a TLS ensemble on separate peer ports elects and serves the admin client, a fourth member joins by add-member naming its peer port, and bad TLS flags exit non-zero naming the flag. */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ProcessEnsemble, defaultCliPath, freePort, spawnUntil } from '../../../coord/server/process-ensemble.js';
import { basalt } from '../../support/basalt-cli.js';
import type { PeerTlsFiles } from '../../../coord/server/peer-tls.js';
import { makeCa, type TestCa } from './peer-certs.js';

const cli = defaultCliPath();

function tlsArgs(files: PeerTlsFiles): string[] {
  return ['--peer-tls-cert', files.certFile, '--peer-tls-key', files.keyFile, '--peer-tls-ca', files.caFile];
}

let ca: TestCa;
let ensemble: ProcessEnsemble | undefined;
let joiner: ChildProcess | undefined;
let dir: string | undefined;
beforeAll(() => {
  ca = makeCa('process-ca');
});
afterAll(async () => {
  joiner?.kill('SIGKILL');
  await ensemble?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  ca.remove();
});

it('a TLS ensemble on separate peer ports serves the admin client and takes a fourth member by add-member', async () => {
  const certs = new Map([1, 2, 3, 4].map((id) => [id, ca.issue(`member-${id}`)] as const));
  ensemble = await ProcessEnsemble.start({ size: 3, separatePeerPorts: true, memberArgs: (id) => tlsArgs(certs.get(id)!) });
  const leader = await ensemble.waitForLeader();
  expect(ensemble.addresses).toContain(leader.address);
  // Status names the leader's client port, which the admin client uses.
  for (const s of await ensemble.statuses()) expect(ensemble.addresses).toContain(s.leaderAddress);
  const servers = ['--servers', ensemble.servers];
  expect((await basalt('coord', 'create', '/tls', 'before', ...servers)).code).toBe(0);

  const clusterId = readFileSync(join(ensemble.members[0]!.dataDir, 'cluster-id'), 'utf8').trim();
  const [port, peerPort] = [await freePort(), await freePort()];
  dir = mkdtempSync(join(tmpdir(), 'basalt-coord-join-tls-'));
  const peers = [...ensemble.members.map((m) => `${m.id}=${m.peerAddress}`), `4=127.0.0.1:${peerPort}`].join(',');
  const args = [cli, 'coord', 'start', '--id', '4', '--port', String(port), '--peer-port', String(peerPort), '--data-dir', join(dir, 'm4'), '--peers', peers];
  joiner = (await spawnUntil([...args, '--join', '--cluster-id', clusterId, ...tlsArgs(certs.get(4)!)], 'ready')).child;
  const added = await basalt('coord', 'add-member', `4=127.0.0.1:${peerPort}`, ...servers);
  expect(added, JSON.stringify(added)).toMatchObject({ code: 0, stdout: `voters 1,2,3,4 learners - cluster-id ${clusterId}\n` });
  expect((await basalt('coord', 'get', '/tls', '--servers', `127.0.0.1:${port}`)).stdout).toBe('before\n');

  // Bad TLS flags: a one-line reason naming the flag, non-zero exit.
  const base = ['coord', 'start', '--id', '9', '--port', '0', '--data-dir', join(dir, 'bad')];
  const files = certs.get(4)!;
  const [partial, noPeerPort, missing] = await Promise.all([
    basalt(...base, '--peer-port', '0', '--peer-tls-cert', files.certFile),
    basalt(...base, ...tlsArgs(files)),
    basalt(...base, '--peer-port', '0', ...tlsArgs({ ...files, caFile: join(dir, 'no-such-ca.pem') })),
  ]);
  expect(partial.code).not.toBe(0);
  expect(partial.stderr).toContain('--peer-tls-key');
  expect(noPeerPort.code).not.toBe(0);
  expect(noPeerPort.stderr).toContain('--peer-port');
  expect(missing.code).not.toBe(0);
  expect(missing.stderr).toContain('--peer-tls-ca');
}, 90_000);
