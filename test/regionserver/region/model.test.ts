/**
 * Proves reads match a simple reference model (apply each column's writes in order, keep VERSIONS
 * newest, deletes remove only what exists; TTL and MIN_VERSIONS applied when reading) under random
 * puts and deletes, with random flushes, minor and major compactions, reopens and clock advances in
 * between. Seeded; the seed and the operation trace are printed on failure.
 */
import { describe, expect, it } from 'vitest';
import { CellType } from '../../../common/cell.js';
import { SeededRandom } from '../../../common/random.js';
import type { FamilyDescriptor, MutationCell } from '../../../regionserver/region/api.js';
import type { Region } from '../../../regionserver/region/region.js';
import { b, family, harness } from './fixtures.js';

const PLAIN_FAMILIES: FamilyDescriptor[] = [
  family('a', { maxVersions: 1 }),
  family('b', { maxVersions: 3, bloomFilter: 'ROWCOL' }),
  family('k', { maxVersions: 2, keepDeletedCells: 'TRUE', bloomFilter: 'NONE' }),
];
/** TTL of 4 s; timestamps T0 + k·1000 while the clock moves forward. */
const TTL_FAMILIES: FamilyDescriptor[] = [
  family('t', { maxVersions: 3, ttlSeconds: 4 }),
  family('m', { maxVersions: 3, ttlSeconds: 4, minVersions: 1, bloomFilter: 'ROWCOL' }),
  family('d', { maxVersions: 2, ttlSeconds: 4, keepDeletedCells: 'TTL' }),
];
/** The same, plus MIN_VERSIONS together with KEEP_DELETED_CELLS=TTL. */
const TTL_FAMILIES_MIN_KEEP: FamilyDescriptor[] = [
  ...TTL_FAMILIES,
  family('e', { maxVersions: 2, ttlSeconds: 4, minVersions: 1, keepDeletedCells: 'TTL', bloomFilter: 'ROWCOL' }),
];
const T0 = 1_700_000_000_000;
const ROWS = ['r1', 'r2', 'r3\u0000x', 'r4'];
const QUALIFIERS = ['', 'q', 'q\u0000', 'z'];
/** Fewer coordinates: more versions per column, so TTL, MIN_VERSIONS and deletes meet more often. */
const FEW_ROWS = ['r1', 'r2\u0000'];
const FEW_QUALIFIERS = ['', 'q'];

type Version = { ts: number; value: string };
/** row → family → qualifier → versions (timestamp ↓). */
type ModelState = Map<string, Map<string, Map<string, Version[]>>>;

class Model {
  readonly state: ModelState = new Map();
  /** row → its mutations as applied (a "latest" Delete with its resolved timestamp), for time travel. */
  private readonly history = new Map<string, MutationCell[][]>();

  constructor(
    private readonly families: FamilyDescriptor[],
    private readonly now: () => number,
  ) {}

  /** The versions a read sees: the newest MIN_VERSIONS, and the rest while not expired. */
  private visible(fam: string, list: Version[]): Version[] {
    const f = this.families.find((x) => x.name === fam)!;
    if (f.ttlSeconds === 0) return list;
    const oldest = this.now() - f.ttlSeconds * 1000;
    return list.filter((v, i) => i < f.minVersions || v.ts >= oldest);
  }

  private column(row: string, fam: string, q: string): Version[] {
    let r = this.state.get(row);
    if (!r) this.state.set(row, (r = new Map()));
    let f = r.get(fam);
    if (!f) r.set(fam, (f = new Map()));
    let c = f.get(q);
    if (!c) f.set(q, (c = []));
    return c;
  }

  private columns(row: string, fam: string): Version[][] {
    return [...(this.state.get(row)?.get(fam)?.values() ?? [])];
  }

