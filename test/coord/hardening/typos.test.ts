/** Proves that a typo in a call's options fails with INVALID_ARGUMENT naming the field and changes nothing: an unknown create mode (in create and in multi), an unsupported multi op, addWatch or a watched read without a callable watcher (issue 7, defect 4). */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEnsemble, type Ensemble } from '../../support/coord-ensemble.js';
import type { CreateMode, MultiOp, Watcher } from '../../../coord/client/index.js';

let ensemble: Ensemble;
beforeAll(async () => {
  ensemble = await startEnsemble(1);
});
afterAll(async () => {
  await ensemble?.close();
});

it('refuses an unknown create mode in create and in multi, creating nothing', async () => {
  const client = await ensemble.connect();
  const typo = 'ephemeral-sequential' as CreateMode;
  await expect(client.create('/typo', 'x', { mode: typo })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'mode' } });
  await expect(client.multi([{ op: 'create', path: '/typo-a' }, { op: 'create', path: '/typo-b', mode: typo }])).rejects.toMatchObject({
    code: 'INVALID_ARGUMENT',
    details: { field: 'ops[1].mode' },
  });
  expect(await client.exists('/typo')).toBeNull();
  expect(await client.exists('/typo-a')).toBeNull();
  expect(await client.exists('/typo-b')).toBeNull();
});

it('refuses an unsupported multi op with INVALID_ARGUMENT, not a TypeError, applying nothing', async () => {
  const client = await ensemble.connect();
  const ops = [{ op: 'create', path: '/multi-typo' }, { op: 'remove', path: '/x' }] as unknown as MultiOp[];
  await expect(client.multi(ops)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'ops[1].op' } });
  expect(await client.exists('/multi-typo')).toBeNull();
});

it('refuses addWatch and watched reads without a callable watcher, arming nothing', async () => {
  const client = await ensemble.connect();
  await client.create('/watched-typo', 'x');
  await expect(client.addWatch('/watched-typo', undefined as unknown as Watcher)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'watcher' } });
  await expect(client.getData('/watched-typo', { watch: 'yes' as unknown as Watcher })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'watch' } });
  // Nothing was armed: the change fires no callback and the client holds no watch.
  await client.setData('/watched-typo', 'y');
  await client.sync();
  expect((client as unknown as { watches: { size: number } }).watches.size).toBe(0);
});
