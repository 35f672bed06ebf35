/**
 * Runs one semantic scenario several ways, because flushes and compactions must never change
 * what a read returns: everything in the memstore; a flush after every write; flushed and then
 * major-compacted; mixed (some writes in files, some in the memstore, a minor compaction); and
 * closed + reopened (WAL replay and store files).
 */
import type { Mutation } from '../../../regionserver/region/api.js';
import type { Region } from '../../../regionserver/region/region.js';
import type { Harness } from './fixtures.js';

export type Mode = 'memstore' | 'flush-each' | 'major' | 'mixed' | 'reopen';
export const MODES: Mode[] = ['memstore', 'flush-each', 'major', 'mixed', 'reopen'];

export interface Writer {
  mutate(m: Mutation): Promise<void>;
  /** The region as it is now (reopen mode swaps it). */
  region(): Region;
}

/** Applies `writes` through the mode, prepares reads, and returns the region to read from. */
export async function runMode(h: Harness, mode: Mode, writes: (w: Writer) => Promise<void>): Promise<Region> {
  let region = await h.open();
  let count = 0;
  const w: Writer = {
    region: () => region,
    mutate: async (m) => {
      await region.mutate(m);
      count++;
      if (mode === 'flush-each' || mode === 'major') await region.flush();
      if (mode === 'mixed' && count % 2 === 1) await region.flush();
      if (mode === 'reopen' && count % 2 === 0) await region.flush();
    },
  };
  await writes(w);
  if (mode === 'major') await region.compact(true);
  if (mode === 'mixed') await region.compact(false);
  if (mode === 'reopen') {
    await region.close({ flush: false });
    region = await h.open();
  }
  return region;
}
