/**
 * The region server's half of split and merge: writing the new regions' directories whose
 * manifests reference the parents' store files (storage/reference-file.ts), and removing a retired
 * parent's directory once nothing references it. The master's procedures
 * (master/procedures/split-merge.ts) call these through the admin RPCs while the parents are
 * closed, on any live server: all servers share the data root.
 *
 * Every operation is idempotent, because a procedure resumed by the next master repeats the step
 * it was in: the split key of a closed parent is a function of its (immutable) files, and a new
 * region whose manifest already exists is left as it is. The new manifests are written at writer
 * epoch 0; the region's first open (epoch 1) claims the directory as any open does.
 */
import { compareBytes } from '../../common/bytes.js';
import { BasaltError, ErrorCodes, invalidArgument } from '../../common/errors.js';
import { decodeRow, prefixUpperBound } from '../../common/keycodec.js';
import { encodeRegionName } from '../../common/table-names.js';
import { openManifestEntry, removeRegionDir, siblingRegionDirs } from '../storage/reference-file.js';
import type { StoreFileReader } from '../storage/store-file.js';
import type { RegionInfo } from './api.js';
import { regionDir, validateRegionIdentity } from './identity.js';
import { newestManifestEpoch, readManifest, writeManifest, type ManifestFile, type RegionManifest } from './manifest.js';
import { basename } from 'node:path';

const MANIFEST_FORMAT_VERSION = 1;

function containsKey(info: RegionInfo, key: Buffer): boolean {
  if (compareBytes(key, info.startKey) < 0) return false;
  return info.endKey.length === 0 || compareBytes(key, info.endKey) < 0;
}

/** The parent's manifest, checked to be its own and free of references. */
function parentManifest(dataRoot: string, parent: RegionInfo, field: string): { dir: string; manifest: RegionManifest } {
  validateRegionIdentity(parent, field);
  const dir = regionDir(dataRoot, parent);
  const manifest = readManifest(dir);
  const owner = manifest.region;
  if (owner && (owner.table !== parent.table || owner.encodedName !== parent.encodedName || owner.regionId !== parent.regionId)) {
    throw new BasaltError(ErrorCodes.CORRUPT_STORE_FILE, `region directory ${dir} belongs to ${owner.table} region ${owner.encodedName}`, { dir, region: owner.encodedName });
  }
  const references = Object.values(manifest.stores).reduce((n, files) => n + files.filter((f) => f.reference).length, 0);
  if (references > 0) {
    // HBase refuses too: a region still reading its own parent's files is compacted first.
    throw invalidArgument(field, `region ${parent.encodedName} still reads ${references} file(s) of its parent; compact it first`);
  }
  return { dir, manifest };
}

/** Opens every file the manifest lists (closed by the caller). */
function openAll(dir: string, manifest: RegionManifest): StoreFileReader[] {
  const out: StoreFileReader[] = [];
  try {
    for (const [family, files] of Object.entries(manifest.stores)) for (const entry of files) out.push(openManifestEntry(dir, family, entry));
  } catch (err) {
    for (const f of out) f.closeForStore();
    throw err;
  }
  return out;
}

async function closeAll(files: StoreFileReader[]): Promise<void> {
  for (const f of files) f.closeForStore();
  await Promise.all(files.map((f) => f.closed));
}

function maxSequenceIdOf(manifest: RegionManifest, files: readonly StoreFileReader[]): number {
  let max = manifest.maxFlushedSequenceId;
  for (const f of files) max = Math.max(max, f.meta.maxSequenceId);
  return max;
}

/** The distinct row prefixes of `files` in key order (a k-way merge; memory bounded by the file count). */
function* mergedRowPrefixes(files: readonly StoreFileReader[], start: Buffer): Generator<Buffer> {
  const iterators = files.map((f) => f.rows(start));
  const heads = iterators.map((it) => it.next());
  try {
    for (;;) {
      let best: Buffer | undefined;
      for (const h of heads) if (!h.done && (best === undefined || compareBytes(h.value.familyPrefix, best) < 0)) best = h.value.familyPrefix;
      if (best === undefined) return;
      for (let i = 0; i < heads.length; i++) {
        while (!heads[i]!.done && compareBytes((heads[i]!.value as { familyPrefix: Buffer }).familyPrefix, best) === 0) heads[i] = iterators[i]!.next();
      }
      yield best;
    }
  } finally {
    for (const it of iterators) it.return(undefined);
  }
}

/** Rows visited between yields to the event loop (a large region must not stall the server's keep-alives). */
const ROWS_PER_SLICE = 20_000;

/**
 * Visits the distinct row prefixes of `files` in order until `visit` returns false, in slices:
 * each slice is synchronous (LMDB cursors never live across an await) and the next one restarts
 * after the last prefix seen.
 */
