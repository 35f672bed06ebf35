/**
 * Proves the version and delete semantics (sequence-ordered, NEW_VERSION_BEHAVIOR) and that every
 * answer is the same whether the cells sit in the memstore, in flushed files, in one major-compacted
 * file, mixed, or after a reopen.
 */
import { describe, expect, it } from 'vitest';
import { CellType } from '../../../common/cell.js';
import type { FamilyDescriptor, GetRequest } from '../../../regionserver/region/api.js';
import { b, del, family, harness, put, show } from './fixtures.js';
import { MODES, runMode, type Writer } from './modes.js';

async function outcome(
  families: FamilyDescriptor[],
  writes: (w: Writer) => Promise<void>,
  read: GetRequest,
  before?: (clockAdvance: (ms: number) => void) => void,
): Promise<Record<string, string[]>> {
  const results: Record<string, string[]> = {};
  for (const mode of MODES) {
    const h = harness({ families });
    try {
      const region = await runMode(h, mode, writes);
      before?.((ms) => h.clock.advance(ms));
      results[mode] = show((await region.get(read))?.cells);
      await region.close();
    } finally {
      h.cleanup();
    }
  }
  return results;
}

/** Asserts every mode returns `expected`. */
async function expectEverywhere(families: FamilyDescriptor[], writes: (w: Writer) => Promise<void>, read: GetRequest, expected: string[]): Promise<void> {
  const results = await outcome(families, writes, read);
  for (const mode of MODES) expect({ mode, cells: results[mode] }).toEqual({ mode, cells: expected });
}

const row = b('row');

