/** Proves row atomicity across families under concurrency (readers never see half a mutation nor an unsynced write), group commit, and reads that keep working while flushes and compactions run. */
import { describe, expect, it } from 'vitest';
import type { Wal, WalEntry } from '../../../regionserver/wal/wal.js';
import { MemoryWal } from '../../../regionserver/wal/memory-wal.js';
import { Region } from '../../../regionserver/region/region.js';
import { join } from 'node:path';
import { b, family, harness, put } from './fixtures.js';

/** A WAL whose syncs take a while, widening the window between memstore insert and visibility. */
class SlowWal implements Wal {
  syncCalls = 0;
  /** Highest position known durable, and each sequence id's position. */
  durablePosition = -1;
  readonly positions = new Map<number, number>();
  constructor(private readonly inner: MemoryWal) {}
  append(entry: WalEntry): number {
    const position = this.inner.append(entry);
    this.positions.set(entry.sequenceId, position);
    return position;
  }
  appendBatch(entries: WalEntry[]): number {
    const last = this.inner.appendBatch(entries);
    // A batch's entries take consecutive positions ending at the returned one.
    entries.forEach((e, i) => this.positions.set(e.sequenceId, last - (entries.length - 1 - i)));
    return last;
  }
  isDurable(sequenceId: number): boolean {
    const p = this.positions.get(sequenceId);
    return p !== undefined && p <= this.durablePosition;
  }
  async sync(position: number): Promise<void> {
    this.syncCalls++;
    await new Promise((resolve) => setTimeout(resolve, 2));
    await this.inner.sync(position);
    this.durablePosition = Math.max(this.durablePosition, position);
  }
  replay(regionId: string, after: number): AsyncIterable<WalEntry> {
    return this.inner.replay(regionId, after);
  }
  markFlushed(regionId: string, sequenceId: number): Promise<void> {
    return this.inner.markFlushed(regionId, sequenceId);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('concurrency', () => {
  it('a reader never sees half of a row mutation or a write before its WAL sync', async () => {
    const h = harness({ families: [family('a'), family('b')], config: { memstoreFlushSizeBytes: 20_000, compactionMinFiles: 2 } });
    const wal = new SlowWal(h.wal);
    const region = await Region.open({ info: h.info, families: h.families, dir: join(h.dir, 'region'), wal, openEpoch: 1, clock: h.clock, config: h.config });
    try {
      let stop = false;
      const violations: string[] = [];
      const writers = (async () => {
        const pending: Promise<void>[] = [];
        for (let i = 1; i <= 300; i++) {
          const v = String(i).padStart(5, '0');
          pending.push(
            region.put({ row: b(`row${i % 7}`), cells: [put('a', 'q', v), put('b', 'q', v), put('a', 'pad', 'x'.repeat(100))] }),
          );
          if (i % 25 === 0) await Promise.all(pending.splice(0));
        }
        await Promise.all(pending);
        stop = true;
      })();
      const readers = (async () => {
        while (!stop) {
          for (let k = 0; k < 7; k++) {
            const got = await region.get({ row: b(`row${k}`) });
            if (!got) continue;
            for (const c of got.cells) if (!wal.isDurable(c.sequenceId)) violations.push(`row${k}: saw sequence id ${c.sequenceId} before its sync`);
            const av = got.cells.find((c) => c.family === 'a' && c.qualifier.toString() === 'q')?.value.toString();
            const bv = got.cells.find((c) => c.family === 'b')?.value.toString();
            if (av !== bv) violations.push(`row${k}: a=${av} b=${bv}`);
          }
          const scanner = region.scan({});
          const { rows } = await scanner.next(100, 1e9);
          for (const row of rows) {
            for (const c of row.cells) if (!wal.isDurable(c.sequenceId)) violations.push(`scan ${row.row}: saw ${c.sequenceId} before its sync`);
            const av = row.cells.find((c) => c.family === 'a' && c.qualifier.toString() === 'q')?.value.toString();
            const bv = row.cells.find((c) => c.family === 'b')?.value.toString();
            if (av !== bv) violations.push(`scan ${row.row}: a=${av} b=${bv}`);
          }
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      await Promise.all([writers, readers]);
      expect(violations).toEqual([]);
      // Group commit: far fewer syncs than writes would need one by one... the SlowWal counts calls,
      // the MemoryWal underneath counts real durable writes.
      expect(h.wal.stats().syncs).toBeLessThan(300);
      // Everything acknowledged is readable, after the background flushes and compactions too.
      for (let k = 0; k < 7; k++) {
        const got = await region.get({ row: b(`row${k}`) });
        const lastForRow = Math.max(...Array.from({ length: 300 }, (_, i) => i + 1).filter((i) => i % 7 === k));
        expect(got!.cells.find((c) => c.family === 'b')!.value.toString()).toBe(String(lastForRow).padStart(5, '0'));
      }
      expect(region.load().storeFileCount).toBeGreaterThan(0);
    } finally {
      await region.close();
      h.cleanup();
    }
  });

  it('gets keep answering while a major compaction runs', async () => {
    const h = harness({ config: { compactionMinFiles: 100 } });
    const region = await h.open();
    try {
      for (let f = 0; f < 4; f++) {
        await region.batch(Array.from({ length: 500 }, (_, i) => ({ row: b(`r${String(i).padStart(4, '0')}`), cells: [put('cf', 'q', `f${f}`)] })));
        await region.flush();
      }
      const compaction = region.compact(true);
      let reads = 0;
      let done = false;
      void compaction.then(() => (done = true));
      while (!done) {
        const got = await region.get({ row: b(`r${String(reads % 500).padStart(4, '0')}`) });
        expect(got!.cells[0]!.value.toString()).toBe('f3');
        reads++;
        await new Promise((resolve) => setImmediate(resolve));
      }
      await compaction;
      expect(reads).toBeGreaterThan(0);
      expect(region.load().storeFileCount).toBe(1);
    } finally {
      await region.close();
      h.cleanup();
    }
  });
});