async function forEachRowPrefix(files: readonly StoreFileReader[], rowsPerSlice: number, visit: (prefix: Buffer) => boolean): Promise<void> {
  let start: Buffer = Buffer.alloc(0);
  for (;;) {
    let visited = 0;
    let last: Buffer | undefined;
    for (const prefix of mergedRowPrefixes(files, start)) {
      if (!visit(prefix)) return;
      last = prefix;
      if (++visited >= rowsPerSlice) break;
    }
    if (visited < rowsPerSlice || last === undefined) return;
    start = prefixUpperBound(last);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * The middle row of the largest store (HBase's midkey of the largest store), by distinct rows over
 * its files, or undefined when no row above the region's start exists (an empty or one-row region
 * cannot split). Two passes over the files; the parent is closed, so its files do not change.
 */
export async function middleRow(files: readonly StoreFileReader[], parent: RegionInfo, rowsPerSlice = ROWS_PER_SLICE): Promise<Buffer | undefined> {
  const byFamily = new Map<string, { files: StoreFileReader[]; cells: number }>();
  for (const f of files) {
    const entry = byFamily.get(f.meta.family) ?? { files: [], cells: 0 };
    entry.files.push(f);
    entry.cells += f.meta.cellCount;
    byFamily.set(f.meta.family, entry);
  }
  const largest = [...byFamily.entries()].sort((a, b) => b[1].cells - a[1].cells || (a[0] < b[0] ? -1 : 1))[0]?.[1].files;
  if (!largest) return undefined;
  let rows = 0;
  await forEachRowPrefix(largest, rowsPerSlice, () => (rows++, true));
  let i = 0;
  let found: Buffer | undefined;
  await forEachRowPrefix(largest, rowsPerSlice, (prefix) => {
    if (i++ < Math.floor(rows / 2)) return true;
    const row = decodeRow(prefix);
    if (compareBytes(row, parent.startKey) > 0 && containsKey(parent, row)) found = row;
    return found === undefined;
  });
  return found;
}

/** Every file of `parent`, referenced with the row bounds of `bounds` (a daughter, or the parent itself in a merge). */
function referencesTo(parent: RegionInfo, manifest: RegionManifest, bounds: Pick<RegionInfo, 'startKey' | 'endKey'>): Record<string, ManifestFile[]> {
  const stores: Record<string, ManifestFile[]> = {};
  for (const [family, files] of Object.entries(manifest.stores)) {
    stores[family] = files.map((f) => ({
      name: f.name,
      sizeBytes: f.sizeBytes,
      headerCrc32: f.headerCrc32,
      reference: { region: parent.encodedName, startKey: bounds.startKey.toString('hex'), endKey: bounds.endKey.toString('hex') },
    }));
  }
  return stores;
}

/**
 * Writes a new region's first manifest unless it has one (idempotent re-runs). It carries the
 * parents' recent nonces (their closing flush kept them in their manifests): a retry of an
 * increment the parent applied just before the split reaches a daughter, which must know it.
 */
function writeNewRegion(dataRoot: string, info: RegionInfo, maxSequenceId: number, stores: Record<string, ManifestFile[]>, nonces: Array<[string, number]>): void {
  const dir = regionDir(dataRoot, info);
  if (newestManifestEpoch(dir) >= 0) {
    const existing = readManifest(dir);
    if (existing.region && existing.region.encodedName !== info.encodedName) {
      throw new BasaltError(ErrorCodes.CORRUPT_STORE_FILE, `region directory ${dir} belongs to region ${existing.region.encodedName}`, { dir });
    }
    return;
  }
  writeManifest(dir, {
    formatVersion: MANIFEST_FORMAT_VERSION,
    maxFlushedSequenceId: maxSequenceId,
    openEpoch: 0,
    writerEpoch: 0,
    region: { table: info.table, regionId: info.regionId, encodedName: info.encodedName },
    stores,
    ...(nonces.length > 0 ? { nonces: [...nonces].sort((x, y) => x[1] - y[1]) } : {}),
  });
}

export interface SplitResult {
  splitKey: Buffer;
  daughters: [RegionInfo, RegionInfo];
  parentMaxSequenceId: number;
}

/**
 * Creates the two daughters of a closed parent: [start, splitKey) and [splitKey, end), each
 * referencing every parent file with its half's bounds. Their first sequence id exceeds every id
 * in the parent's files: the manifest's max flushed id is the parent's maximum, and the open
 * continues after the highest id of the files it references.
 */
export async function splitRegionOnDisk(options: { dataRoot: string; parent: RegionInfo; splitKey?: Buffer | undefined; daughterRegionId: number }): Promise<SplitResult> {
  const { dataRoot, parent } = options;
  if (!Number.isSafeInteger(options.daughterRegionId) || options.daughterRegionId <= parent.regionId) {
    throw invalidArgument('daughterRegionId', `must be above the parent's region id ${parent.regionId}`);
  }
  const { dir, manifest } = parentManifest(dataRoot, parent, 'parent');
  const files = openAll(dir, manifest);
  try {
    let splitKey = options.splitKey;
    if (splitKey !== undefined) {
      if (compareBytes(splitKey, parent.startKey) <= 0 || !containsKey(parent, splitKey)) {
        throw invalidArgument('splitKey', `must lie strictly inside the region [${parent.startKey.toString('hex')}, ${parent.endKey.toString('hex')})`);
      }
    } else {
      splitKey = await middleRow(files, parent);
      if (splitKey === undefined) throw invalidArgument('splitKey', `region ${parent.encodedName} has no row to split at (empty or a single row)`);
    }
    const maxSequenceId = maxSequenceIdOf(manifest, files);
    const id = options.daughterRegionId;
    const lower: RegionInfo = { table: parent.table, startKey: parent.startKey, endKey: splitKey, regionId: id, encodedName: encodeRegionName(parent.table, parent.startKey, id) };
    const upper: RegionInfo = { table: parent.table, startKey: splitKey, endKey: parent.endKey, regionId: id, encodedName: encodeRegionName(parent.table, splitKey, id) };
    const nonces = manifest.nonces ?? [];
    writeNewRegion(dataRoot, lower, maxSequenceId, referencesTo(parent, manifest, lower), nonces);
    writeNewRegion(dataRoot, upper, maxSequenceId, referencesTo(parent, manifest, upper), nonces);
    return { splitKey, daughters: [lower, upper], parentMaxSequenceId: maxSequenceId };
  } finally {
    await closeAll(files);
  }
}

/** Creates the merged region of two closed, adjacent parents, referencing all their files. */
export async function mergeRegionsOnDisk(options: { dataRoot: string; parents: RegionInfo[]; merged: RegionInfo }): Promise<number> {
  const { dataRoot, parents, merged } = options;
  if (parents.length !== 2) throw invalidArgument('parents', 'exactly two adjacent regions');
  const [a, b] = parents as [RegionInfo, RegionInfo];
  if (a.table !== b.table || a.table !== merged.table) throw invalidArgument('parents', 'regions of one table');
  if (a.endKey.length === 0 || compareBytes(a.endKey, b.startKey) !== 0) throw invalidArgument('parents', 'the regions are not adjacent (in key order)');
  if (!merged.startKey.equals(a.startKey) || !merged.endKey.equals(b.endKey)) throw invalidArgument('merged', 'must span both parents exactly');
  validateRegionIdentity(merged, 'merged');
  if (merged.regionId <= Math.max(a.regionId, b.regionId)) throw invalidArgument('merged.regionId', 'must be above both parents’ region ids');
  let maxSequenceId = 0;
  const stores: Record<string, ManifestFile[]> = {};
  const nonces: Array<[string, number]> = [];
  for (const [i, parent] of [a, b].entries()) {
    const { dir, manifest } = parentManifest(dataRoot, parent, `parents[${i}]`);
    nonces.push(...(manifest.nonces ?? []));
    const files = openAll(dir, manifest);
    try {
      maxSequenceId = Math.max(maxSequenceId, maxSequenceIdOf(manifest, files));
    } finally {
      await closeAll(files);
    }
    for (const [family, entries] of Object.entries(referencesTo(parent, manifest, parent))) (stores[family] ??= []).push(...entries);
  }
  writeNewRegion(dataRoot, merged, maxSequenceId, stores, nonces);
  return maxSequenceId;
}

/**
 * Removes a retired region's directory when no other region of its table references its files
 * (each sibling's newest manifest is read; one that cannot be read counts as referencing, so a
 * directory is never removed on a doubt). Idempotent: a missing directory is removed already.
 */
export function removeRetiredRegion(options: { dataRoot: string; region: RegionInfo }): { removed: boolean; referencedBy: string[] } {
  const dir = regionDir(options.dataRoot, options.region);
  const referencedBy: string[] = [];
  for (const sibling of siblingRegionDirs(dir)) {
    const name = basename(sibling);
    if (name === options.region.encodedName) continue;
    try {
      const manifest = readManifest(sibling);
      if (Object.values(manifest.stores).some((files) => files.some((f) => f.reference?.region === options.region.encodedName))) referencedBy.push(name);
    } catch {
      referencedBy.push(name);
    }
  }
  if (referencedBy.length > 0) return { removed: false, referencedBy };
  removeRegionDir(dir);
  return { removed: true, referencedBy };
}
