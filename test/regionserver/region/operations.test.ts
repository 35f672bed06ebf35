/** Proves the region's operations: read-modify-writes are atomic under the row lock, batches report per row with one WAL sync, bad input writes nothing, and sequence ids survive reopen. */
import { describe, expect, it } from 'vitest';
import { CellType } from '../../../common/cell.js';
import { isBasaltError, type BasaltError } from '../../../common/errors.js';
import { FilterReturnCode, type Filter } from '../../../regionserver/filter/filter.js';
import type { Region } from '../../../regionserver/region/region.js';
import { b, del, harness, put, regionInfo, show, type Harness } from './fixtures.js';

async function withRegion(fn: (r: Region, h: Harness) => Promise<void>, options: Parameters<typeof harness>[0] = {}): Promise<void> {
  const h = harness(options);
  const r = await h.open();
  try {
    await fn(r, h);
  } finally {
    await r.close();
    h.cleanup();
  }
}

async function codeOf(p: Promise<unknown>): Promise<{ code: string; field?: unknown }> {
  try {
    await p;
  } catch (err) {
    if (isBasaltError(err)) return { code: err.code, field: err.details.field };
    throw err;
  }
  return { code: 'NONE' };
}

const row = b('row');

describe('increment and append', () => {
  it('increments 8-byte big-endian counters atomically under concurrency', async () => {
    await withRegion(async (r) => {
      const first = await r.increment({ row, columns: [{ family: 'cf', qualifier: b('n'), amount: 5n }] });
      expect(first.map((x) => x.value)).toEqual([5n]);
      await Promise.all(Array.from({ length: 40 }, () => r.increment({ row, columns: [{ family: 'cf', qualifier: b('n'), amount: 1n }] })));
      const got = await r.get({ row });
      expect(got!.cells[0]!.value.readBigInt64BE(0)).toBe(45n);
      const neg = await r.increment({ row, columns: [{ family: 'cf', qualifier: b('n'), amount: -50n }, { family: 'cf', qualifier: b('m'), amount: 2n }] });
      expect(neg.map((x) => x.value)).toEqual([-5n, 2n]);
    });
  });

  it('refuses to increment a cell that is not 8 bytes, with NOT_A_COUNTER, writing nothing', async () => {
    await withRegion(async (r) => {
      await r.put({ row, cells: [put('cf', 's', 'abc', 1)] });
      expect((await codeOf(r.increment({ row, columns: [{ family: 'cf', qualifier: b('s'), amount: 1n }] }))).code).toBe('NOT_A_COUNTER');
      expect(show((await r.get({ row }))?.cells)).toEqual(['cf:s@1=abc']);
    });
  });

  it('an increment is not lost behind a version with a future timestamp', async () => {
    await withRegion(async (r, h) => {
      const future = h.clock.now() + 1_000_000;
      const eight = Buffer.alloc(8);
      eight.writeBigInt64BE(10n);
      await r.put({ row, cells: [{ family: 'cf', qualifier: b('n'), type: CellType.Put, timestamp: future, value: eight }] });
      await r.increment({ row, columns: [{ family: 'cf', qualifier: b('n'), amount: 1n }] });
      expect((await r.get({ row }))!.cells[0]!.value.readBigInt64BE(0)).toBe(11n);
    });
  });

  it('appends to columns atomically and returns the new values', async () => {
    await withRegion(async (r) => {
      await r.put({ row, cells: [put('cf', 'a', 'x', 1)] });
      const res = await r.append({ row, columns: [{ family: 'cf', qualifier: b('a'), value: b('y') }, { family: 'cf', qualifier: b('new'), value: b('z') }] });
      expect(res.cells.map((c) => `${c.qualifier}=${c.value}`)).toEqual(['a=xy', 'new=z']);
      await Promise.all(Array.from({ length: 20 }, () => r.append({ row, columns: [{ family: 'cf', qualifier: b('a'), value: b('.') }] })));
      // Qualifiers may hold any byte, 0x00 included.
      const odd = Buffer.from([0x71, 0x00, 0xff]);
      await r.append({ row, columns: [{ family: 'cf', qualifier: odd, value: b('1') }, { family: 'cf', qualifier: odd, value: b('2') }] });
      expect((await r.get({ row, columns: [{ family: 'cf', qualifier: odd }] }))!.cells[0]!.value.toString()).toBe('12');
      expect((await r.get({ row, columns: [{ family: 'cf', qualifier: b('a') }] }))!.cells[0]!.value.toString()).toBe('xy' + '.'.repeat(20));
    });
  });
});

