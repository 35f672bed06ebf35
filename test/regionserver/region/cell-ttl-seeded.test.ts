/** Proves, under seeded random puts with and without per-cell TTLs, deletes, whole-row deletes and a moving manual clock, that no read returns a cell past its own TTL (or past its family's TTL without MIN_VERSIONS) and that a flush, a major compaction and a crash-and-replay never change what a read returns at the moment they run. The seed is printed on failure. */
import { afterEach, describe, expect, it } from 'vitest';
import { CellType, EVERY_FAMILY } from '../../../common/cell.js';
import { SeededRandom } from '../../../common/random.js';
import type { MutationCell } from '../../../regionserver/region/api.js';
import type { Region } from '../../../regionserver/region/region.js';
import { MemoryWal } from '../../../regionserver/wal/memory-wal.js';
import { b, family, harness, show, type Harness } from './fixtures.js';

const FAMILIES = [family('v', { maxVersions: 3 }), family('f', { maxVersions: 2, ttlSeconds: 5 }), family('m', { maxVersions: 3, minVersions: 1, ttlSeconds: 5 })];
const ROWS = ['r0', 'r1', 'r2'];
const QUALIFIERS = ['a', 'b'];

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function readAll(region: Region): Promise<string[]> {
  const out: string[] = [];
  for (const row of ROWS) {
    const cells = (await region.get({ row: b(row), maxVersions: 3 }))?.cells ?? [];
    out.push(...show(cells).map((s) => `${row}/${s}`));
  }
  return out;
}

async function checkInvariants(region: Region, h: Harness, seed: number, step: number): Promise<void> {
  const now = h.clock.now();
  for (const row of ROWS) {
    for (const c of (await region.get({ row: b(row), maxVersions: 3 }))?.cells ?? []) {
      const where = `seed ${seed} step ${step}: ${row}/${show([c])[0]} ttl ${c.ttlMs} now ${now}`;
      if (c.ttlMs !== undefined) expect(c.timestamp + c.ttlMs >= now, where).toBe(true);
      if (c.family === 'f') expect(c.timestamp >= now - 5_000, where).toBe(true);
    }
  }
}

async function run(seed: number): Promise<void> {
  const rnd = new SeededRandom(seed);
  const h = harness({ families: FAMILIES });
  let region = await h.open();
  cleanups.push(async () => {
    await region.close({ flush: false }).catch(() => undefined);
    await h.wal.close().catch(() => undefined);
    h.cleanup();
  });
  const pick = <T>(list: readonly T[]): T => list[rnd.int(list.length)]!;
  for (let step = 0; step < 80; step++) {
    const now = h.clock.now();
    const row = b(pick(ROWS));
    const fam = pick(FAMILIES).name;
    const timestamp = now - rnd.int(6) * 1_000;
    const op = rnd.int(10);
    let cells: MutationCell[];
    if (op < 6) {
      const ttl = rnd.int(3) === 0 ? undefined : (1 + rnd.int(8)) * 1_000;
      cells = [{ family: fam, qualifier: b(pick(QUALIFIERS)), type: CellType.Put, value: b(`s${step}`), timestamp, ...(ttl === undefined ? {} : { ttlMs: ttl }) }];
    } else if (op < 8) {
      cells = [{ family: fam, qualifier: b(pick(QUALIFIERS)), type: pick([CellType.Delete, CellType.DeleteColumn]), timestamp }];
    } else if (op < 9) {
      cells = [{ family: fam, type: CellType.DeleteFamily, timestamp }];
    } else {
      cells = [{ family: EVERY_FAMILY, type: CellType.DeleteFamily, timestamp }];
    }
    await region.mutate({ row, cells });
    if (rnd.int(2) === 0) h.clock.advance(rnd.int(4) * 700);
    await checkInvariants(region, h, seed, step);
    const action = rnd.int(15);
    if (action >= 3) continue;
    const before = await readAll(region);
    if (action === 0) {
      await region.flush();
    } else if (action === 1) {
      await region.flush();
      await region.compact(true);
    } else {
      await region.close({ flush: false });
      await h.wal.close();
      h.wal = new MemoryWal({ storage: h.storage });
      region = await h.open();
    }
    expect(await readAll(region), `seed ${seed} step ${step}: ${['flush', 'major compaction', 'replay'][action]} changed a read`).toEqual(before);
  }
}

describe('per-cell TTL under seeded random histories', () => {
  it('no read returns an expired cell, and flush, major compaction and replay leave reads unchanged', async () => {
    for (const seed of [1, 2, 3]) await run(seed);
  }, 60_000);
});
