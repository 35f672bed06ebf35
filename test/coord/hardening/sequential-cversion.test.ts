/** Proves that the sequential suffix and cversion advance on child creations only, as ZooKeeper's (deleting a child moves pzxid, not the counter) (issue 7, defect 11). */
import { expect, test } from 'vitest';
import { CreateMode } from '../../../coord/tree/index.js';
import { Harness } from '../tree/harness.js';

test('deleting children does not advance the sequential suffix or cversion', () => {
  const h = new Harness();
  h.create('/q');
  expect(h.create('/q/n-', '', CreateMode.PERSISTENT_SEQUENTIAL)).toBe('/q/n-0000000000');
  h.create('/q/plain');
  h.delete('/q/plain');
  h.delete('/q/n-0000000000');
  expect(h.machine.read({ type: 'exists', path: '/q' })).toMatchObject({ stat: { cversion: 2, numChildren: 0 } });
  expect(h.create('/q/n-', '', CreateMode.PERSISTENT_SEQUENTIAL)).toBe('/q/n-0000000002');
});

test('a delete still moves the parent pzxid', () => {
  const h = new Harness();
  h.create('/p');
  h.create('/p/c');
  h.delete('/p/c');
  expect(h.machine.read({ type: 'exists', path: '/p' })).toMatchObject({ stat: { cversion: 1, pzxid: 3 } });
});
