// Proves that split daughters and merged regions serve exactly their rows through references to the parents' files, take sequence ids above the parents', rewrite the references by compaction, and that a parent's directory goes only when nothing references it.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../common/clock.js';
import { DEFAULT_CONFIG } from '../../../common/config.js';
import { encodeRegionName } from '../../../common/table-names.js';
import type { RegionInfo } from '../../../regionserver/region/api.js';
import { regionDir } from '../../../regionserver/region/identity.js';
import { readManifest } from '../../../regionserver/region/manifest.js';
import { Region } from '../../../regionserver/region/region.js';
import { mergeRegionsOnDisk, middleRow, removeRetiredRegion, splitRegionOnDisk } from '../../../regionserver/region/split.js';
import { openManifestEntry } from '../../../regionserver/storage/reference-file.js';
import { MemoryWal, MemoryWalStorage } from '../../../regionserver/wal/memory-wal.js';
import { b, family, put } from '../region/fixtures.js';

const TABLE = 'default:t';
const families = [family('cf'), family('other')];
const clock = new ManualClock(1_700_000_000_000);

function info(start: string, end: string, regionId: number): RegionInfo {
  return { table: TABLE, startKey: b(start), endKey: b(end), regionId, encodedName: encodeRegionName(TABLE, b(start), regionId) };
}

