/**
 * The one conformance suite every WAL implementation passes (STYLE.md §4). A harness opens and
 * reopens an implementation on the same durable storage and can damage that storage the way a
 * crash (torn tail) or bit rot (mid-file corruption) would.
 */
import { describe, expect, it } from 'vitest';
import { CellType, type Cell } from '../../../common/cell.js';
import { ErrorCodes, isBasaltError } from '../../../common/errors.js';
import type { GroupCommitOptions, WalStats } from '../../../regionserver/wal/group-commit.js';
import type { Wal, WalEntry } from '../../../regionserver/wal/wal.js';

export type TestWal = Wal & { stats(): WalStats };

export interface WalOpenOptions extends GroupCommitOptions {
  segmentSizeBytes?: number;
}

export interface WalHarness {
  /** Opens (or reopens) the log on the harness's storage; rejects if recovery fails. */
  open(options?: WalOpenOptions): Promise<TestWal>;
  /** Number of files (segments) the log keeps on its storage. */
  fileCount(): Promise<number>;
  /** Appends `bytes` to the newest log file, as a write cut by a crash would leave them. */
  appendToNewestFile(bytes: Buffer): Promise<void>;
  /** Flips one byte at `offset` of the oldest log file. */
  flipByteInOldestFile(offset: number): Promise<void>;
  cleanup(): Promise<void>;
}

export function cell(row: string, value: string, sequenceId: number, type: CellType = CellType.Put): Cell {
  return {
    row: Buffer.from(row),
    family: 'cf',
    qualifier: Buffer.from('q'),
    timestamp: 1_700_000_000_000 + sequenceId,
    type,
    value: Buffer.from(value),
    sequenceId,
  };
}

export function entry(regionId: string, sequenceId: number, openEpoch = 1, value = `v${sequenceId}`): WalEntry {
  return { regionId, sequenceId, openEpoch, cells: [cell(`row-${sequenceId}`, value, sequenceId)] };
}

export async function collect(iterable: AsyncIterable<WalEntry>): Promise<WalEntry[]> {
  const out: WalEntry[] = [];
  for await (const e of iterable) out.push(e);
  return out;
}

const ids = (entries: WalEntry[]): number[] => entries.map((e) => e.sequenceId);

