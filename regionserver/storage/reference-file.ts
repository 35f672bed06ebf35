/**
 * Reference files: how a split daughter (or a merged region) starts without copying a byte. Its
 * manifest lists the parent's store files with a `reference` — the parent's encoded name and the
 * row bounds [startKey, endKey) of the half it owns — and the daughter opens the parent's file
 * read-only with those bounds (StoreFileReader.reference). Reads, scans and compactions then see
 * only the daughter's rows. A compaction of the daughter rewrites what it references into a file
 * of its own; the parent's directory is removed only when no region of the table references it any
 * more (removeRetiredRegion, run by the master's catalog janitor through a region server).
 *
 * The parent's files are immutable and never deleted by a daughter: a reader that serves a
 * reference does not remove its file when a compaction replaces it (store-file.ts).
 */
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { encodeRowPrefix } from '../../common/keycodec.js';
import { StoreFileReader, type StoreFileReferenceBounds } from './store-file.js';

/** What a manifest entry says about a referenced file (keys in hex; '' = unbounded). */
export interface StoreFileReference {
  /** Encoded name of the region whose directory holds the file (same table). */
  region: string;
  startKey: string;
  endKey: string;
}

const ENCODED_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,254}$/;
const HEX = /^(?:[0-9a-f]{2})*$/;

/** True when `value` is a well-formed reference (manifest validation). */
export function isValidReference(value: unknown): value is StoreFileReference {
  if (value === null || typeof value !== 'object') return false;
  const r = value as Record<string, unknown>;
  return typeof r.region === 'string' && ENCODED_NAME.test(r.region) && typeof r.startKey === 'string' && HEX.test(r.startKey) && typeof r.endKey === 'string' && HEX.test(r.endKey);
}

/** The codec bounds a reader applies for a reference. */
export function referenceBounds(reference: StoreFileReference): StoreFileReferenceBounds {
  return {
    lower: reference.startKey ? encodeRowPrefix(Buffer.from(reference.startKey, 'hex')) : undefined,
    upper: reference.endKey ? encodeRowPrefix(Buffer.from(reference.endKey, 'hex')) : undefined,
  };
}

/** Where a store file listed in `regionDir`'s manifest lives. */
export function storeFilePath(regionDir: string, family: string, entry: { name: string; reference?: StoreFileReference | undefined }): string {
  if (!entry.reference) return join(regionDir, family, entry.name);
  return join(dirname(regionDir), entry.reference.region, family, entry.name);
}

/** Opens one manifest entry: the region's own file, or a referenced file with its bounds. */
export function openManifestEntry(
  regionDir: string,
  family: string,
  entry: { name: string; sizeBytes: number; headerCrc32: number; reference?: StoreFileReference | undefined },
): StoreFileReader {
  const reader = StoreFileReader.open(storeFilePath(regionDir, family, entry), entry.name, entry);
  if (entry.reference) {
    reader.reference = referenceBounds(entry.reference);
    referenceOf.set(reader, entry.reference);
  }
  return reader;
}

/** The manifest reference a reader was opened with (kept when the region rewrites its manifest). */
const referenceOf = new WeakMap<StoreFileReader, StoreFileReference>();

export function manifestReference(reader: StoreFileReader): StoreFileReference | undefined {
  return referenceOf.get(reader);
}

/** Every region directory of the table folder that holds `regionDir` (siblings included). */
export function siblingRegionDirs(regionDir: string): string[] {
  const tableDir = dirname(regionDir);
  try {
    return readdirSync(tableDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && ENCODED_NAME.test(d.name))
      .map((d) => join(tableDir, d.name));
  } catch {
    return [];
  }
}

/** Removes a retired region's directory (the caller checked that nothing references it). */
export function removeRegionDir(regionDir: string): void {
  rmSync(regionDir, { recursive: true, force: true });
}

/** The manifest entry of a file a region serves (its own, or a reference it still holds). */
export function manifestEntryOf(reader: StoreFileReader): { name: string; sizeBytes: number; headerCrc32: number; reference?: StoreFileReference } {
  const reference = referenceOf.get(reader);
  return reference ? { name: reader.name, ...reader.fingerprint, reference } : { name: reader.name, ...reader.fingerprint };
}

/** How many files of these stores are references (a region holding any is not split again). */
export function referenceCount(files: Iterable<StoreFileReader>): number {
  let n = 0;
  for (const f of files) if (f.reference) n++;
  return n;
}
