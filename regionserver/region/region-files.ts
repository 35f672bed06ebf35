/**
 * What a region's flush and compaction share: its stores, its manifest, and the lease check that
 * every write under the shared root asks first (STYLE.md §12) — the store file, the manifest
 * rename, the removal of a replaced file.
 */
import type { DurableFiles } from '../storage/durable-files.js';
import type { Store } from '../storage/store.js';
import type { StoreFileReader } from '../storage/store-file.js';
import { manifestEntryOf } from '../storage/reference-file.js';
import type { RegionInfo } from './api.js';
import { newestManifestEpoch, writeManifest, type ManifestFile, type RegionManifest } from './manifest.js';
import type { RegionFence } from './region-options.js';

export interface RegionFilesOptions {
  info: RegionInfo;
  dir: string;
  openEpoch: number;
  fence?: RegionFence | undefined;
  files?: DurableFiles | undefined;
  /** The nonces every manifest keeps (nonces.ts): the region's table at the moment of writing. */
  nonces?: (() => Array<[string, number]>) | undefined;
}

export class RegionFiles {
  constructor(
    private readonly options: RegionFilesOptions,
    readonly stores: ReadonlyMap<string, Store>,
  ) {}

  /** FENCED when the server's lease may have lapsed: nothing under the shared root is written then. */
  checkFence(): void {
    this.options.fence?.checkWritable();
  }

  /**
   * Whether a file this region no longer lists may be deleted now: only while the lease holds and
   * no newer open has written a manifest (which may list the file).
   */
  mayRemoveFiles(): boolean {
    try {
      this.checkFence();
    } catch {
      return false;
    }
    return newestManifestEpoch(this.options.dir) <= this.options.openEpoch;
  }

  /** Writes this open's manifest: each store's files as `filesOf` lists them (manifest.ts fences it). */
  writeManifest(maxFlushedSequenceId: number, filesOf: (s: Store) => readonly StoreFileReader[]): void {
    const stores: Record<string, ManifestFile[]> = {};
    for (const s of this.stores.values()) stores[s.name] = filesOf(s).map(manifestEntryOf);
    const { info, openEpoch } = this.options;
    const manifest: RegionManifest = {
      formatVersion: 1,
      maxFlushedSequenceId,
      openEpoch,
      writerEpoch: openEpoch,
      region: { table: info.table, regionId: info.regionId, encodedName: info.encodedName },
      stores,
    };
    const nonces = this.options.nonces?.();
    if (nonces && nonces.length > 0) manifest.nonces = nonces;
    writeManifest(this.options.dir, manifest, this.options.files);
  }
}
