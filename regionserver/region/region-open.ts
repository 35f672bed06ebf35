/**
 * The parts of opening a region that come before it can serve: checking its family descriptors,
 * loading each store's files from the manifest, and replaying the WAL after the max flushed
 * sequence id into the memstores. Region.open (region.ts) strings them together, then flushes what
 * was replayed and writes the open marker.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isValidFamilyName } from '../../common/cell.js';
import { assert, BasaltError, ErrorCodes, invalidArgument } from '../../common/errors.js';
import { isOpenMarker } from '../wal/fencing.js';
import { validateRegionIdentity, walRegionKey } from './identity.js';
import { isNonceCell } from './nonces.js';
import type { Wal } from '../wal/wal.js';
import { nodeDurableFiles, type DurableFiles } from '../storage/durable-files.js';
import { Store } from '../storage/store.js';
import type { StoreFileReader } from '../storage/store-file.js';
import { openManifestEntry } from '../storage/reference-file.js';
import type { FamilyDescriptor, RegionInfo } from './api.js';
import { checkNotSuperseded, readManifest, removeOrphans, writeManifest, type RegionManifest } from './manifest.js';

/** Rejects a descriptor list a region cannot be opened with (INVALID_ARGUMENT naming the field). */
export function validateFamilies(families: FamilyDescriptor[]): void {
  if (families.length === 0) throw invalidArgument('families', 'a region needs at least one column family');
  for (const [i, f] of families.entries()) {
    if (!isValidFamilyName(f.name)) throw invalidArgument(`families[${i}].name`, 'invalid column family name');
    if (!Number.isInteger(f.maxVersions) || f.maxVersions < 1) throw invalidArgument(`families[${i}].maxVersions`, 'must be ≥ 1');
    if (!Number.isInteger(f.minVersions) || f.minVersions < 0 || f.minVersions > f.maxVersions) {
      throw invalidArgument(`families[${i}].minVersions`, 'must be in [0, maxVersions]');
    }
    if (!(f.ttlSeconds >= 0)) throw invalidArgument(`families[${i}].ttlSeconds`, 'must be ≥ 0');
  }
}

/**
 * Reads the newest manifest and opens every store's files (a corrupt one fails the open with
 * CORRUPT_STORE_FILE, closing what it had opened and touching nothing). An open older than the
 * newest manifest's writer is refused (FENCED: the region was opened elsewhere since). Then the
 * open claims the directory — the same manifest rewritten under its own epoch, so no older open
 * can write one that counts from now on — and removes files the manifest does not name.
 */
export function loadStores(
  dir: string,
  families: FamilyDescriptor[],
  openEpoch: number,
  info: RegionInfo,
  durable: DurableFiles = nodeDurableFiles,
): { manifest: RegionManifest; stores: Map<string, Store> } {
  validateRegionIdentity(info);
  mkdirSync(dir, { recursive: true });
  checkNotSuperseded(dir, openEpoch);
  // A family no longer in the descriptor was deleted (alter): its files leave the manifest here, so
  // adding a family of the same name later starts it empty, as HBase does (it removes the directory).
  const read = readManifest(dir);
  const current = new Set(families.map((f) => f.name));
  const manifest: RegionManifest = { ...read, stores: Object.fromEntries(Object.entries(read.stores).filter(([family]) => current.has(family))) };
  const owner = manifest.region;
  if (owner && (owner.table !== info.table || owner.regionId !== info.regionId || owner.encodedName !== info.encodedName)) {
    throw new BasaltError(ErrorCodes.CORRUPT_STORE_FILE, `region directory ${dir} belongs to ${owner.table} region ${owner.encodedName}, not ${info.table} region ${info.encodedName}`, {
      dir,
      table: owner.table,
      region: owner.encodedName,
    });
  }
  const tmpDir = join(dir, '.tmp');
  const stores = new Map<string, Store>();
  const opened: StoreFileReader[] = [];
  try {
    for (const family of [...families].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const store = new Store(family, join(dir, family.name), tmpDir, openEpoch, durable);
      const files: StoreFileReader[] = [];
      for (const entry of manifest.stores[family.name] ?? []) {
        const file = openManifestEntry(dir, family.name, entry);
        opened.push(file);
        files.push(file);
      }
      store.loadFiles(files);
      stores.set(family.name, store);
    }
    // The claim keeps the replay epoch of the manifest it copies: this open has not replayed yet.
    writeManifest(dir, { ...manifest, writerEpoch: openEpoch, region: { table: info.table, regionId: info.regionId, encodedName: info.encodedName } }, durable);
    removeOrphans(dir, tmpDir, manifest, families, openEpoch, durable);
  } catch (err) {
    for (const f of opened) f.closeForStore();
    throw err;
  }
  return { manifest, stores };
}

/**
 * Replays the region's WAL entries after the manifest's max flushed sequence id into the
 * memstores. Returns the highest sequence id seen (in the store files or the log: the next write
 * takes the one after it) and how many entries were applied.
 */
export async function replayWal(
  wal: Wal,
  info: RegionInfo,
  manifest: RegionManifest,
  stores: ReadonlyMap<string, Store>,
  onNonce: (nonce: string) => void = () => undefined,
): Promise<{ maxSequenceId: number; replayed: number }> {
  let maxSequenceId = manifest.maxFlushedSequenceId;
  for (const store of stores.values()) maxSequenceId = Math.max(maxSequenceId, store.maxSequenceId);
  let replayed = 0;
  let previous = manifest.maxFlushedSequenceId;
  for await (const entry of wal.replay(walRegionKey(info), manifest.maxFlushedSequenceId)) {
    assert(entry.sequenceId > previous, 'replay yields increasing sequence ids above the flushed one');
    assert(entry.regionId === walRegionKey(info), "replay yields only this region's entries");
    previous = entry.sequenceId;
    // An earlier open's marker: nothing to apply, but its sequence id is taken.
    maxSequenceId = Math.max(maxSequenceId, entry.sequenceId);
    if (isOpenMarker(entry)) continue;
    // Written by an open older than the one that wrote the manifest, after that open replayed
    // and flushed: a zombie's edit (its marker may be flushed and out of the replay range).
    if (entry.openEpoch < (manifest.openEpoch ?? 0)) continue;
    for (const cell of entry.cells) {
      if (isNonceCell(cell)) {
        onNonce(cell.qualifier.toString('latin1'));
        continue;
      }
      const store = stores.get(cell.family);
      if (store) store.memstore.add({ ...cell, sequenceId: entry.sequenceId });
    }
    maxSequenceId = Math.max(maxSequenceId, entry.sequenceId);
    replayed++;
  }
  return { maxSequenceId, replayed };
}
