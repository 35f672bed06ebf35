/**
 * The region manifest: which store files make up each store, and the highest sequence id whose
 * edits are all in those files (WAL replay starts after it).
 *
 * Fencing (STYLE.md §12: every side effect carries the token). Each open of a region writes only
 * its own file, `manifest-<writerEpoch>.json`, and a reader takes the one with the highest epoch.
 * So a manifest written by an older open can never replace a newer one: a paused server that
 * resumes after its region moved writes a file nobody reads. Before writing, an open also checks
 * that no newer epoch's manifest exists (FENCED if one does), which stops it from deleting files
 * the newer open references. Each file is written to a temporary name, fsynced, renamed into
 * place, and the directory fsynced.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { removeStoreFile } from '../storage/store-file.js';
import { isValidReference, type StoreFileReference } from '../storage/reference-file.js';
import { join } from 'node:path';
import { assert, BasaltError, ErrorCodes } from '../../common/errors.js';
import { nodeDurableFiles, type DurableFiles } from '../storage/durable-files.js';

/** The single manifest of layouts before epoch-named manifests (read, never written). */
export const LEGACY_MANIFEST_FILE = 'manifest.json';
const MANIFEST_NAME = /^manifest-(\d{1,15})\.json$/;
const MANIFEST_VERSION = 1;

export function manifestFileName(writerEpoch: number): string {
  return `manifest-${writerEpoch}.json`;
}

/** Who a manifest belongs to: the region's identity (table + region id), checked at open. */
export interface ManifestRegion {
  table: string;
  regionId: number;
  encodedName: string;
}

export interface RegionManifest {
  formatVersion: number;
  /** Every edit with a sequence id ≤ this is in the listed store files. */
  maxFlushedSequenceId: number;
  /**
   * The open epoch whose open had replayed and flushed every older epoch's edit when this was
   * written (absent in older manifests: 0). A WAL entry after maxFlushedSequenceId with a lower
   * epoch can only be a zombie's: replay skips it.
   */
  openEpoch?: number;
  /** The epoch of the open that wrote this file (its name carries it too). */
  writerEpoch?: number;
  /** Absent in manifests written before regions carried their identity. */
  region?: ManifestRegion;
  /** Store files per family (files live in `<region dir>/<family>/`), with their fingerprints. */
  stores: Record<string, ManifestFile[]>;
  /**
   * The region's recent nonces and when each was recorded (wall-clock ms), oldest first: the
   * flush that takes their WAL entries out of replay keeps them here (nonces.ts). Absent: none.
   */
  nonces?: Array<[nonce: string, atMs: number]>;
}

export interface ManifestFile {
  name: string;
  sizeBytes: number;
  headerCrc32: number;
  /** Set for a file of another region this one reads through a reference (split, merge). */
  reference?: StoreFileReference;
}

export function emptyManifest(): RegionManifest {
  return { formatVersion: MANIFEST_VERSION, maxFlushedSequenceId: 0, stores: {} };
}

/** The epochs of the manifests in `dir` (the legacy file counts as its recorded epoch, or 0). */
function manifestEpochs(dir: string): Array<{ epoch: number; file: string }> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: Array<{ epoch: number; file: string }> = [];
  for (const name of names) {
    const m = MANIFEST_NAME.exec(name);
    if (m) out.push({ epoch: Number(m[1]), file: name });
  }
  return out.sort((a, b) => a.epoch - b.epoch);
}

/** The highest epoch that wrote a manifest in `dir` (-1: none). */
export function newestManifestEpoch(dir: string): number {
  const epochs = manifestEpochs(dir);
  if (epochs.length > 0) return epochs[epochs.length - 1]!.epoch;
  return existsSync(join(dir, LEGACY_MANIFEST_FILE)) ? 0 : -1;
}

function parseManifest(path: string): RegionManifest {
  let parsed: RegionManifest;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as RegionManifest;
  } catch (err) {
    throw new BasaltError(ErrorCodes.CORRUPT_STORE_FILE, `region manifest ${path} unreadable: ${(err as Error).message}`, { path });
  }
  const epochField = (v: unknown): boolean => v === undefined || (Number.isSafeInteger(v) && (v as number) >= 0);
  const wellFormed =
    parsed !== null &&
    typeof parsed === 'object' &&
    parsed.formatVersion === MANIFEST_VERSION &&
    Number.isSafeInteger(parsed.maxFlushedSequenceId) &&
    epochField(parsed.openEpoch) &&
    epochField(parsed.writerEpoch) &&
    (parsed.region === undefined ||
      (typeof parsed.region === 'object' &&
        parsed.region !== null &&
        typeof parsed.region.table === 'string' &&
        typeof parsed.region.encodedName === 'string' &&
        Number.isSafeInteger(parsed.region.regionId))) &&
    (parsed.nonces === undefined ||
      (Array.isArray(parsed.nonces) && parsed.nonces.every((n) => Array.isArray(n) && n.length === 2 && typeof n[0] === 'string' && Number.isSafeInteger(n[1])))) &&
    parsed.stores !== null &&
    typeof parsed.stores === 'object' &&
    Object.values(parsed.stores).every(
      (files) =>
        Array.isArray(files) &&
        files.every((f: ManifestFile) => f && typeof f.name === 'string' && /^[A-Za-z0-9._-]+\.sf$/.test(f.name) && Number.isSafeInteger(f.sizeBytes) && Number.isSafeInteger(f.headerCrc32) && (f.reference === undefined || isValidReference(f.reference))),
    );
  if (!wellFormed) throw new BasaltError(ErrorCodes.CORRUPT_STORE_FILE, `region manifest ${path} is malformed`, { path });
  return parsed;
}

