/** Proves, with real member processes on loopback, that a 3-member ensemble survives SIGKILL of its leader without losing an acknowledged write or a client's session, expires a SIGKILLed client's session, and takes a SIGSTOPped follower back without a term change. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CoordClient, type WatchedEvent } from '../../../coord/client/index.js';
import { ProcessEnsemble, spawnUntil } from '../../../coord/server/process-ensemble.js';
import { isBasaltError } from '../../../common/errors.js';
import { waitFor } from '../../support/coord-ensemble.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const clientModule = join(root, 'dist', 'coord', 'client', 'index.js');
/** The members' default election timeout: electionTicks (10) × tickMs (50). */
const ELECTION_TIMEOUT_MS = 500;

const clients: CoordClient[] = [];
async function connect(servers: string, sessionTimeoutMs = 4_000): Promise<CoordClient> {
  const client = await CoordClient.connect({ servers, sessionTimeoutMs });
  clients.push(client);
  return client;
}
afterEach(() => {
  for (const c of clients.splice(0)) c.abandon();
});

describe('SIGKILL of the leader', () => {
  let ensemble: ProcessEnsemble | undefined;
  afterEach(async () => {
    await ensemble?.close();
    ensemble = undefined;
  });

  it('elects a new leader that serves writes, loses no acknowledged write, and keeps sessions and ephemerals', async () => {
    ensemble = await ProcessEnsemble.start({ size: 3 });
    const e = ensemble;
    const oldLeader = await e.waitForLeader();
    const holder = await connect(e.servers);
    const sessionId = holder.sessionId;
    await holder.create('/drill');
    await holder.create('/drill/holder', 'alive', { ephemeral: true });

    const writer = await connect(e.servers);
    const acknowledged: string[] = [];
    let killedAt = 0;
    let firstWriteAfterKillMs = 0;
    let stop = false;
    const writing = (async () => {
      for (let i = 0; !stop; i++) {
        const invokedAt = performance.now();
        try {
          await writer.create(`/drill/w-${String(i).padStart(6, '0')}`, `v${i}`);
          acknowledged.push(`w-${String(i).padStart(6, '0')}`);
          if (killedAt > 0 && invokedAt >= killedAt && firstWriteAfterKillMs === 0) firstWriteAfterKillMs = performance.now() - killedAt;
        } catch (err) {
          // CONNECTION_LOSS: the outcome is unknown; the name is simply not counted as acknowledged.
          if (!isBasaltError(err)) throw err;
        }
      }
    })();
    await waitFor('writes before the kill', () => acknowledged.length >= 30, 20_000);
    killedAt = performance.now();
    e.signal(oldLeader.id, 'SIGKILL');
    await waitFor('a write acknowledged by the new leader', () => firstWriteAfterKillMs > 0, 30_000);
    await waitFor('more writes after the failover', () => acknowledged.length >= 60, 20_000);
    stop = true;
    await writing;
    const newLeader = await e.waitForLeader(10_000, [oldLeader.id]);
    console.log(`[drill] leader ${oldLeader.id} SIGKILLed: first write acknowledged by leader ${newLeader.id} after ${firstWriteAfterKillMs.toFixed(0)} ms (${(firstWriteAfterKillMs / ELECTION_TIMEOUT_MS).toFixed(1)} election timeouts)`);
    expect(newLeader.id).not.toBe(oldLeader.id);
    expect(newLeader.term).toBeGreaterThan(oldLeader.term);

    const { children } = await writer.getChildren('/drill');
    const present = new Set(children);
    const lost = acknowledged.filter((name) => !present.has(name));
    expect(lost).toEqual([]);

    await waitFor('the holder to reconnect', () => holder.state === 'connected', 15_000);
    expect(holder.sessionId).toBe(sessionId);
    const stat = await holder.exists('/drill/holder');
    expect(stat?.ephemeralOwner).toBe(sessionId);
  });
});