  /** Applies one mutation: markers first, then puts (the region's "delete then put"). */
  apply(row: string, cells: MutationCell[]): void {
    const maxVersions = (fam: string): number => this.families.find((f) => f.name === fam)!.maxVersions;
    // "Latest" names a version of the row as it was before this mutation (the region stamps every
    // cell before applying any): the k-th such Delete of a column takes its k-th newest visible
    // version, whatever other markers of the same mutation remove first.
    const latest = new Map<string, number[]>();
    const latestUsed = new Map<string, number>();
    for (const c of cells) {
      if (c.type !== CellType.Delete || c.timestamp !== undefined) continue;
      const key = `${c.family}\u0000${c.qualifier!.toString('latin1')}`;
      if (!latest.has(key)) latest.set(key, this.visible(c.family, this.column(row, c.family, c.qualifier!.toString('latin1'))).map((v) => v.ts));
    }
    const resolved = cells.map((c) => ({ ...c }));
    for (const [index, c] of cells.entries()) {
      if (c.type === CellType.Put) continue;
      const q = c.qualifier?.toString('latin1') ?? '';
      const remove = (list: Version[], keep: (v: Version) => boolean): void => {
        const kept = list.filter(keep);
        list.length = 0;
        list.push(...kept);
      };
      switch (c.type) {
        case CellType.Delete: {
          const list = this.column(row, c.family, q);
          let ts = c.timestamp;
          if (ts === undefined) {
            const key = `${c.family}\u0000${q}`;
            const used = latestUsed.get(key) ?? 0;
            latestUsed.set(key, used + 1);
            ts = latest.get(key)![used];
            resolved[index]!.timestamp = ts ?? this.now();
          }
          if (ts !== undefined) remove(list, (v) => v.ts !== ts);
          break;
        }
        case CellType.DeleteColumn:
          remove(this.column(row, c.family, q), (v) => v.ts > c.timestamp!);
          break;
        case CellType.DeleteFamily:
          for (const list of this.columns(row, c.family)) remove(list, (v) => v.ts > c.timestamp!);
          break;
        case CellType.DeleteFamilyVersion:
          for (const list of this.columns(row, c.family)) remove(list, (v) => v.ts !== c.timestamp);
          break;
      }
    }
    for (const c of cells.filter((x) => x.type === CellType.Put)) {
      const list = this.column(row, c.family, c.qualifier!.toString('latin1'));
      const i = list.findIndex((v) => v.ts === c.timestamp);
      if (i >= 0) list[i] = { ts: c.timestamp!, value: c.value!.toString('latin1') };
      else list.push({ ts: c.timestamp!, value: c.value!.toString('latin1') });
      list.sort((x, y) => y.ts - x.ts);
      if (list.length > maxVersions(c.family)) list.length = maxVersions(c.family);
    }
    let h = this.history.get(row);
    if (!h) this.history.set(row, (h = []));
    h.push(resolved);
  }

  /** The model's answer to "get row, all versions" (optionally one column, a time range), in cell order. */
  read(row: string, only?: { family: string; qualifier: string }, range?: { min: number; max: number }, past = false): string[] {
    const travels = (fam: string): boolean => this.families.find((f) => f.name === fam)!.keepDeletedCells === 'TRUE';
    if (range && !past && this.families.some((f) => travels(f.name))) {
      // KEEP_DELETED_CELLS=TRUE: the row as it reads without the markers at or after the range's end.
      const then = new Model(this.families, this.now);
      for (const m of this.history.get(row) ?? []) then.apply(row, m.filter((c) => c.type === CellType.Put || !travels(c.family) || c.timestamp! < range.max));
      return then.read(row, only, range, true);
    }
    const out: string[] = [];
    const r = this.state.get(row);
    if (!r) return out;
    for (const fam of [...r.keys()].sort()) {
      if (only && fam !== only.family) continue;
      const f = r.get(fam)!;
      for (const q of [...f.keys()].sort((x, y) => Buffer.compare(Buffer.from(x, 'latin1'), Buffer.from(y, 'latin1')))) {
        if (only && q !== only.qualifier) continue;
        for (const v of this.visible(fam, f.get(q)!)) if (!range || (v.ts >= range.min && v.ts < range.max)) out.push(`${fam}:${JSON.stringify(q)}@${v.ts}=${v.value}`);
      }
    }
    return out;
  }
}

