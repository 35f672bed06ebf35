/** Proves snapshots with log compaction: a restarted member rebuilds its tree from its snapshot plus log (LMDB and file log), a snapshot is also taken by bytes, and a follower that missed compacted entries catches up from the leader's snapshot. */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEnsemble, tempDir, waitFor, type Ensemble } from '../../support/coord-ensemble.js';
import { FileRaftStorage } from '../../../coord/storage/file-raft-storage.js';
import { LmdbRaftStorage } from '../../../coord/storage/lmdb-raft-storage.js';
import type { RaftLogStorage } from '../../../coord/storage/raft-log-storage.js';

let ensemble: Ensemble | undefined;
let dir: string | undefined;
afterEach(async () => {
  await ensemble?.close();
  ensemble = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function lmdbStorage(base: string): (id: number, voters: number[]) => LmdbRaftStorage {
  return (id, voters) => LmdbRaftStorage.open({ path: join(base, `member-${id}`), bootstrapVoters: voters });
}

function fileStorage(base: string): (id: number, voters: number[]) => RaftLogStorage {
  return (id, voters) => FileRaftStorage.open({ path: join(base, `member-${id}`), bootstrapVoters: voters });
}

describe('snapshots', () => {
  it.each([
    ['LMDB', lmdbStorage],
    ['file log', fileStorage],
  ] as const)('a restarted member rebuilds its tree from snapshot plus log after compaction (%s)', async (_kind, storage) => {
    dir = tempDir('basalt-coord-snap-');
    ensemble = await startEnsemble(1, { config: { snapshotEntries: 20 }, storage: storage(dir), catchUpEntries: 10 });
    const client = await ensemble.connect();
    await client.create('/s');
    for (let i = 0; i < 60; i++) await client.create(`/s/n${i}`, `v${i}`);
    await client.close();
    const member = ensemble.servers[0]!.coordMember!;
    expect(member.snapshotsTaken).toBeGreaterThan(0);
    expect(member.firstLogIndex()).toBeGreaterThan(20);
    await ensemble.stop(0);
    await ensemble.restart(0);
    const again = await ensemble.connect();
    const { children } = await again.getChildren('/s');
    expect(children).toHaveLength(60);
    expect((await again.getData('/s/n59')).data.toString()).toBe('v59');
    expect((await again.getData('/s/n0')).data.toString()).toBe('v0');
  });

  it('takes a snapshot after snapshotBytes of applied entries even below snapshotEntries', async () => {
    dir = tempDir('basalt-coord-snapbytes-');
    ensemble = await startEnsemble(1, { config: { snapshotEntries: 100_000, snapshotBytes: 16 * 1024 }, storage: fileStorage(dir), catchUpEntries: 2 });
    const client = await ensemble.connect();
    await client.create('/b');
    const member = ensemble.servers[0]!.coordMember!;
    expect(member.snapshotsTaken).toBe(0);
    for (let i = 0; i < 20; i++) await client.create(`/b/n${i}`, Buffer.alloc(2048, 'b'));
    await client.close();
    // 20 × 2 KiB payloads pass 16 KiB at least twice.
    expect(member.snapshotsTaken).toBeGreaterThanOrEqual(2);
    expect(member.firstLogIndex()).toBeGreaterThan(2);
  });

  it('a follower that missed compacted entries catches up from the leader snapshot', async () => {
    dir = tempDir('basalt-coord-snap3-');
    ensemble = await startEnsemble(3, { config: { snapshotEntries: 20 }, storage: lmdbStorage(dir), catchUpEntries: 5 });
    const e = ensemble;
    const leader = await waitFor('a leader', () => (e.leaderIndex() >= 0 ? e.leaderIndex() : undefined));
    const lagging = (leader + 1) % 3;
    await e.stop(lagging);
    const client = await e.connect({ servers: [e.addresses[leader]!, e.addresses[(leader + 2) % 3]!] });
    await client.create('/c');
    for (let i = 0; i < 50; i++) await client.create(`/c/n${i}`, `v${i}`);
    await e.restart(lagging);
    const target = e.servers[leader]!.coordMember!.appliedIndex();
    await waitFor('the follower to catch up', () => (e.servers[lagging]!.coordMember?.appliedIndex() ?? 0) >= target, 20_000);
    expect(e.servers[lagging]!.coordMember!.snapshotsInstalled).toBe(1);
    const read = e.servers[lagging]!.coordMember!.stateMachine().read({ type: 'getChildren', path: '/c' });
    expect(read.type === 'getChildren' ? read.children.length : -1).toBe(50);
  });
});