describe('checkAndMutate', () => {
  it('applies the mutation only when the condition holds (exists, not_exists, the six compare ops)', async () => {
    await withRegion(async (r) => {
      const mutation = (v: string) => ({ row, cells: [put('cf', 'out', v, 1)] });
      expect((await r.checkAndMutate({ row, condition: { family: 'cf', qualifier: b('c'), kind: 'exists' }, mutation: mutation('1') })).succeeded).toBe(false);
      expect((await r.checkAndMutate({ row, condition: { family: 'cf', qualifier: b('c'), kind: 'not_exists' }, mutation: mutation('2') })).succeeded).toBe(true);
      await r.put({ row, cells: [put('cf', 'c', 'm', 1)] });
      const cases: Array<[string, string, boolean]> = [
        ['LESS', 'n', true],
        ['LESS', 'm', false],
        ['LESS_OR_EQUAL', 'm', true],
        ['EQUAL', 'm', true],
        ['EQUAL', 'x', false],
        ['NOT_EQUAL', 'x', true],
        ['GREATER_OR_EQUAL', 'm', true],
        ['GREATER', 'a', true],
        ['GREATER', 'z', false],
      ];
      for (const [op, value, expected] of cases) {
        const res = await r.checkAndMutate({
          row,
          condition: { family: 'cf', qualifier: b('c'), kind: 'compare', op: op as 'LESS', value: b(value) },
          mutation: mutation(`${op}${value}`),
        });
        expect({ op, value, succeeded: res.succeeded }).toEqual({ op, value, succeeded: expected });
      }
      // The last successful one wrote last (same timestamp: the later write wins).
      expect(show((await r.get({ row, columns: [{ family: 'cf', qualifier: b('out') }] }))?.cells)).toEqual(['cf:out@1=GREATERa']);
    });
  });

  it('races of checkAndMutate on one row let exactly one winner through', async () => {
    await withRegion(async (r) => {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          r.checkAndMutate({ row, condition: { family: 'cf', qualifier: b('lock'), kind: 'not_exists' }, mutation: { row, cells: [put('cf', 'lock', `owner${i}`)] } }),
        ),
      );
      expect(results.filter((x) => x.succeeded).length).toBe(1);
    });
  });

  it('with a filter condition, mutates only when the row passes the filter', async () => {
    await withRegion(async (r) => {
      await r.put({ row, cells: [put('cf', 'state', 'open', 1)] });
      const stateIs = (value: string): Filter => ({
        reset: () => undefined,
        filterAllRemaining: () => false,
        filterRowKey: () => false,
        filterCell: (c) => (c.qualifier.toString() === 'state' && c.value.toString() === value ? FilterReturnCode.Include : FilterReturnCode.Skip),
        transformCell: (c) => c,
        hasFilterRow: () => false,
        filterRowCells: (cells) => cells,
        filterRow: () => false,
        getNextCellHint: () => undefined,
        isFamilyEssential: () => true,
      });
      expect((await r.checkAndMutate({ row, filter: stateIs('closed'), mutation: { row, cells: [put('cf', 'x', '1', 1)] } })).succeeded).toBe(false);
      expect((await r.checkAndMutate({ row, filter: stateIs('open'), mutation: { row, cells: [put('cf', 'x', '2', 1)] } })).succeeded).toBe(true);
      expect(show((await r.get({ row, columns: [{ family: 'cf', qualifier: b('x') }] }))?.cells)).toEqual(['cf:x@1=2']);
    });
  });

  it('rejects a mutation for another row and a missing condition', async () => {
    await withRegion(async (r) => {
      expect((await codeOf(r.checkAndMutate({ row, condition: { family: 'cf', qualifier: b('c'), kind: 'exists' }, mutation: { row: b('other'), cells: [put('cf', 'a', 'b')] } }))).field).toBe('mutation.row');
      expect((await codeOf(r.checkAndMutate({ row, mutation: { row, cells: [put('cf', 'a', 'b')] } }))).code).toBe('INVALID_ARGUMENT');
    });
  });
});