/** The newest manifest in `dir` (the highest writer epoch), or an empty one. */
export function readManifest(dir: string): RegionManifest {
  const epochs = manifestEpochs(dir);
  const newest = epochs[epochs.length - 1];
  if (newest) {
    const manifest = parseManifest(join(dir, newest.file));
    if (manifest.writerEpoch !== newest.epoch) throw new BasaltError(ErrorCodes.CORRUPT_STORE_FILE, `region manifest ${newest.file} names another epoch`, { path: join(dir, newest.file) });
    return manifest;
  }
  const legacy = join(dir, LEGACY_MANIFEST_FILE);
  return existsSync(legacy) ? parseManifest(legacy) : emptyManifest();
}


/** FENCED: an open with a higher epoch has written this region's manifest. */
export function supersededError(dir: string, writerEpoch: number, newerEpoch: number): BasaltError {
  return new BasaltError(ErrorCodes.FENCED, `region directory ${dir} belongs to open epoch ${newerEpoch}; this open (epoch ${writerEpoch}) is superseded`, {
    dir,
    openEpoch: writerEpoch,
    newerEpoch,
  });
}

/** Throws FENCED when a manifest of a higher epoch than `writerEpoch` exists in `dir`. */
export function checkNotSuperseded(dir: string, writerEpoch: number): void {
  const newest = newestManifestEpoch(dir);
  if (newest > writerEpoch) throw supersededError(dir, writerEpoch, newest);
}

/**
 * Writes `manifest-<writerEpoch>.json` (never another epoch's file), then removes manifests of
 * older epochs. Refused with FENCED, writing nothing, when a newer epoch's manifest exists.
 */
export function writeManifest(dir: string, manifest: RegionManifest, files: DurableFiles = nodeDurableFiles): void {
  const writerEpoch = manifest.writerEpoch;
  assert(writerEpoch !== undefined && Number.isSafeInteger(writerEpoch) && writerEpoch >= 0, 'a manifest is written with its writer epoch');
  assert(manifest.openEpoch === undefined || manifest.openEpoch <= writerEpoch, 'a manifest never claims a replay epoch above its writer');
  mkdirSync(dir, { recursive: true });
  checkNotSuperseded(dir, writerEpoch);
  const name = manifestFileName(writerEpoch);
  const tmp = join(dir, `${name}.${process.pid}.tmp`);
  files.writeFile(tmp, JSON.stringify(manifest));
  files.syncFile(tmp);
  files.rename(tmp, join(dir, name));
  files.syncDir(dir);
  // Older epochs' manifests are history now (readers take the newest); the legacy file too.
  for (const old of manifestEpochs(dir)) if (old.epoch < writerEpoch) files.remove(join(dir, old.file));
  if (existsSync(join(dir, LEGACY_MANIFEST_FILE))) files.remove(join(dir, LEGACY_MANIFEST_FILE));
}

/** The open epoch a store file's name records (`e<epoch>-…`); files named before epochs: 0. */
export function storeFileEpoch(name: string): number {
  const m = /^e(\d{1,15})-/.exec(name);
  return m ? Number(m[1]) : 0;
}

/**
 * After a successful open at `openEpoch`: temp files and store files the manifest does not list
 * are leftovers of a crash, or of a superseded open, and go. Files named by a newer epoch are
 * never touched (they can only belong to an open that supersedes this one).
 */
export function removeOrphans(
  dir: string,
  tmpDir: string,
  manifest: RegionManifest,
  families: ReadonlyArray<{ name: string }>,
  openEpoch: number,
  files: DurableFiles = nodeDurableFiles,
): void {
  checkNotSuperseded(dir, openEpoch);
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
      if (name.endsWith('.sf') && !listed.has(name) && storeFileEpoch(name) <= openEpoch) {
        files.remove(join(dir, f.name, name));
        removeStoreFile(join(dir, f.name, name)); // and its lock file
      }
    }
  }
  // Temp manifests of a crashed write.
  for (const name of readdirSync(dir)) if (name.startsWith('manifest-') && name.endsWith('.tmp')) rmSync(join(dir, name), { force: true });
}