async function until(condition: () => Promise<boolean> | boolean, what: string, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function walConformanceSuite(name: string, makeHarness: () => Promise<WalHarness>): void {
  describe(`WAL conformance: ${name}`, () => {
    const withWal = async (fn: (h: WalHarness) => Promise<void>): Promise<void> => {
      const h = await makeHarness();
      try {
        await fn(h);
      } finally {
        await h.cleanup();
      }
    };

    it('round-trips entries with every cell field intact once synced', () =>
      withWal(async (h) => {
        const wal = await h.open();
        const cells: Cell[] = [
          cell('r\u0000\xff', 'hello', 7),
          { ...cell('r2', '', 7, CellType.DeleteFamily), qualifier: Buffer.alloc(0), family: 'other.f-1' },
          { ...cell('r3', 'x'.repeat(5000), 7), timestamp: Number.MAX_SAFE_INTEGER },
        ];
        await wal.sync(wal.append({ regionId: 'region-a', sequenceId: 7, openEpoch: 3, cells }));
        const [got] = await collect(wal.replay('region-a', 0));
        expect(got).toEqual({ regionId: 'region-a', sequenceId: 7, openEpoch: 3, cells });
        await wal.close();
      }));

    it('sync of a position makes every earlier append durable too', () =>
      withWal(async (h) => {
        const wal = await h.open();
        const positions = [1, 2, 3, 4, 5].map((s) => wal.append(entry('r', s)));
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
        expect(new Set(positions).size).toBe(5);
        await wal.sync(positions[4]!);
        await wal.sync(positions[0]!); // An earlier position is already durable.
        expect(ids(await collect(wal.replay('r', 0)))).toEqual([1, 2, 3, 4, 5]);
        expect(wal.stats().durablePosition).toBeGreaterThanOrEqual(positions[4]!);
        await wal.close();
      }));

    it('group-commits concurrent appends from many regions into fewer syncs than appends', () =>
      withWal(async (h) => {
        const wal = await h.open();
        const n = 400;
        const writers: Array<Promise<void>> = [];
        for (let i = 1; i <= n; i++) {
          // Interleave a little across event-loop turns, as RPC handlers would.
          writers.push(
            (async () => {
              if (i % 50 === 0) await new Promise((r) => setImmediate(r));
              await wal.sync(wal.append(entry(`region-${i % 10}`, i)));
            })(),
          );
        }
        await Promise.all(writers);
        const { syncs, syncedEntries } = wal.stats();
        console.log(`[${name}] ${n} concurrent appends → ${syncs} syncs`);
        expect(syncedEntries).toBe(n);
        expect(syncs).toBeGreaterThanOrEqual(1);
        expect(syncs).toBeLessThan(n / 10);
        await wal.close();
      }));

    it('bounds a group by maxBatchEntries', () =>
      withWal(async (h) => {
        const wal = await h.open({ maxBatchEntries: 10 });
        const positions = Array.from({ length: 100 }, (_, i) => wal.append(entry('r', i + 1)));
        await wal.sync(positions[99]!);
        expect(wal.stats().syncs).toBeGreaterThanOrEqual(10);
        await wal.close();
      }));

    it('replays one region after a sequence id, in sequence order, whatever the append order', () =>
      withWal(async (h) => {
        const wal = await h.open();
        let last = 0;
        for (const s of [1, 2, 5, 3, 4, 8, 6, 7]) last = wal.append(entry('a', s));
        for (let s = 1; s <= 5; s++) last = wal.append(entry('b', 100 + s));
        await wal.sync(last);
        expect(ids(await collect(wal.replay('a', 0)))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
        expect(ids(await collect(wal.replay('a', 4)))).toEqual([5, 6, 7, 8]);
        expect(ids(await collect(wal.replay('a', 8)))).toEqual([]);
        expect(ids(await collect(wal.replay('b', 102)))).toEqual([103, 104, 105]);
        expect(await collect(wal.replay('unknown', 0))).toEqual([]);
        await wal.close();
      }));

    it('applies the epoch rule: highest epoch per sequence id, and nothing of an older epoch after a newer one', () =>
      withWal(async (h) => {
        const wal = await h.open();
        // Epoch 1 wrote 1..6; epoch 2 reopened after 3 and wrote 4..5 (a zombie kept writing 4..6 at epoch 1).
        const plan: Array<[number, number]> = [[1, 1], [2, 1], [3, 1], [4, 1], [4, 2], [5, 2], [5, 1], [6, 1], [7, 3]];
        let last = 0;
        for (const [s, e] of plan) last = wal.append(entry('r', s, e, `s${s}e${e}`));
        await wal.sync(last);
        const got = await collect(wal.replay('r', 0));
        expect(got.map((e) => [e.sequenceId, e.openEpoch])).toEqual([[1, 1], [2, 1], [3, 1], [4, 2], [5, 2], [7, 3]]);
        expect(got[3]!.cells[0]!.value.toString()).toBe('s4e2');
        await wal.close();
      }));

    it('after markFlushed, replays only later entries and reclaims the space of flushed segments', () =>
      withWal(async (h) => {
        const wal = await h.open({ segmentSizeBytes: 2048 });
        for (let s = 1; s <= 60; s++) await wal.sync(wal.append(entry('r', s, 1, 'x'.repeat(200))));
        const filesBefore = await h.fileCount();
        expect(filesBefore).toBeGreaterThan(3);
        await wal.markFlushed('r', 50);
        expect(ids(await collect(wal.replay('r', 50)))).toEqual([51, 52, 53, 54, 55, 56, 57, 58, 59, 60]);
        expect(wal.stats().retainedEntries).toBeLessThanOrEqual(10);
        await wal.sync(wal.append(entry('r', 61)));
        await until(async () => (await h.fileCount()) <= 3, 'flushed segments to be deleted');
        expect(ids(await collect(wal.replay('r', 50)))).toContain(61);
        await wal.close();
      }));

    it('rejects appends beyond the queue bound with SERVER_BUSY and accepts again once drained', () =>
      withWal(async (h) => {
        const wal = await h.open({ maxQueuedEntries: 5 });
        const positions = [1, 2, 3, 4, 5].map((s) => wal.append(entry('r', s)));
        let busy: unknown;
        try {
          wal.append(entry('r', 6));
        } catch (err) {
          busy = err;
        }
        expect(isBasaltError(busy, ErrorCodes.SERVER_BUSY)).toBe(true);
        await wal.sync(positions[4]!);
        await wal.sync(wal.append(entry('r', 6)));
        expect(ids(await collect(wal.replay('r', 0)))).toEqual([1, 2, 3, 4, 5, 6]);
        await wal.close();
      }));

    it('appendBatch queues all entries or none: a busy queue or a bad entry leaves nothing in the log', () =>
      withWal(async (h) => {
        const wal = await h.open({ maxQueuedEntries: 6 });
        const first = wal.appendBatch([entry('r', 1), entry('r', 2), entry('r', 3), entry('r', 4)]);
        expect(() => wal.appendBatch([entry('r', 5), entry('r', 6), entry('r', 7)])).toThrow(
          expect.objectContaining({ code: ErrorCodes.SERVER_BUSY }),
        );
        expect(() => wal.appendBatch([entry('r', 8), { ...entry('r', 9), openEpoch: -1 }])).toThrow(
          expect.objectContaining({ code: ErrorCodes.INVALID_ARGUMENT }),
        );
        await wal.sync(first);
        const last = wal.appendBatch([entry('r', 10), entry('r', 11)]);
        await wal.sync(last);
        expect(ids(await collect(wal.replay('r', 0)))).toEqual([1, 2, 3, 4, 10, 11]);
        await wal.close();
        const reopened = await h.open();
        expect(ids(await collect(reopened.replay('r', 0)))).toEqual([1, 2, 3, 4, 10, 11]);
        await reopened.close();
      }));

    it('rejects bad entries with INVALID_ARGUMENT naming the field', () =>
      withWal(async (h) => {
        const wal = await h.open();
        const bad: Array<[WalEntry, string]> = [
          [{ ...entry('r', 1), sequenceId: 0 }, 'sequenceId'],
          [{ ...entry('r', 1), sequenceId: 1.5 }, 'sequenceId'],
          [{ ...entry('r', 1), openEpoch: -1 }, 'openEpoch'],
          [{ ...entry('', 1) }, 'regionId'],
        ];
        for (const [e, field] of bad) {
          let caught: unknown;
          try {
            wal.append(e);
          } catch (err) {
            caught = err;
          }
          expect(isBasaltError(caught, ErrorCodes.INVALID_ARGUMENT) && caught.details.field).toBe(field);
        }
        await expect(wal.sync(99)).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
        await wal.close();
      }));

    it('close fails syncs it did not persist with WAL_CLOSED, and refuses later appends', () =>
      withWal(async (h) => {
        const wal = await h.open();
        await wal.sync(wal.append(entry('r', 1)));
        const pending = wal.sync(wal.append(entry('r', 2)));
        const outcome = pending.then(
          () => 'durable',
          (err: unknown) => (isBasaltError(err, ErrorCodes.WAL_CLOSED) ? 'closed' : `other: ${String(err)}`),
        );
        await wal.close();
        const result = await outcome;
        expect(['durable', 'closed']).toContain(result);
        expect(() => wal.append(entry('r', 3))).toThrow(expect.objectContaining({ code: ErrorCodes.WAL_CLOSED }));
        const reopened = await h.open();
        const replayed = ids(await collect(reopened.replay('r', 0)));
        // What a resolved sync promised is there; what was refused is not.
        expect(replayed).toEqual(result === 'durable' ? [1, 2] : [1]);
        await reopened.close();
      }));

    it('reopens after a clean close with every synced entry and its flushed marks', () =>
      withWal(async (h) => {
        const wal = await h.open();
        for (let s = 1; s <= 20; s++) await wal.sync(wal.append(entry(`r${s % 2}`, s)));
        await wal.markFlushed('r0', 10);
        await wal.close();
        const reopened = await h.open();
        expect(ids(await collect(reopened.replay('r1', 0)))).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
        expect(ids(await collect(reopened.replay('r0', 10)))).toEqual([12, 14, 16, 18, 20]);
        expect(reopened.stats().retainedEntries).toBe(15);
        await reopened.sync(reopened.append(entry('r1', 21)));
        expect(ids(await collect(reopened.replay('r1', 19)))).toEqual([21]);
        await reopened.close();
      }));

    it('cuts a torn tail (a partly written last group) on open and keeps working', () =>
      withWal(async (h) => {
        const wal = await h.open();
        for (let s = 1; s <= 10; s++) await wal.sync(wal.append(entry('r', s)));
        await wal.close();
        // A crash mid-write leaves the first bytes of a frame (here: a plausible header and half a body).
        const torn = Buffer.alloc(40);
        torn.writeUInt32BE(0x4257414c, 0);
        torn.writeUInt32BE(500, 4);
        await h.appendToNewestFile(torn);
        const reopened = await h.open();
        expect(ids(await collect(reopened.replay('r', 0)))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        await reopened.sync(reopened.append(entry('r', 11)));
        await reopened.close();
        const again = await h.open();
        expect(ids(await collect(again.replay('r', 8)))).toEqual([9, 10, 11]);
        await again.close();
      }));

    it('refuses a log damaged in the middle (bad checksum followed by valid frames) with CORRUPT_WAL', () =>
      withWal(async (h) => {
        const wal = await h.open();
        for (let s = 1; s <= 10; s++) await wal.sync(wal.append(entry('r', s)));
        await wal.close();
        await h.flipByteInOldestFile(30);
        await expect(h.open()).rejects.toMatchObject({ code: ErrorCodes.CORRUPT_WAL });
      }));
  });
}