describe('batch and mutateRow', () => {
  it('a batch applies valid rows, reports each invalid one, and costs one WAL sync', async () => {
    await withRegion(
      async (r, h) => {
        const before = h.wal.stats().syncs;
        const results = await r.batch([
          { row: b('a'), cells: [put('cf', 'q', '1', 1)] },
          { row: b('b'), cells: [put('nope', 'q', '2', 1)] },
          { row: b('zzz'), cells: [put('cf', 'q', '3', 1)] },
          { row: b('c'), cells: [put('cf', 'q', '4', 1)] },
        ]);
        expect(results.map((x) => (x ? (x as BasaltError).code : 'ok'))).toEqual(['ok', 'NO_SUCH_FAMILY', 'WRONG_REGION', 'ok']);
        expect(h.wal.stats().syncs - before).toBe(1);
        expect(await r.exists({ row: b('a') })).toBe(true);
        expect(await r.exists({ row: b('b') })).toBe(false);
        expect(await r.exists({ row: b('c') })).toBe(true);
      },
      { info: regionInfo('', 'x') },
    );
  });

  it('mutateRow applies puts and deletes of one row together', async () => {
    await withRegion(async (r) => {
      await r.put({ row, cells: [put('cf', 'a', 'old', 1), put('cf', 'b', 'old', 1)] });
      await r.mutateRow([{ row, cells: [del(CellType.DeleteColumn, 'cf', 'a', 5)] }, { row, cells: [put('cf', 'c', 'new', 2)] }]);
      expect(show((await r.get({ row }))?.cells)).toEqual(['cf:b@1=old', 'cf:c@2=new']);
      expect((await codeOf(r.mutateRow([{ row, cells: [put('cf', 'a', 'x')] }, { row: b('other'), cells: [put('cf', 'a', 'x')] }]))).field).toBe('mutations[1].row');
    });
  });
});