describe('versions and deletes, in every storage layout', () => {
  it('a column keeps its VERSIONS newest versions and returns as many as asked', async () => {
    await expectEverywhere(
      [family('cf', { maxVersions: 3 })],
      async (w) => {
        for (let ts = 1; ts <= 5; ts++) await w.mutate({ row, cells: [put('cf', 'q', `v${ts}`, ts)] });
      },
      { row, maxVersions: 10 },
      ['cf:q@5=v5', 'cf:q@4=v4', 'cf:q@3=v3'],
    );
  });

  it('of two writes with the same coordinates and timestamp the later one wins', async () => {
    await expectEverywhere(
      [family('cf', { maxVersions: 3 })],
      async (w) => {
        await w.mutate({ row, cells: [put('cf', 'q', 'first', 7)] });
        await w.mutate({ row, cells: [put('cf', 'q', 'second', 7)] });
      },
      { row, maxVersions: 3 },
      ['cf:q@7=second'],
    );
  });

  it('a version pushed out by VERSIONS never comes back, even when newer ones are deleted later', async () => {
    await expectEverywhere(
      [family('cf', { maxVersions: 2 })],
      async (w) => {
        for (const ts of [1, 2, 3]) await w.mutate({ row, cells: [put('cf', 'q', `v${ts}`, ts)] });
        await w.mutate({ row, cells: [del(CellType.Delete, 'cf', 'q', 3)] });
      },
      { row, maxVersions: 5 },
      ['cf:q@2=v2'],
    );
  });

  it('a put with an older timestamp than the kept versions is pushed out at once', async () => {
    await expectEverywhere(
      [family('cf')],
      async (w) => {
        await w.mutate({ row, cells: [put('cf', 'q', 'new', 10)] });
        await w.mutate({ row, cells: [put('cf', 'q', 'old', 5)] });
        await w.mutate({ row, cells: [del(CellType.Delete, 'cf', 'q', 10)] });
      },
      { row },
      [],
    );
  });

  it('a delete marker hides only earlier writes: a later put with an older timestamp is visible', async () => {
    await expectEverywhere(
      [family('cf', { maxVersions: 3 })],
      async (w) => {
        await w.mutate({ row, cells: [put('cf', 'q', 'before', 10)] });
        await w.mutate({ row, cells: [del(CellType.DeleteColumn, 'cf', 'q', 20)] });
        await w.mutate({ row, cells: [put('cf', 'q', 'after', 5)] });
      },
      { row, maxVersions: 3 },
      ['cf:q@5=after'],
    );
  });

  it('a DeleteColumn marker hides every version at or below its timestamp', async () => {
    await expectEverywhere(
      [family('cf', { maxVersions: 5 })],
      async (w) => {
        for (const ts of [1, 2, 3, 4]) await w.mutate({ row, cells: [put('cf', 'q', `v${ts}`, ts), put('cf', 'other', `o${ts}`, ts)] });
        await w.mutate({ row, cells: [del(CellType.DeleteColumn, 'cf', 'q', 3)] });
      },
      { row, maxVersions: 5 },
      ['cf:other@4=o4', 'cf:other@3=o3', 'cf:other@2=o2', 'cf:other@1=o1', 'cf:q@4=v4'],
    );
  });

  it('a Delete marker removes exactly one version; without a timestamp it removes the newest', async () => {
    await expectEverywhere(
      [family('cf', { maxVersions: 5 })],
      async (w) => {
        for (const ts of [1, 2, 3, 4]) await w.mutate({ row, cells: [put('cf', 'q', `v${ts}`, ts)] });
        await w.mutate({ row, cells: [del(CellType.Delete, 'cf', 'q', 2)] });
        await w.mutate({ row, cells: [del(CellType.Delete, 'cf', 'q')] });
      },
      { row, maxVersions: 5 },
      ['cf:q@3=v3', 'cf:q@1=v1'],
    );
  });

  it('two "latest" Deletes of one column in one mutation remove the newest and the second newest', async () => {
    await expectEverywhere(
      [family('cf', { maxVersions: 5 })],
      async (w) => {
        for (const ts of [1, 2, 3]) await w.mutate({ row, cells: [put('cf', 'q', `v${ts}`, ts)] });
        await w.mutate({ row, cells: [del(CellType.Delete, 'cf', 'q'), del(CellType.Delete, 'cf', 'q')] });
      },
      { row, maxVersions: 5 },
      ['cf:q@1=v1'],
    );
  });

  it('a "latest" Delete names the newest version as it was before its mutation, whatever other markers of that mutation remove', async () => {
    await expectEverywhere(
      [family('cf', { maxVersions: 5 })],
      async (w) => {
        for (const ts of [1, 2, 3]) await w.mutate({ row, cells: [put('cf', 'q', `v${ts}`, ts)] });
        // Both markers name version 3: the "latest" one does not move on to version 2.
        await w.mutate({ row, cells: [del(CellType.DeleteFamilyVersion, 'cf', undefined, 3), del(CellType.Delete, 'cf', 'q')] });
        await w.mutate({ row, cells: [put('cf', 'r', 'r1', 1), put('cf', 'r', 'r2', 2)] });
        await w.mutate({ row, cells: [del(CellType.Delete, 'cf', 'r', 2), del(CellType.Delete, 'cf', 'r')] });
      },
      { row, maxVersions: 5 },
      ['cf:q@2=v2', 'cf:q@1=v1', 'cf:r@1=r1'],
    );
  });

  it('a DeleteFamily marker hides every column at or below its timestamp, across qualifiers, including the empty one', async () => {
    await expectEverywhere(
      [family('cf', { maxVersions: 3 }), family('other')],
      async (w) => {
        await w.mutate({ row, cells: [put('cf', '', 'empty', 5), put('cf', 'a', 'a5', 5), put('cf', 'b', 'b9', 9), put('other', 'x', 'x5', 5)] });
        await w.mutate({ row, cells: [del(CellType.DeleteFamily, 'cf', undefined, 6)] });
      },
      { row, maxVersions: 3 },
      ['cf:b@9=b9', 'other:x@5=x5'],
    );
  });

  it('a DeleteFamilyVersion marker hides every column at exactly its timestamp', async () => {
    await expectEverywhere(
      [family('cf', { maxVersions: 3 })],
      async (w) => {
        await w.mutate({ row, cells: [put('cf', 'a', 'a5', 5), put('cf', 'a', 'a6', 6), put('cf', 'b', 'b5', 5)] });
        await w.mutate({ row, cells: [del(CellType.DeleteFamilyVersion, 'cf', undefined, 5)] });
      },
      { row, maxVersions: 3 },
      ['cf:a@6=a6'],
    );
  });

  it('inside one mutation deletes apply before puts ("delete then put")', async () => {
    await expectEverywhere(
      [family('cf')],
      async (w) => {
        await w.mutate({ row, cells: [put('cf', 'a', 'old', 5), put('cf', 'b', 'old', 5)] });
        await w.mutate({ row, cells: [del(CellType.DeleteFamily, 'cf', undefined, 100), put('cf', 'a', 'new', 50)] });
      },
      { row },
      ['cf:a@50=new'],
    );
  });

  it('a time range returns the versions inside it, but never one that VERSIONS pushed out', async () => {
    const writes = async (w: Writer): Promise<void> => {
      await w.mutate({ row, cells: [put('cf', 'q', 'v30', 30), put('c3', 'q', 'v30', 30)] });
      await w.mutate({ row, cells: [put('cf', 'q', 'v20', 20), put('c3', 'q', 'v20', 20)] });
      await w.mutate({ row, cells: [put('cf', 'q', 'v10', 10), put('c3', 'q', 'v10', 10)] });
    };
    await expectEverywhere([family('cf'), family('c3', { maxVersions: 3 })], writes, { row, timeRange: { min: 15, max: 25 } }, ['c3:q@20=v20']);
  });

  it('column and family selection return only what was asked', async () => {
    await expectEverywhere(
      [family('a'), family('b')],
      async (w) => {
        await w.mutate({ row, cells: [put('a', 'x', '1', 1), put('a', 'y', '2', 1), put('b', 'z', '3', 1)] });
      },
      { row, columns: [{ family: 'a', qualifier: b('y') }, { family: 'b' }] },
      ['a:y@1=2', 'b:z@1=3'],
    );
  });
});

