/**
 * Proves that every write under the shared root is fenced by the open epoch and the lease: a
 * superseded open (a paused server that resumes after its region moved) can neither replace the new
 * owner's manifest nor delete files it references, its background flush and compaction are refused
 * once its lease lapsed, and a region closed after the lease lapsed does not flush.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CellType } from '../../../common/cell.js';
import { ManualClock } from '../../../common/clock.js';
import { DEFAULT_CONFIG } from '../../../common/config.js';
import { BasaltError, ErrorCodes } from '../../../common/errors.js';
import { encodeRegionName } from '../../../common/table-names.js';
import type { RegionInfo } from '../../../regionserver/region/api.js';
import { readManifest } from '../../../regionserver/region/manifest.js';
import { Region, type RegionFence } from '../../../regionserver/region/region.js';
import { MemoryWal, MemoryWalStorage } from '../../../regionserver/wal/memory-wal.js';
import { serverWalDir } from '../../../regionserver/wal/root-reader.js';
import { family } from '../region/fixtures.js';

const info: RegionInfo = { table: 'default:t', startKey: Buffer.alloc(0), endKey: Buffer.alloc(0), regionId: 1, encodedName: encodeRegionName('default:t', Buffer.alloc(0), 1) };

/** A lease that a test can let lapse. */
class ToggleFence implements RegionFence {
  valid = true;
  checkWritable(): void {
    if (!this.valid) throw new BasaltError(ErrorCodes.FENCED, 'lease lapsed (test)');
  }
}

let dir: string;
let storage: MemoryWalStorage;
const clock = new ManualClock(1_700_000_000_000);
const opened: Region[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'basalt-root-fencing-'));
  storage = new MemoryWalStorage();
});

afterEach(async () => {
  for (const r of opened.splice(0)) await r.close({ flush: false }).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

async function openOn(server: string, openEpoch: number, fence?: RegionFence): Promise<Region> {
  const wal = new MemoryWal({ storage, dir: serverWalDir('/root', server), replayRoot: '/root' });
  const region = await Region.open({
    info,
    families: [family('cf')],
    dir: join(dir, 'region'),
    wal,
    openEpoch,
    clock,
    config: { ...DEFAULT_CONFIG.regionserver, compactionMinFiles: 100, majorCompactionPeriodMs: 0 },
    ...(fence ? { fence } : {}),
  });
  opened.push(region);
  return region;
}

async function put(region: Region, row: string): Promise<void> {
  clock.advance(1);
  await region.put({ row: Buffer.from(row), cells: [{ family: 'cf', qualifier: Buffer.from('q'), type: CellType.Put, value: Buffer.from(`v-${row}`) }] });
}

async function putRows(region: Region, prefix: string, from: number, to: number): Promise<string[]> {
  const rows: string[] = [];
  for (let i = from; i < to; i++) {
    const row = `${prefix}${String(i).padStart(3, '0')}`;
    await put(region, row);
    rows.push(row);
  }
  return rows;
}

async function missingRows(region: Region, rows: string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const row of rows) if ((await region.get({ row: Buffer.from(row) }))?.cells[0]?.value.toString() !== `v-${row}`) missing.push(row);
  return missing;
}

/** Every store file the newest manifest lists exists on disk. */
function listedFilesExist(): boolean {
  const manifest = readManifest(join(dir, 'region'));
  return Object.entries(manifest.stores).every(([fam, files]) => files.every((f) => existsSync(join(dir, 'region', fam, f.name))));
}

describe('fencing of the shared root by open epoch and lease', () => {
  it('a resumed zombie whose lease lapsed has its flush and compaction refused, and the next owner finds every write the new owner acknowledged', async () => {
    const fenceA = new ToggleFence();
    const a = await openOn('A', 1, fenceA);
    const acked = await putRows(a, 'a', 0, 5);
    await a.flush();
    acked.push(...(await putRows(a, 'a', 5, 10)));
    // A pauses here; B opens the region at epoch 2, writes and flushes.
    const b = await openOn('B', 2);
    acked.push(...(await putRows(b, 'b', 0, 5)));
    await b.flush();
    acked.push(...(await putRows(b, 'b', 5, 10)));
    const manifestOfB = readFileSync(join(dir, 'region', 'manifest-2.json'));
    // A resumes with a flush and a compaction pending; its lease has lapsed.
    fenceA.valid = false;
    await expect(a.flush()).rejects.toMatchObject({ code: ErrorCodes.FENCED });
    await expect(a.compact(true)).rejects.toMatchObject({ code: ErrorCodes.FENCED });
    expect(readFileSync(join(dir, 'region', 'manifest-2.json')).equals(manifestOfB)).toBe(true);
    expect(readManifest(join(dir, 'region')).writerEpoch).toBe(2);
    expect(listedFilesExist()).toBe(true);
    // B is killed (no flush); C opens at epoch 3.
    await b.close({ flush: false });
    const c = await openOn('C', 3);
    expect(await missingRows(c, acked)).toEqual([]);
  });

  it('a superseded open whose lease check still passed can neither replace the newer manifest nor delete the files it lists', async () => {
    const a = await openOn('A', 1);
    const acked: string[] = [];
    for (let f = 0; f < 3; f++) {
      acked.push(...(await putRows(a, `a${f}-`, 0, 4)));
      await a.flush();
    }
    const b = await openOn('B', 2);
    acked.push(...(await putRows(b, 'b', 0, 4)));
    await b.flush();
    await expect(a.compact(true)).rejects.toMatchObject({ code: ErrorCodes.FENCED });
    await expect(a.flush()).resolves.toBeTypeOf('number'); // Nothing left to flush: no write at all.
    await put(a, 'zombie');
    await expect(a.flush()).rejects.toMatchObject({ code: ErrorCodes.FENCED });
    expect(readManifest(join(dir, 'region')).writerEpoch).toBe(2);
    expect(listedFilesExist()).toBe(true);
    await b.close({ flush: false });
    const c = await openOn('C', 3);
    expect(await missingRows(c, acked)).toEqual([]);
    // The zombie's write was acknowledged by nobody that still owned the region: replay drops it.
    expect(await c.get({ row: Buffer.from('zombie') })).toBeUndefined();
  });

  it('an open with an epoch older than the newest manifest is refused FENCED and changes nothing', async () => {
    const b = await openOn('B', 2);
    await putRows(b, 'b', 0, 3);
    await b.flush();
    await b.close();
    const before = readdirSync(join(dir, 'region'), { recursive: true }).map(String).sort();
    await expect(openOn('A', 1)).rejects.toMatchObject({ code: ErrorCodes.FENCED, details: { newerEpoch: 2 } });
    expect(readdirSync(join(dir, 'region'), { recursive: true }).map(String).sort()).toEqual(before);
  });

  it('a region closed after its lease lapsed does not flush; the log still holds its edits', async () => {
    const fence = new ToggleFence();
    const a = await openOn('A', 1, fence);
    const acked = await putRows(a, 'a', 0, 5);
    const listing = (): string[] => readdirSync(join(dir, 'region'), { recursive: true }).map(String).sort();
    const before = listing();
    fence.valid = false;
    await a.close();
    expect(listing()).toEqual(before);
    expect(readManifest(join(dir, 'region')).maxFlushedSequenceId).toBe(0);
    const b = await openOn('B', 2);
    expect(await missingRows(b, acked)).toEqual([]);
  });
});