describe('bad input writes nothing', () => {
  it('each invalid request fails with a typed error naming the field, and the region stays empty', async () => {
    await withRegion(
      async (r, h) => {
        const appendedAtOpen = h.wal.stats().appendedEntries; // the open marker
        const cases: Array<[Promise<unknown>, string, string | undefined]> = [
          [r.put({ row: b('r'), cells: [put('nope', 'q', 'v')] }), 'NO_SUCH_FAMILY', 'mutation.cells[0].family'],
          [r.put({ row: b(''), cells: [put('cf', 'q', 'v')] }), 'INVALID_ARGUMENT', 'mutation.row'],
          [r.put({ row: Buffer.alloc(200, 1), cells: [put('cf', 'q', 'v')] }), 'ROW_TOO_LARGE', 'mutation.row'],
          [r.put({ row: b('r'), cells: [put('cf', 'q', 'x'.repeat(2000))] }), 'CELL_TOO_LARGE', 'mutation.cells[0]'],
          [r.put({ row: b('r'), cells: Array.from({ length: 8 }, (_, i) => put('cf', `q${i}`, 'x'.repeat(900))) }), 'REQUEST_TOO_LARGE', 'mutation'],
          [r.put({ row: b('r'), cells: [put('cf', 'q', 'v', -1)] }), 'INVALID_ARGUMENT', 'mutation.cells[0].timestamp'],
          [r.put({ row: b('r'), cells: [put('cf', 'ok', 'v', 1), put('cf', 'q', 'v', 1.5)] }), 'INVALID_ARGUMENT', 'mutation.cells[1].timestamp'],
          [r.put({ row: b('r'), cells: [] }), 'INVALID_ARGUMENT', 'mutation.cells'],
          [r.put({ row: b('r'), cells: [{ family: 'cf', type: CellType.Put, value: b('v') }] }), 'INVALID_ARGUMENT', 'mutation.cells[0].qualifier'],
          [r.get({ row: b('r'), columns: [{ family: 'nope' }] }), 'NO_SUCH_FAMILY', 'columns[0].family'],
          [r.get({ row: b('r'), maxVersions: 0 }), 'INVALID_ARGUMENT', 'maxVersions'],
          [r.increment({ row: b('r'), columns: [{ family: 'nope', qualifier: b('q'), amount: 1n }] }), 'NO_SUCH_FAMILY', 'columns[0].family'],
        ];
        for (const [p, code, field] of cases) expect(await codeOf(p)).toEqual({ code, field });
        expect(h.wal.stats().appendedEntries).toBe(appendedAtOpen);
        const { rows } = await r.scan({}).next(10, 1e6);
        expect(rows).toEqual([]);
      },
      { config: { maxRowKeyBytes: 100, maxCellBytes: 1000, maxRequestBytes: 5000 } },
    );
  });

  it('rows outside the region are WRONG_REGION for reads and writes', async () => {
    await withRegion(
      async (r) => {
        expect(r.containsRow(b('m'))).toBe(true);
        expect(r.containsRow(b('p'))).toBe(false);
        expect((await codeOf(r.put({ row: b('a'), cells: [put('cf', 'q', 'v')] }))).code).toBe('WRONG_REGION');
        expect((await codeOf(r.get({ row: b('p') }))).code).toBe('WRONG_REGION');
      },
      { info: regionInfo('g', 'p') },
    );
  });
});