describe('TTL, MIN_VERSIONS and KEEP_DELETED_CELLS', () => {
  it('expired versions disappear; MIN_VERSIONS keeps the newest ones visible past the TTL', async () => {
    for (const mode of MODES) {
      const h = harness({ families: [family('t', { ttlSeconds: 10, maxVersions: 3 }), family('m', { ttlSeconds: 10, maxVersions: 3, minVersions: 1 })] });
      try {
        const now = h.clock.now();
        const region = await runMode(h, mode, async (w) => {
          await w.mutate({ row, cells: [put('t', 'q', 'old', now - 5_000), put('m', 'q', 'old', now - 5_000)] });
          await w.mutate({ row, cells: [put('t', 'q', 'new', now), put('m', 'q', 'new', now)] });
        });
        expect(show((await region.get({ row, maxVersions: 3 }))?.cells)).toEqual([`m:q@${now}=new`, `m:q@${now - 5000}=old`, `t:q@${now}=new`, `t:q@${now - 5000}=old`]);
        h.clock.advance(7_000);
        expect(show((await region.get({ row, maxVersions: 3 }))?.cells), mode).toEqual([`m:q@${now}=new`, `t:q@${now}=new`]);
        h.clock.advance(60_000);
        await region.compact(true);
        expect(show((await region.get({ row, maxVersions: 3 }))?.cells), mode).toEqual([`m:q@${now}=new`]);
        await region.close();
      } finally {
        h.cleanup();
      }
    }
  });

  it('an expired version kept visible by MIN_VERSIONS hands that protection to the next one when it is deleted, in every layout', async () => {
    // Both versions are long expired (the harness clock is far past them); MIN_VERSIONS=1 keeps the
    // newest survivor visible, so deleting it ("latest" names it) makes the older one the newest.
    await expectEverywhere(
      [family('m', { ttlSeconds: 1, maxVersions: 3, minVersions: 1 })],
      async (w) => {
        await w.mutate({ row, cells: [put('m', 'q', 'a', 1000)] });
        await w.mutate({ row, cells: [put('m', 'q', 'b', 2000)] });
        await w.mutate({ row, cells: [del(CellType.Delete, 'm', 'q')] });
      },
      { row, maxVersions: 3 },
      ['m:q@1000=a'],
    );
  });

  it('with MIN_VERSIONS, a major compaction keeps expired versions so that deleting a newer one reads the same as before compaction', async () => {
    const results: string[][] = [];
    for (const compactFirst of [false, true]) {
      const h = harness({ families: [family('m', { ttlSeconds: 1, maxVersions: 3, minVersions: 1 })] });
      try {
        const region = await h.open();
        await region.mutate({ row, cells: [put('m', 'q', 'a', 1000)] });
        await region.mutate({ row, cells: [put('m', 'q', 'b', 2000)] });
        await region.flush();
        if (compactFirst) await region.compact(true);
        await region.mutate({ row, cells: [del(CellType.Delete, 'm', 'q', 2000)] });
        results.push(show((await region.get({ row, maxVersions: 3 }))?.cells));
        await region.close();
      } finally {
        h.cleanup();
      }
    }
    expect(results[0]).toEqual(['m:q@1000=a']);
    expect(results[1]).toEqual(results[0]);
  });

  it('KEEP_DELETED_CELLS=TRUE keeps deleted cells and markers through a major compaction (raw reads), FALSE drops them', async () => {
    const raw: Record<string, string[]> = {};
    for (const keep of ['TRUE', 'FALSE', 'TTL'] as const) {
      const h = harness({ families: [family('cf', { maxVersions: 2, keepDeletedCells: keep, ttlSeconds: keep === 'TTL' ? 3600 : 0 })] });
      try {
        const region = await h.open();
        const now = h.clock.now();
        await region.mutate({ row, cells: [put('cf', 'q', 'a', now - 3)] });
        await region.mutate({ row, cells: [put('cf', 'q', 'b', now - 2)] });
        await region.mutate({ row, cells: [put('cf', 'q', 'c', now - 1)] }); // pushes 'a' out
        await region.mutate({ row, cells: [del(CellType.DeleteColumn, 'cf', 'q', now - 1)] });
        await region.flush();
        await region.compact(true);
        expect(show((await region.get({ row, maxVersions: 5 }))?.cells)).toEqual([]);
        raw[keep] = show((await region.get({ row, maxVersions: 5, raw: true }))?.cells).map((s) => s.replace(String(now), 'now'));
        await region.close();
      } finally {
        h.cleanup();
      }
    }
    const now = 1_700_000_000_000;
    expect(raw.FALSE).toEqual([]);
    expect(raw.TRUE).toEqual([`cf:q@${now - 1}#DeleteColumn`, `cf:q@${now - 1}=c`, `cf:q@${now - 2}=b`]);
    expect(raw.TTL).toEqual(raw.TRUE);
  });

  it('raw reads show markers and deleted cells before compaction', async () => {
    const h = harness({ families: [family('cf', { maxVersions: 3 })] });
    try {
      const region = await h.open();
      await region.mutate({ row, cells: [put('cf', 'q', 'a', 5)] });
      await region.mutate({ row, cells: [del(CellType.Delete, 'cf', 'q', 5)] });
      expect(show((await region.get({ row, raw: true }))?.cells)).toEqual(['cf:q@5#Delete', 'cf:q@5=a']);
      expect(await region.get({ row })).toBeUndefined();
      await region.close();
    } finally {
      h.cleanup();
    }
  });
});
