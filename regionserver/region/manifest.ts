/**
 * The region manifest: which store files make up each store, and the highest sequence id whose
 * edits are all in those files (WAL replay starts after it). Replaced atomically: written to a
 * temporary file, fsynced, renamed over the old one, and the directory fsynced.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { removeStoreFile } from '../storage/store-file.js';
import { join } from 'node:path';
import { BasaltError, ErrorCodes } from '../../common/errors.js';

export const MANIFEST_FILE = 'manifest.json';
const MANIFEST_VERSION = 1;

export interface RegionManifest {
  formatVersion: number;
  /** Every edit with a sequence id ≤ this is in the listed store files. */
  maxFlushedSequenceId: number;
  /**
   * The open epoch of the region open that wrote this manifest (absent in older manifests: 0).
   * That open replayed and flushed every older epoch's edit before its open marker, so a WAL entry
   * after maxFlushedSequenceId with a lower epoch can only be a zombie's: replay skips it. This
   * keeps zombies fenced once the marker itself is at or below the flushed id.
   */
  openEpoch?: number;
  /** Store files per family (files live in `<region dir>/<family>/`), with their fingerprints. */
  stores: Record<string, ManifestFile[]>;
}

export interface ManifestFile {
  name: string;
  sizeBytes: number;
  headerCrc32: number;
}

export function emptyManifest(): RegionManifest {
  return { formatVersion: MANIFEST_VERSION, maxFlushedSequenceId: 0, stores: {} };
}

export function readManifest(dir: string): RegionManifest {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) return emptyManifest();
  let parsed: RegionManifest;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as RegionManifest;
  } catch (err) {
    throw new BasaltError(ErrorCodes.CORRUPT_STORE_FILE, `region manifest ${path} unreadable: ${(err as Error).message}`, { path });
  }
  const wellFormed =
    parsed !== null &&
    typeof parsed === 'object' &&
    parsed.formatVersion === MANIFEST_VERSION &&
    Number.isSafeInteger(parsed.maxFlushedSequenceId) &&
    (parsed.openEpoch === undefined || (Number.isSafeInteger(parsed.openEpoch) && parsed.openEpoch >= 0)) &&
    parsed.stores !== null &&
    typeof parsed.stores === 'object' &&
    Object.values(parsed.stores).every(
      (files) =>
        Array.isArray(files) &&
        files.every((f: ManifestFile) => f && typeof f.name === 'string' && /^[A-Za-z0-9._-]+\.sf$/.test(f.name) && Number.isSafeInteger(f.sizeBytes) && Number.isSafeInteger(f.headerCrc32)),
    );
  if (!wellFormed) throw new BasaltError(ErrorCodes.CORRUPT_STORE_FILE, `region manifest ${path} is malformed`, { path });
  return parsed;
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function writeManifest(dir: string, manifest: RegionManifest): void {
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `${MANIFEST_FILE}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, JSON.stringify(manifest));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, MANIFEST_FILE));
  fsyncPath(dir);
}

/** After a successful open: temp files and files the manifest does not list are leftovers of a crash. */
export function removeOrphans(dir: string, tmpDir: string, manifest: RegionManifest, families: ReadonlyArray<{ name: string }>): void {
  rmSync(tmpDir, { recursive: true, force: true });
  for (const f of families) {
    const listed = new Set((manifest.stores[f.name] ?? []).map((e) => e.name));
    let names: string[];
    try {
      names = readdirSync(join(dir, f.name));
    } catch {
      continue;
    }
    for (const name of names) {
      if (name.endsWith('.sf') && !listed.has(name)) removeStoreFile(join(dir, f.name, name));
    }
  }
}
