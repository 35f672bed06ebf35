/** Proves the basic life of a region: data written survives a flush, a close and reopen, and a major compaction. */
import { describe, expect, it } from 'vitest';
import { harness, put, b, show } from './fixtures.js';

describe('region lifecycle', () => {
  it('data survives flush, reopen and major compaction, and reads merge memstore with files', async () => {
    const h = harness();
    try {
      const r = await h.open();
      await r.put({ row: b('r1'), cells: [put('cf', 'a', 'v1', 10), put('cf', 'b', 'v2', 10)] });
      expect(show((await r.get({ row: b('r1') }))?.cells)).toEqual(['cf:a@10=v1', 'cf:b@10=v2']);
      await r.flush();
      expect(show((await r.get({ row: b('r1') }))?.cells)).toEqual(['cf:a@10=v1', 'cf:b@10=v2']);
      await r.put({ row: b('r1'), cells: [put('cf', 'a', 'v3', 11)] });
      const s = r.scan({});
      const got = await s.next(10, 1e9);
      expect(got.rows.map((x) => show(x.cells))).toEqual([['cf:a@11=v3', 'cf:b@10=v2']]);
      await r.close();
      const r2 = await h.open();
      expect(show((await r2.get({ row: b('r1') }))?.cells)).toEqual(['cf:a@11=v3', 'cf:b@10=v2']);
      await r2.compact(true);
      expect(show((await r2.get({ row: b('r1') }))?.cells)).toEqual(['cf:a@11=v3', 'cf:b@10=v2']);
      expect(r2.load().storeFileCount).toBe(1);
      await r2.close();
    } finally {
      h.cleanup();
    }
  });
});
