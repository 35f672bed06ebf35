/**
 * Proves that the master election and activation survive transient trouble with the coordination
 * service: a campaign whose create of /basalt/master is lost (the write may or may not have been
 * applied) tries again and wins, and an activation whose read of the procedures fails once goes
 * on, instead of ending the master process.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BasaltError, ErrorCodes } from '../../common/errors.js';
import { MASTER_ZNODE } from '../../common/meta.js';
import { CoordClient } from '../../coord/client/index.js';
import { becomeActive } from '../../master/election.js';
import { PROCEDURES_ZNODE } from '../../master/procedures/store.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';

let cluster: InProcessCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** A coordination tree in memory whose next writes of chosen paths fail with a given error (after applying, or not). */
function flakyCoord(failures: Array<{ path: string; code: string; applied: boolean }>) {
  const nodes = new Map<string, string>();
  const coord = {
    async create(path: string, data: string) {
      const i = failures.findIndex((f) => f.path === path);
      const failure = i >= 0 ? failures.splice(i, 1)[0] : undefined;
      if (failure && !failure.applied) throw new BasaltError(failure.code as never, 'injected');
      if (nodes.has(path)) throw new BasaltError(ErrorCodes.NODE_EXISTS, `${path} exists`);
      nodes.set(path, data);
      if (failure) throw new BasaltError(failure.code as never, 'injected: the write may or may not have been applied');
      return path;
    },
    async getData(path: string) {
      const data = nodes.get(path);
      if (data === undefined) throw new BasaltError(ErrorCodes.NO_NODE, `${path} does not exist`);
      return { data: Buffer.from(data) };
    },
    async exists(path: string) {
      return nodes.has(path) ? {} : undefined;
    },
    async delete(path: string) {
      nodes.delete(path);
    },
  };
  return { coord: coord as unknown as CoordClient, nodes };
}

const me = { address: '127.0.0.1:1', serverName: '127.0.0.1:1,1' };

describe('master election', () => {
  for (const applied of [false, true]) {
    it(`wins after its create of the master node is lost to a connection loss (${applied ? 'applied' : 'not applied'})`, async () => {
      const { coord, nodes } = flakyCoord([{ path: MASTER_ZNODE, code: ErrorCodes.CONNECTION_LOSS, applied }]);
      await expect(becomeActive(coord, me, () => false)).resolves.toBe(true);
      expect(JSON.parse(nodes.get(MASTER_ZNODE)!)).toEqual(me);
    });
  }

  it('keeps campaigning through a timeout while reading who is active', async () => {
    const { coord, nodes } = flakyCoord([]);
    nodes.set(MASTER_ZNODE, JSON.stringify({ address: 'x', serverName: 'other' }));
    let reads = 0;
    const realGet = coord.getData.bind(coord);
    coord.getData = (async (path: string) => {
      if (path === MASTER_ZNODE && reads++ === 0) {
        nodes.delete(MASTER_ZNODE); // the active master's session ends meanwhile
        throw new BasaltError(ErrorCodes.TIMEOUT, 'injected');
      }
      return realGet(path);
    }) as CoordClient['getData'];
    await expect(becomeActive(coord, me, () => false)).resolves.toBe(true);
    expect(JSON.parse(nodes.get(MASTER_ZNODE)!).serverName).toBe(me.serverName);
  });

  it('a master whose first read of the procedures fails with a connection loss still becomes active', async () => {
    const c = (cluster = await startInProcessCluster({ regionServers: 1, masters: 0 }));
    const realGetChildren = CoordClient.prototype.getChildren;
    let failed = 0;
    CoordClient.prototype.getChildren = function (this: CoordClient, path: string, options?: Parameters<CoordClient['getChildren']>[1]) {
      if (path === PROCEDURES_ZNODE && failed++ === 0) return Promise.reject(new BasaltError(ErrorCodes.CONNECTION_LOSS, 'injected'));
      return realGetChildren.call(this, path, options);
    };
    try {
      const master = await c.addMaster();
      const outcome = await Promise.race([master.activated.then(() => 'active'), master.stopped.then(() => 'stopped')]);
      expect(failed).toBeGreaterThan(1);
      expect(outcome).toBe('active');
      expect(master.isActive).toBe(true);
    } finally {
      CoordClient.prototype.getChildren = realGetChildren;
    }
  });
});
