/** A coordination member's info port shows its role and Raft state on a page and as Prometheus metrics, read through its Status call. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountCoordInfo } from '../../common/http/coord-info.js';
import { createLogger } from '../../common/logger.js';
import { startEnsemble, waitFor, type Ensemble } from '../support/coord-ensemble.js';

let ensemble: Ensemble;

beforeAll(async () => {
  ensemble = await startEnsemble(3);
});

afterAll(async () => {
  await ensemble?.close();
});

describe('coordination member info port', () => {
  it('serves a status page and Raft metrics; exactly one member reports leading', async () => {
    const mounted = await Promise.all(ensemble.addresses.map((memberAddress) => mountCoordInfo({ memberAddress, choice: { port: 0, explicit: true }, log: createLogger('test') })));
    try {
      const leaders = await waitFor('one leader among the members', async () => {
        const texts = await Promise.all(mounted.map(async (m) => (await fetch(`http://${m!.address}/metrics`)).text()));
        const leading = texts.filter((t) => /^basalt_raft_is_leader 1$/m.test(t));
        return leading.length === 1 ? texts : undefined;
      });
      for (const text of leaders) {
        expect(text).toMatch(/^basalt_raft_term [1-9]/m);
        expect(text).toMatch(/^basalt_raft_commit_index \d+$/m);
      }
      // Each member counts the client commands it proposed while leading: a write adds to the sum
      // of basalt_raft_proposals_total (summed, so a leadership change in between does not matter).
      const proposals = async (): Promise<number> => {
        const texts = await Promise.all(mounted.map(async (m) => (await fetch(`http://${m!.address}/metrics`)).text()));
        return texts.reduce((n, t) => n + Number(/^basalt_raft_proposals_total (\d+)$/m.exec(t)?.[1] ?? 0), 0);
      };
      const before = await proposals();
      const client = await ensemble.connect();
      try {
        await client.create('/proposal-metric', Buffer.from('x'));
        await client.setData('/proposal-metric', Buffer.from('y'));
        expect(await waitFor('the leader counting its proposals', async () => ((await proposals()) >= before + 2 ? true : undefined))).toBe(true);
      } finally {
        await client.close();
      }
      const page = await (await fetch(`http://${mounted[0]!.address}/`)).text();
      expect(page).toMatch(/<dt>Role<\/dt><dd>(leader|follower)<\/dd>/);
      expect(page).toContain(ensemble.addresses[0]);
    } finally {
      await Promise.all(mounted.map((m) => m?.close()));
    }
  });

  it('counts the watches armed on a member in basalt_coord_watches and on its page', async () => {
    // Watches are per member: they live where the client's session is served (the leader; the
    // client follows NOT_LEADER). Summed over the members, so a leadership change cannot hide them.
    const client = await ensemble.connect();
    const mounted = await Promise.all(ensemble.addresses.map((memberAddress) => mountCoordInfo({ memberAddress, choice: { port: 0, explicit: true }, log: createLogger('test') })));
    const perMember = async (): Promise<number[]> =>
      Promise.all(
        mounted.map(async (m) => {
          const text = await (await fetch(`http://${m!.address}/metrics`)).text();
          return Number(/^basalt_coord_watches (\d+)$/m.exec(text)?.[1] ?? -1);
        }),
      );
    const total = async (): Promise<number> => (await perMember()).reduce((a, b) => a + b, 0);
    try {
      const before = await total();
      expect(before).toBeGreaterThanOrEqual(0);
      const N = 7;
      for (let i = 0; i < N; i++) await client.create(`/watch-metric-${i}`, Buffer.from('x'));
      for (let i = 0; i < N; i++) await client.getData(`/watch-metric-${i}`, { watch: () => undefined });
      await client.exists('/watch-metric-absent', { watch: () => undefined });
      let last: number[] = [];
      const counted = await waitFor('the armed watches counted', async () => ((last = await perMember()).reduce((a, b) => a + b, 0) === before + N + 1 ? true : undefined)).catch(() => false);
      expect(counted, `basalt_coord_watches per member ${last.join(', ')}, expected ${before} + ${N + 1} in all`).toBe(true);
      // The member holding them shows them on its page.
      const holder = last.findIndex((n) => n >= N + 1);
      expect(holder, `per member ${last.join(', ')}`).toBeGreaterThanOrEqual(0);
      const page = await (await fetch(`http://${mounted[holder]!.address}/`)).text();
      expect(page).toMatch(/<dt>Watches<\/dt><dd>\d+<\/dd>/);
      expect(Number(/<dt>Watches<\/dt><dd>(\d+)<\/dd>/.exec(page)![1])).toBeGreaterThanOrEqual(N + 1);
      // A data watch fires once and is gone.
      await client.setData('/watch-metric-0', Buffer.from('y'));
      expect(await waitFor('a fired watch no longer counted', async () => ((await total()) === before + N ? true : undefined))).toBe(true);
    } finally {
      await Promise.all(mounted.map((m) => m?.close()));
      await client.close();
    }
  });
});