describe('a three-member ensemble with client processes', () => {
  let ensemble: ProcessEnsemble;
  let configDir: string;
  beforeAll(async () => {
    // Longer election timeouts (1–2 s) here: on a loaded CI machine a starved process must not
    // look like a failure, or the "term does not change" check below would test the scheduler.
    configDir = mkdtempSync(join(tmpdir(), 'basalt-coord-config-'));
    const configFile = join(configDir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ coord: { tickMs: 100 } }));
    ensemble = await ProcessEnsemble.start({ size: 3, configFile });
  });
  afterAll(async () => {
    await ensemble?.close();
    rmSync(configDir, { recursive: true, force: true });
  });

  it("deletes a SIGKILLed client's ephemeral node after its session timeout and tells another client's watcher", async () => {
    const observer = await connect(ensemble.servers);
    await observer.create('/clients').catch(() => undefined);
    const sessionTimeoutMs = 2_000;
    const script = `
      import { CoordClient } from ${JSON.stringify(clientModule)};
      const client = await CoordClient.connect({ servers: ${JSON.stringify(ensemble.servers)}, sessionTimeoutMs: ${sessionTimeoutMs} });
      await client.create('/clients/c1', 'pid ' + process.pid, { ephemeral: true });
      console.log('client ready ' + client.sessionId);
      setInterval(() => {}, 1 << 30);
    `;
    const { child } = await spawnUntil(['--input-type=module', '-e', script], 'client ready');
    const events: WatchedEvent[] = [];
    let deletedAt = 0;
    expect(await observer.exists('/clients/c1', { watch: (ev) => { events.push(ev); deletedAt = performance.now(); } })).not.toBeNull();
    const killedAt = performance.now();
    child.kill('SIGKILL');
    await waitFor('the ephemeral node to vanish', () => events.length > 0, 20_000);
    const elapsed = deletedAt - killedAt;
    console.log(`[drill] client SIGKILLed: watcher saw its ephemeral node deleted after ${elapsed.toFixed(0)} ms (session timeout ${sessionTimeoutMs} ms)`);
    expect(events[0]).toMatchObject({ type: 'deleted', path: '/clients/c1' });
    // Not before the lease could have run out (the last keep-alive may precede the kill by up to a third of it).
    expect(elapsed).toBeGreaterThan(sessionTimeoutMs / 2);
    expect(await observer.exists('/clients/c1')).toBeNull();
  });

  it('takes back a SIGSTOPped follower after SIGCONT without changing the leader or its term', async () => {
    const leader = await ensemble.waitForLeader();
    const follower = ensemble.members.find((m) => m.id !== leader.id)!;
    const client = await connect(ensemble.servers);
    await client.create('/paused').catch(() => undefined);
    ensemble.signal(follower.id, 'SIGSTOP');
    try {
      for (let i = 0; i < 20; i++) await client.create(`/paused/n-${i}`);
      // Longer than the paused member's election timeout (1–2 s with tickMs 100).
      await new Promise((resolve) => setTimeout(resolve, 2_500));
    } finally {
      ensemble.signal(follower.id, 'SIGCONT');
    }
    const target = (await ensemble.statuses()).find((s) => s.id === leader.id)!.commitIndex;
    await waitFor('the follower to catch up', async () => {
      const s = (await ensemble.statuses()).find((x) => x.id === follower.id);
      return s !== undefined && s.appliedIndex >= target;
    }, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const after = await ensemble.waitForLeader();
    expect(after.id).toBe(leader.id);
    expect(after.term).toBe(leader.term);
    expect((await client.getChildren('/paused')).children).toHaveLength(20);
  });

  it('moves a session off a SIGSTOPped leader: the client detects the silence, resumes on the new leader, and the old one rejoins as a follower', async () => {
    const leader = await ensemble.waitForLeader();
    const client = await connect(ensemble.servers, 3_000);
    const sessionId = client.sessionId;
    await client.create('/zombie-test', '', { ephemeral: true });
    const states: string[] = [];
    client.on('state', (s) => states.push(s));
    ensemble.signal(leader.id, 'SIGSTOP');
    const stoppedAt = performance.now();
    try {
      let newLeader = await ensemble.waitForLeader(20_000, [leader.id]);
      // Under load leadership may move once more between the survivors: follow the current leader.
      await waitFor(
        'the client to resume on the new leader',
        async () => {
          if (client.state !== 'connected') return false;
          newLeader = await ensemble.waitForLeader(5_000, [leader.id]);
          return client.currentServer === newLeader.address;
        },
        20_000,
      );
      console.log(`[drill] leader ${leader.id} SIGSTOPped: session resumed on leader ${newLeader.id} after ${(performance.now() - stoppedAt).toFixed(0)} ms`);
      expect(states).toContain('suspended');
      expect(client.sessionId).toBe(sessionId);
      expect((await client.exists('/zombie-test'))?.ephemeralOwner).toBe(sessionId);
    } finally {
      ensemble.signal(leader.id, 'SIGCONT');
    }
    await waitFor('the old leader to follow', async () => {
      const s = (await ensemble.statuses()).find((x) => x.id === leader.id);
      return s !== undefined && s.role === 'follower';
    }, 20_000);
  });
});