describe('lifecycle', () => {
  it('sequence ids keep increasing across flushes and reopens, and the WAL is replayed from the flushed point', async () => {
    const h = harness();
    try {
      let r = await h.open();
      await r.put({ row, cells: [put('cf', 'a', '1', 1)] });
      await r.flush();
      const firstEdit = r.load().maxSequenceId;
      await r.put({ row, cells: [put('cf', 'b', '2', 1)] });
      const before = r.load();
      expect(before.maxFlushedSequenceId).toBe(firstEdit);
      expect(before.maxSequenceId).toBe(firstEdit + 1);
      await r.close({ flush: false });
      r = await h.open();
      // The replayed edit was flushed at open.
      expect(r.load().maxFlushedSequenceId).toBe(before.maxSequenceId);
      await r.put({ row, cells: [put('cf', 'c', '3', 1)] });
      expect(r.load().maxSequenceId).toBeGreaterThan(before.maxSequenceId);
      expect(show((await r.get({ row }))?.cells)).toEqual(['cf:a@1=1', 'cf:b@1=2', 'cf:c@1=3']);
      await r.close();
      await expect(r.get({ row })).rejects.toMatchObject({ code: 'NOT_SERVING_REGION' });
    } finally {
      h.cleanup();
    }
  });

  it('a corrupt store file fails the open with CORRUPT_STORE_FILE and touches nothing', async () => {
    const { readdirSync, readFileSync, writeFileSync, statSync } = await import('node:fs');
    const { join } = await import('node:path');
    const h = harness();
    try {
      const r = await h.open();
      await r.put({ row, cells: [put('cf', 'a', '1', 1)] });
      await r.flush();
      await r.close();
      const familyDir = join(h.dir, 'region', 'cf');
      const [name] = readdirSync(familyDir).filter((n) => n.endsWith('.sf'));
      const path = join(familyDir, name!);
      const bytes = readFileSync(path);
      bytes.fill(0x5a, 0, 64);
      writeFileSync(path, bytes);
      const listing = readdirSync(join(h.dir, 'region'), { recursive: true }).map(String).sort();
      const mtime = statSync(join(h.dir, 'region', 'manifest-1.json')).mtimeMs;
      await expect(h.open()).rejects.toMatchObject({ code: 'CORRUPT_STORE_FILE' });
      expect(readdirSync(join(h.dir, 'region'), { recursive: true }).map(String).sort()).toEqual(listing);
      expect(statSync(join(h.dir, 'region', 'manifest-1.json')).mtimeMs).toBe(mtime);
    } finally {
      h.cleanup();
    }
  });

  it('leftovers of a crash mid-flush or mid-compaction (temp files, unlisted files) do not count and are removed at open', async () => {
    const { mkdirSync, writeFileSync, existsSync } = await import('node:fs');
    const { join } = await import('node:path');
    const h = harness();
    try {
      const r = await h.open();
      await r.put({ row, cells: [put('cf', 'a', '1', 1)] });
      await r.close();
      mkdirSync(join(h.dir, 'region', '.tmp'), { recursive: true });
      writeFileSync(join(h.dir, 'region', '.tmp', 'cf-half.sf'), Buffer.alloc(100, 1));
      writeFileSync(join(h.dir, 'region', 'cf', 'orphan.sf'), Buffer.alloc(100, 1));
      const r2 = await h.open();
      expect(show((await r2.get({ row }))?.cells)).toEqual(['cf:a@1=1']);
      expect(existsSync(join(h.dir, 'region', 'cf', 'orphan.sf'))).toBe(false);
      expect(existsSync(join(h.dir, 'region', '.tmp'))).toBe(false);
      await r2.close();
    } finally {
      h.cleanup();
    }
  });

  it('writes past the flush size flush in the background, and compactions keep the file count bounded', async () => {
    const h = harness({ config: { memstoreFlushSizeBytes: 2_000, memstoreBlockMultiplier: 1000, compactionMinFiles: 3, compactionMaxFiles: 4, maxStoreFiles: 5 } });
    try {
      const r = await h.open();
      let maxFiles = 0;
      for (let i = 0; i < 400; i++) {
        await r.put({ row: b(`row${String(i).padStart(4, '0')}`), cells: [put('cf', 'q', 'x'.repeat(50))] });
        maxFiles = Math.max(maxFiles, r.load().storeFileCount);
      }
      await r.flush();
      await r.compact(false);
      expect(maxFiles).toBeLessThanOrEqual(5);
      expect(r.load().storeFileCount).toBeGreaterThan(0);
      const { rows } = await r.scan({}).next(1000, 1e9);
      expect(rows.length).toBe(400);
      await r.close();
    } finally {
      h.cleanup();
    }
  });

  it('a major compaction runs after a flush once majorCompactionPeriodMs has passed', async () => {
    const h = harness({ config: { majorCompactionPeriodMs: 60_000, compactionMinFiles: 100 } });
    const r = await h.open();
    try {
      for (let i = 0; i < 3; i++) {
        await r.put({ row: b(`r${i}`), cells: [put('cf', 'q', 'v', 1)] });
        await r.flush();
      }
      expect(r.load().storeFileCount).toBe(3);
      h.clock.advance(61_000);
      await r.put({ row: b('r9'), cells: [put('cf', 'q', 'v', 1)] });
      await r.flush();
      const deadline = Date.now() + 10_000;
      while (r.load().storeFileCount !== 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(r.load().storeFileCount).toBe(1);
      const { rows } = await r.scan({}).next(10, 1e6);
      expect(rows.map((x) => x.row.toString())).toEqual(['r0', 'r1', 'r2', 'r9']);
    } finally {
      await r.close();
      h.cleanup();
    }
  });

  it('a failed flush keeps the snapshot readable and the next flush writes it', async () => {
    const { writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const h = harness();
    const r = await h.open();
    try {
      await r.put({ row, cells: [put('cf', 'a', '1', 1)] });
      // A file where the temp directory should be: writing the store file fails.
      writeFileSync(join(h.dir, 'region', '.tmp'), 'in the way');
      await expect(r.flush()).rejects.toThrow();
      expect(show((await r.get({ row }))?.cells)).toEqual(['cf:a@1=1']);
      await r.put({ row, cells: [put('cf', 'b', '2', 1)] });
      rmSync(join(h.dir, 'region', '.tmp'));
      await r.flush();
      await r.flush();
      expect(r.load().memstoreSizeBytes).toBe(0);
      expect(show((await r.get({ row }))?.cells)).toEqual(['cf:a@1=1', 'cf:b@1=2']);
      await r.close();
      const again = await h.open();
      expect(show((await again.get({ row }))?.cells)).toEqual(['cf:a@1=1', 'cf:b@1=2']);
      await again.close();
    } finally {
      h.cleanup();
    }
  });

  it('rows up to maxRowKeyBytes (longer than LMDB keys) work through flush, compaction and scans', async () => {
    const h = harness();
    const r = await h.open();
    try {
      const long = (c: string) => Buffer.concat([Buffer.alloc(30_000, 0x6b), Buffer.from(c)]);
      for (const c of ['b', 'a', 'c']) await r.put({ row: long(c), cells: [put('cf', 'q', c, 1)] });
      await r.flush();
      await r.put({ row: long('a'), cells: [put('cf', 'q2', 'a2', 1)] });
      expect(show((await r.get({ row: long('a') }))?.cells)).toEqual(['cf:q@1=a', 'cf:q2@1=a2']);
      await r.compact(true);
      const forward = await r.scan({}).next(10, 1e9);
      expect(forward.rows.map((x) => x.row.subarray(30_000).toString())).toEqual(['a', 'b', 'c']);
      const backward = await r.scan({ reversed: true, startRow: long('b') }).next(10, 1e9);
      expect(backward.rows.map((x) => x.row.subarray(30_000).toString())).toEqual(['b', 'a']);
      await r.close();
    } finally {
      h.cleanup();
    }
  });

  it('a store at maxStoreFiles is compacted back under it by a queued compaction, even when compactionMinFiles is set higher', async () => {
    const h = harness({ config: { maxStoreFiles: 3, compactionMinFiles: 50 } });
    const r = await h.open();
    try {
      for (let i = 0; i < 8; i++) {
        await r.put({ row: b(`r${i}`), cells: [put('cf', 'q', 'v', 1)] });
        await r.flush();
        // The flush only queued the compaction (flush-compaction.test.ts); a minor compaction
        // (nothing to do at 50 files) queues behind it, so awaiting it awaits the queued one.
        await r.compact(false);
        expect(r.load().storeFileCount).toBeLessThan(3);
      }
      expect((await r.scan({}).next(100, 1e9)).rows.length).toBe(8);
      await r.close();
    } finally {
      h.cleanup();
    }
  });

  it('close waits for a running flush, a second close waits for the first, and later calls are refused', async () => {
    const h = harness();
    const r = await h.open();
    try {
      for (let i = 0; i < 50; i++) await r.put({ row: b(`r${i}`), cells: [put('cf', 'q', 'v', 1)] });
      const flushing = r.flush();
      const first = r.close();
      const second = r.close();
      await expect(r.put({ row, cells: [put('cf', 'q', 'v')] })).rejects.toMatchObject({ code: 'REGION_CLOSING' });
      await expect(r.compact(true)).rejects.toMatchObject({ code: 'REGION_CLOSING' });
      await Promise.all([flushing, first, second]);
      await expect(r.put({ row, cells: [put('cf', 'q', 'v')] })).rejects.toMatchObject({ code: 'NOT_SERVING_REGION' });
      const again = await h.open();
      expect((await again.scan({}).next(100, 1e9)).rows.length).toBe(50);
      await again.close();
    } finally {
      h.cleanup();
    }
  });
});