describe('reference files: split and merge on the shared data root', () => {
  let root: string;
  let wal: MemoryWal;
  const open = (region: RegionInfo, openEpoch = 1) =>
    Region.open({ info: region, families, dir: regionDir(root, region), wal, openEpoch, clock, config: DEFAULT_CONFIG.regionserver });
  const rowsOf = async (region: Region): Promise<string[]> => {
    const out: string[] = [];
    const scanner = region.scan({});
    for (;;) {
      const { rows, more } = await scanner.next(1000, 1 << 30);
      for (const r of rows) out.push(`${r.row.toString()}=${r.cells.map((c) => `${c.family}:${c.value.toString()}`).join(',')}`);
      if (!more) break;
    }
    return out;
  };
  const reversedRows = async (region: Region): Promise<string[]> => {
    const out: string[] = [];
    const scanner = region.scan({ reversed: true });
    for (;;) {
      const { rows, more } = await scanner.next(1000, 1 << 30);
      for (const r of rows) out.push(r.row.toString());
      if (!more) break;
    }
    return out;
  };
  const key = (i: number) => `row-${String(i).padStart(3, '0')}`;

  /** A parent [start, end) holding rows 0..n-1 in two flushed files per family. */
  async function parentWithRows(parent: RegionInfo, n: number): Promise<void> {
    const region = await open(parent);
    for (let i = 0; i < n; i++) {
      await region.put({ row: b(key(i)), cells: [put('cf', 'q', `v${i}`), ...(i % 3 === 0 ? [put('other', 'q', `o${i}`)] : [])] });
      if (i === Math.floor(n / 3)) await region.flush();
    }
    await region.close(); // flushes the rest
  }

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'basalt-split-'));
    wal = new MemoryWal({ storage: new MemoryWalStorage() });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('splits at the middle row: each daughter serves exactly its half, forwards and reversed, and writes above every parent sequence id', async () => {
    const parent = info('', '', 1);
    await parentWithRows(parent, 40);
    const result = await splitRegionOnDisk({ dataRoot: root, parent, daughterRegionId: 2 });
    expect(result.splitKey.toString()).toBe(key(20));
    const [lowerInfo, upperInfo] = result.daughters;
    expect(lowerInfo.endKey.toString()).toBe(key(20));
    expect(upperInfo.startKey.toString()).toBe(key(20));

    const lower = await open(lowerInfo);
    const upper = await open(upperInfo);
    const all = [...(await rowsOf(lower)), ...(await rowsOf(upper))];
    expect(all).toHaveLength(40);
    expect(all[0]).toBe('row-000=cf:v0,other:o0');
    expect(new Set(all.map((r) => r.split('=')[0])).size).toBe(40);
    expect((await rowsOf(lower)).every((r) => r < key(20))).toBe(true);
    expect(await reversedRows(lower)).toEqual([...Array(20).keys()].map((i) => key(19 - i)));
    expect(await reversedRows(upper)).toEqual([...Array(20).keys()].map((i) => key(39 - i)));
    // A row the parent's file holds but this daughter does not own is never served by it.
    const foreign = await lower.get({ row: b(key(25)) }).then((r) => r?.cells.length ?? 0, (err: { code?: string }) => err.code);
    expect(foreign === 0 || foreign === 'WRONG_REGION').toBe(true);
    expect(await upper.get({ row: b(key(25)) }).then((r) => r?.cells[0]?.value.toString())).toBe('v25');

    expect(lower.load().maxSequenceId).toBeGreaterThan(result.parentMaxSequenceId);
    await upper.put({ row: b(key(25)), cells: [put('cf', 'q', 'new')] });
    expect(await upper.get({ row: b(key(25)) }).then((r) => r?.cells[0]?.value.toString())).toBe('new');
    await lower.close();
    await upper.close();
  });

  it('finds the same middle row when the files are read in slices with yields in between', async () => {
    const parent = info('', '', 1);
    await parentWithRows(parent, 41);
    const dir = regionDir(root, parent);
    const manifest = readManifest(dir);
    const files = Object.entries(manifest.stores).flatMap(([fam, entries]) => entries.map((e) => openManifestEntry(dir, fam, e)));
    try {
      const whole = await middleRow(files, parent);
      expect(whole?.toString()).toBe(key(20));
      for (const slice of [1, 2, 3, 7]) expect((await middleRow(files, parent, slice))?.toString()).toBe(key(20));
    } finally {
      for (const f of files) f.closeForStore();
    }
  });

  it('is idempotent: a repeated split gives the same daughters and leaves their manifests alone', async () => {
    const parent = info('', '', 1);
    await parentWithRows(parent, 10);
    const first = await splitRegionOnDisk({ dataRoot: root, parent, daughterRegionId: 5 });
    const again = await splitRegionOnDisk({ dataRoot: root, parent, daughterRegionId: 5 });
    expect(again.splitKey).toEqual(first.splitKey);
    expect(again.daughters.map((d) => d.encodedName)).toEqual(first.daughters.map((d) => d.encodedName));
  });

  it('refuses a split key outside the region, a region without rows, and a daughter id not above the parent', async () => {
    const parent = info('b', 'm', 1);
    const region = await open(parent);
    await region.close();
    await expect(splitRegionOnDisk({ dataRoot: root, parent, daughterRegionId: 2 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'splitKey' } });
    await expect(splitRegionOnDisk({ dataRoot: root, parent, splitKey: b('b'), daughterRegionId: 2 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'splitKey' } });
    await expect(splitRegionOnDisk({ dataRoot: root, parent, splitKey: b('z'), daughterRegionId: 2 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(splitRegionOnDisk({ dataRoot: root, parent, splitKey: b('c'), daughterRegionId: 1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'daughterRegionId' } });
    expect(readdirSync(join(root, 'data', 'default', 't'))).toEqual([parent.encodedName]);
  });

  it('a major compaction rewrites a daughter’s references into its own files; the parent directory goes once neither daughter references it', async () => {
    const parent = info('', '', 1);
    await parentWithRows(parent, 30);
    const { daughters } = await splitRegionOnDisk({ dataRoot: root, parent, splitKey: b(key(10)), daughterRegionId: 2 });
    // A daughter still referencing its parent cannot be split again.
    await expect(splitRegionOnDisk({ dataRoot: root, parent: daughters[0], splitKey: b(key(5)), daughterRegionId: 3 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    // Opening a daughter with references starts its major compaction; compact() queues behind it.
    const lower = await open(daughters[0]);
    const lowerRows = await rowsOf(lower);
    await lower.compact(true);
    expect(lower.referenceFileCount()).toBe(0);
    expect(removeRetiredRegion({ dataRoot: root, region: parent })).toEqual({ removed: false, referencedBy: [daughters[1].encodedName] });
    const upper = await open(daughters[1]);
    const before = [...lowerRows, ...(await rowsOf(upper))];
    expect(before).toHaveLength(30);
    await upper.compact(true);
    expect(upper.referenceFileCount()).toBe(0);
    expect(Object.values(readManifest(regionDir(root, daughters[1])).stores).flat().every((f) => f.reference === undefined)).toBe(true);
    expect(existsSync(regionDir(root, parent))).toBe(true);
    expect(removeRetiredRegion({ dataRoot: root, region: parent })).toEqual({ removed: true, referencedBy: [] });
    expect(existsSync(regionDir(root, parent))).toBe(false);

    expect([...(await rowsOf(lower)), ...(await rowsOf(upper))]).toEqual(before);
    // The compacted daughter holds only its own rows.
    expect((await rowsOf(upper)).length).toBe(20);
    await lower.close();
    await upper.close();
    // Reopened from their own files alone.
    const again = await open(daughters[1], 2);
    expect((await rowsOf(again)).length).toBe(20);
    await again.close();
  });

  it('merges two adjacent regions into one that serves both, and refuses regions that are not adjacent', async () => {
    const a = info('', 'row-010', 1);
    const c = info('row-010', '', 1);
    const ra = await open(a);
    const rc = await open(c);
    for (let i = 0; i < 20; i++) await (i < 10 ? ra : rc).put({ row: b(key(i)), cells: [put('cf', 'q', `v${i}`)] });
    await ra.close();
    await rc.close();
    const merged = info('', '', 2);
    await expect(mergeRegionsOnDisk({ dataRoot: root, parents: [c, a], merged })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'parents' } });
    await mergeRegionsOnDisk({ dataRoot: root, parents: [a, c], merged });
    const m = await open(merged);
    expect((await rowsOf(m)).map((r) => r.split('=')[0])).toEqual([...Array(20).keys()].map(key));
    await m.compact(true);
    expect(m.referenceFileCount()).toBe(0);
    await m.close();
    expect(removeRetiredRegion({ dataRoot: root, region: a }).removed).toBe(true);
    expect(removeRetiredRegion({ dataRoot: root, region: c }).removed).toBe(true);
    expect(readdirSync(join(root, 'data', 'default', 't'))).toEqual([merged.encodedName]);
  });

  it('daughters of a split and the region of a merge know the parents’ recent nonces: a retried increment applies once', async () => {
    const counter = (amount: bigint) => ({ family: 'cf', qualifier: b('n'), amount });
    const parent = info('', '', 1);
    const p = await open(parent);
    for (let i = 0; i < 10; i++) await p.put({ row: b(key(i)), cells: [put('cf', 'q', `v${i}`)] });
    expect((await p.increment({ row: b(key(8)), columns: [counter(5n)], nonce: 'g:1' }))[0]!.value).toBe(5n);
    await p.close(); // flushes: the manifest keeps the nonce
    const [lowerInfo, upperInfo] = (await splitRegionOnDisk({ dataRoot: root, parent, splitKey: b(key(5)), daughterRegionId: 2 })).daughters;
    const upper = await open(upperInfo);
    // The client's retry (its first answer was lost) reaches the daughter that now holds the row.
    expect((await upper.increment({ row: b(key(8)), columns: [counter(5n)], nonce: 'g:1' }))[0]!.value).toBe(5n);
    expect((await upper.increment({ row: b(key(8)), columns: [counter(5n)], nonce: 'g:2' }))[0]!.value).toBe(10n);
    await upper.close();
    const lower = await open(lowerInfo);
    expect((await lower.increment({ row: b(key(1)), columns: [counter(1n)], nonce: 'g:3' }))[0]!.value).toBe(1n);
    await lower.close();
    const merged = info('', '', 3);
    await mergeRegionsOnDisk({ dataRoot: root, parents: [lowerInfo, upperInfo], merged });
    const m = await open(merged);
    expect((await m.increment({ row: b(key(8)), columns: [counter(5n)], nonce: 'g:2' }))[0]!.value).toBe(10n);
    expect((await m.increment({ row: b(key(1)), columns: [counter(1n)], nonce: 'g:3' }))[0]!.value).toBe(1n);
    expect((await m.increment({ row: b(key(1)), columns: [counter(1n)], nonce: 'g:4' }))[0]!.value).toBe(2n);
    await m.close();
  });
});
