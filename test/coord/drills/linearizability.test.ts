/** Proves that concurrent reads, writes and compare-and-sets on a few znodes stay linearizable while the leader of a 3-member process ensemble is SIGKILLed (checked with test/support/linearizability.ts). */
import { afterAll, expect, it } from 'vitest';
import { CoordClient } from '../../../coord/client/index.js';
import { ProcessEnsemble } from '../../../coord/server/process-ensemble.js';
import { BasaltError, isBasaltError } from '../../../common/errors.js';
import { SeededRandom } from '../../../common/random.js';
import { checkLinearizable, HistoryRecorder, type RegisterOutput } from '../../support/linearizability.js';
import { waitFor } from '../../support/coord-ensemble.js';

const SEED = Number(process.env.BASALT_SEED ?? Date.now() % 1_000_000);
const KEYS = ['/lin/a', '/lin/b', '/lin/c'];
const CLIENTS = 4;

let ensemble: ProcessEnsemble | undefined;
const clients: CoordClient[] = [];
afterAll(async () => {
  for (const c of clients) c.abandon();
  await ensemble?.close();
});

/** The definite failures a register op can report; anything else leaves the op's outcome unknown. */
function definite(err: unknown): RegisterOutput | undefined {
  if (isBasaltError(err, 'NO_NODE') || isBasaltError(err, 'BAD_VERSION') || isBasaltError(err, 'NODE_EXISTS')) {
    return { ok: false, code: (err as BasaltError).code as 'NO_NODE' | 'BAD_VERSION' | 'NODE_EXISTS' };
  }
  return undefined;
}

it(`keeps reads, writes and CAS linearizable across a leader SIGKILL (seed ${SEED})`, async () => {
  ensemble = await ProcessEnsemble.start({ size: 3 });
  const e = ensemble;
  for (let i = 0; i < CLIENTS; i++) clients.push(await CoordClient.connect({ servers: e.servers, sessionTimeoutMs: 4_000, requestTimeoutMs: 10_000 }));
  await clients[0]!.create('/lin');
  for (const key of KEYS) await clients[0]!.create(key, 'init');

  const recorder = new HistoryRecorder(() => performance.now());
  let stop = false;
  let completed = 0;
  const workers = clients.map(async (client, clientId) => {
    // One generator per client: the operation mix replays from the seed (the interleaving depends on timing).
    const random = new SeededRandom(SEED + clientId);
    const knownVersion = new Map<string, number>();
    let n = 0;
    while (!stop) {
      const key = KEYS[random.int(KEYS.length)]!;
      const roll = random.next();
      const value = `c${clientId}-${n++}`;
      if (roll < 0.45) {
        const h = recorder.invoke(clientId, key, { kind: 'read' });
        try {
          const { data, stat } = await client.getData(key);
          knownVersion.set(key, stat.version);
          recorder.complete(h, { ok: true, value: data.toString(), version: stat.version });
        } catch (err) {
          const out = definite(err);
          if (out) recorder.complete(h, out);
        }
      } else if (roll < 0.7) {
        const h = recorder.invoke(clientId, key, { kind: 'write', value });
        try {
          const stat = await client.setData(key, value);
          recorder.complete(h, { ok: true, version: stat.version });
        } catch (err) {
          const out = definite(err);
          if (out) recorder.complete(h, out);
        }
      } else {
        const expectedVersion = knownVersion.get(key) ?? 0;
        const h = recorder.invoke(clientId, key, { kind: 'cas', expectedVersion, value });
        try {
          const stat = await client.setData(key, value, expectedVersion);
          knownVersion.set(key, stat.version);
          recorder.complete(h, { ok: true, version: stat.version });
        } catch (err) {
          const out = definite(err);
          if (out) recorder.complete(h, out);
        }
      }
      completed++;
    }
  });
  await waitFor('operations before the kill', () => completed >= 300, 30_000);
  const leader = await e.waitForLeader();
  e.signal(leader.id, 'SIGKILL');
  const atKill = completed;
  await waitFor('operations after the failover', () => completed >= atKill + 300, 60_000);
  stop = true;
  await Promise.all(workers);

  const history = recorder.history();
  const pending = history.filter((op) => op.completeMs === undefined).length;
  const result = checkLinearizable(history, { initial: () => ({ exists: true, value: 'init', version: 0 }) });
  console.log(`[drill] linearizability (seed ${SEED}): ${history.length} operations, ${pending} with unknown outcome, result ${result.result}`);
  expect(result.result, `seed ${SEED}, key ${result.key}`).toBe('linearizable');
});