async function readRegion(region: Region, row: string, only?: { family: string; qualifier: string }, range?: { min: number; max: number }): Promise<string[]> {
  const got = await region.get({
    row: Buffer.from(row, 'latin1'),
    maxVersions: 10,
    ...(only ? { columns: [{ family: only.family, qualifier: Buffer.from(only.qualifier, 'latin1') }] } : {}),
    ...(range ? { timeRange: range } : {}),
  });
  return (got?.cells ?? []).map((c) => `${c.family}:${JSON.stringify(c.qualifier.toString('latin1'))}@${c.timestamp}=${c.value.toString('latin1')}`);
}

function randomMutation(rnd: SeededRandom, counter: { n: number }, families: FamilyDescriptor[], timestamp: () => number, QUALIFIERS: string[]): MutationCell[] {
  const cells: MutationCell[] = [];
  const count = 1 + rnd.int(3);
  for (let i = 0; i < count; i++) {
    const fam = families[rnd.int(families.length)]!.name;
    const qualifier = Buffer.from(QUALIFIERS[rnd.int(QUALIFIERS.length)]!, 'latin1');
    const ts = timestamp();
    const p = rnd.next();
    if (p < 0.6) cells.push({ family: fam, qualifier, timestamp: ts, type: CellType.Put, value: b(`v${counter.n++}`) });
    else if (p < 0.7) cells.push({ family: fam, qualifier, timestamp: ts, type: CellType.Delete });
    else if (p < 0.75) cells.push({ family: fam, qualifier, type: CellType.Delete });
    else if (p < 0.85) cells.push({ family: fam, qualifier, timestamp: ts, type: CellType.DeleteColumn });
    else if (p < 0.93) cells.push({ family: fam, timestamp: ts, type: CellType.DeleteFamily });
    else cells.push({ family: fam, timestamp: ts, type: CellType.DeleteFamilyVersion });
  }
  return cells;
}

interface Variant {
  families: FamilyDescriptor[];
  /** A random timestamp for a write, and the low end of random time ranges. */
  timestamp: (rnd: SeededRandom, nowMs: number) => number;
  /** Time ranges span 1 + (0..2) × this. */
  rangeStep: number;
  /** Milliseconds the clock may move per step (0 = never). */
  clockStepMs: number;
  runs: number;
  rows: string[];
  qualifiers: string[];
}

