/** Shared fixtures for region tests: a region in a temp dir over a MemoryWal, with a manual clock. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CellType, type Cell } from '../../../common/cell.js';
import { ManualClock } from '../../../common/clock.js';
import { DEFAULT_CONFIG, type RegionServerConfig } from '../../../common/config.js';
import type { FamilyDescriptor, MutationCell, RegionInfo } from '../../../regionserver/region/api.js';
import { Region } from '../../../regionserver/region/region.js';
import { MemoryWal, MemoryWalStorage } from '../../../regionserver/wal/memory-wal.js';

export const b = (s: string): Buffer => Buffer.from(s, 'utf8');

export function family(name: string, overrides: Partial<FamilyDescriptor> = {}): FamilyDescriptor {
  return { name, maxVersions: 1, minVersions: 0, ttlSeconds: 0, keepDeletedCells: 'FALSE', bloomFilter: 'ROW', inMemory: false, ...overrides };
}

export function regionInfo(startKey = '', endKey = ''): RegionInfo {
  return { table: 'default:t', startKey: b(startKey), endKey: b(endKey), regionId: 1, encodedName: 'r-test-1' };
}

export interface Harness {
  dir: string;
  clock: ManualClock;
  storage: MemoryWalStorage;
  wal: MemoryWal;
  config: RegionServerConfig;
  families: FamilyDescriptor[];
  info: RegionInfo;
  open(): Promise<Region>;
  cleanup(): void;
}

export function harness(options: { families?: FamilyDescriptor[]; config?: Partial<RegionServerConfig>; info?: RegionInfo } = {}): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'basalt-region-'));
  const storage = new MemoryWalStorage();
  const h: Harness = {
    dir,
    clock: new ManualClock(1_700_000_000_000),
    storage,
    wal: new MemoryWal({ storage }),
    config: { ...DEFAULT_CONFIG.regionserver, ...options.config },
    families: options.families ?? [family('cf')],
    info: options.info ?? regionInfo(),
    open: () => Region.open({ info: h.info, families: h.families, dir: join(dir, 'region'), wal: h.wal, openEpoch: 1, clock: h.clock, config: h.config }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  return h;
}

export function put(fam: string, qualifier: string, value: string, timestamp?: number): MutationCell {
  return { family: fam, qualifier: b(qualifier), value: b(value), type: CellType.Put, ...(timestamp === undefined ? {} : { timestamp }) };
}

export function del(type: CellType, fam: string, qualifier: string | undefined, timestamp?: number): MutationCell {
  return { family: fam, type, ...(qualifier === undefined ? {} : { qualifier: b(qualifier) }), ...(timestamp === undefined ? {} : { timestamp }) };
}

/** A compact, comparable picture of cells: "cf:q@ts=value" (markers as "cf:q@ts#type"). */
export function show(cells: readonly Cell[] | undefined): string[] {
  return (cells ?? []).map((c) =>
    c.type === CellType.Put ? `${c.family}:${c.qualifier.toString()}@${c.timestamp}=${c.value.toString()}` : `${c.family}:${c.qualifier.toString()}@${c.timestamp}#${CellType[c.type]}`,
  );
}

/** The regions a test file opens: `closeAll()` (from afterEach) closes each without flushing, then its WAL, and removes its temp dir. */
export class OpenedRegions {
  private readonly open: Array<{ h: Harness; region: Region }> = [];

  /** Opens a region with these families over a fresh harness; t0 is the manual clock's time at open. */
  async start(families: FamilyDescriptor[]): Promise<{ h: Harness; region: Region; t0: number }> {
    const h = harness({ families });
    const region = await h.open();
    this.track(h, region);
    return { h, region, t0: h.clock.now() };
  }

  /** Adds a region the test reopened over one of its harnesses. */
  track(h: Harness, region: Region): void {
    this.open.push({ h, region });
  }

  async closeAll(): Promise<void> {
    for (const { h, region } of this.open.splice(0)) {
      await region.close({ flush: false }).catch(() => undefined);
      await h.wal.close().catch(() => undefined);
      h.cleanup();
    }
  }
}