async function runAgainstModel(variant: Variant): Promise<void> {
  const FAMILIES = variant.families;
  const ROWS = variant.rows;
  const QUALIFIERS = variant.qualifiers;
  const baseSeed = Number(process.env.BASALT_SEED ?? Date.now() % 1_000_000);
  for (let run = 0; run < variant.runs; run++) {
      const seed = baseSeed + run;
      const rnd = new SeededRandom(seed);
      const h = harness({ families: FAMILIES, config: { compactionMinFiles: 3, compactionMaxFiles: 3, maxStoreFiles: 5 } });
      h.clock.set(T0);
      const model = new Model(FAMILIES, () => h.clock.now());
      const counter = { n: 0 };
      const trace: string[] = [];
      let region = await h.open();
      try {
        const STEPS = Number(process.env.BASALT_MODEL_STEPS ?? 60);
        for (let step = 0; step < STEPS; step++) {
          const p = rnd.next();
          if (p < 0.08) {
            trace.push('flush');
            await region.flush();
          } else if (p < 0.11) {
            trace.push('minor');
            await region.compact(false);
          } else if (p < 0.14) {
            trace.push('major');
            await region.compact(true);
          } else if (p < 0.19 && variant.clockStepMs > 0) {
            const ms = rnd.int(variant.clockStepMs);
            trace.push(`clock +${ms}`);
            h.clock.advance(ms);
          } else if (p < 0.21) {
            trace.push('reopen');
            await region.close({ flush: rnd.next() < 0.5 });
            region = await h.open();
          } else {
            const row = ROWS[rnd.int(ROWS.length)]!;
            const cells = randomMutation(rnd, counter, FAMILIES, () => variant.timestamp(rnd, h.clock.now()), QUALIFIERS);
            trace.push(`${row}: ${cells.map((c) => `${CellType[c.type]} ${c.family}:${JSON.stringify(c.qualifier?.toString('latin1'))}@${c.timestamp}`).join(', ')}`);
            // The model resolves "latest" deletes against the state before the mutation, as the region does.
            model.apply(row, cells);
            await region.mutate({ row: Buffer.from(row, 'latin1'), cells });
          }
          if (step % 10 === 9 || step === STEPS - 1) {
            for (const row of ROWS) {
              const expected = model.read(row);
              const actual = await readRegion(region, row);
              if (JSON.stringify(actual) !== JSON.stringify(expected)) {
                console.log(`model mismatch: seed ${seed} (BASALT_SEED=${baseSeed}, run ${run}) step ${step} row ${JSON.stringify(row)}\n${trace.join('\n')}`);
              }
              expect(actual, `seed ${seed} row ${row}`).toEqual(expected);
              // One column, and a time range: exercises bloom (ROWCOL) and time-range file skipping.
              const only = { family: FAMILIES[rnd.int(FAMILIES.length)]!.name, qualifier: QUALIFIERS[rnd.int(QUALIFIERS.length)]! };
              const min = variant.timestamp(rnd, h.clock.now());
              const range = { min, max: min + 1 + rnd.int(3) * variant.rangeStep };
              expect(await readRegion(region, row, only), `seed ${seed} row ${row} column ${JSON.stringify(only)}`).toEqual(model.read(row, only));
              expect(await readRegion(region, row, undefined, range), `seed ${seed} row ${row} range ${JSON.stringify(range)}`).toEqual(model.read(row, undefined, range));
            }
          }
        }
        // And a scan sees exactly the rows the model has.
        const scanner = region.scan({ maxVersions: 10 });
        const { rows } = await scanner.next(100, 1e9);
        const scanned = rows.map((r) => r.row.toString('latin1'));
        const modelRows = ROWS.filter((r) => model.read(r).length > 0).sort((x, y) => Buffer.compare(Buffer.from(x, 'latin1'), Buffer.from(y, 'latin1')));
        expect(scanned, `seed ${seed}`).toEqual(modelRows);
      } finally {
        await region.close();
        h.cleanup();
      }
  }
}

describe('region against a reference model', () => {
  it('random puts and deletes read the same as the model, across random flushes, compactions and reopens', async () => {
    await runAgainstModel({ families: PLAIN_FAMILIES, timestamp: (rnd) => 1 + rnd.int(6), rangeStep: 1, clockStepMs: 0, runs: 10, rows: ROWS, qualifiers: QUALIFIERS });
  });

  it('with TTL, MIN_VERSIONS and KEEP_DELETED_CELLS=TTL, reads match the model while the clock moves and compactions drop expired cells', async () => {
    await runAgainstModel({ families: TTL_FAMILIES, timestamp: (rnd) => T0 + rnd.int(8) * 1000, rangeStep: 1000, clockStepMs: 2500, runs: 6, rows: FEW_ROWS, qualifiers: FEW_QUALIFIERS });
  });

  // Timestamps around the moving clock (from 5 s in the past: some writes are expired at once),
  // so expiry meets deletes, MIN_VERSIONS and compactions far more often than with fixed ones.
  it('with writes around the moving clock, some expired when written, reads match the model through TTL, MIN_VERSIONS and KEEP_DELETED_CELLS=TTL', async () => {
    await runAgainstModel({ families: TTL_FAMILIES_MIN_KEEP, timestamp: (rnd, now) => Math.floor(now / 1000) * 1000 - 5000 + rnd.int(8) * 1000, rangeStep: 1000, clockStepMs: 3000, runs: 5, rows: FEW_ROWS, qualifiers: FEW_QUALIFIERS });
  });
});
