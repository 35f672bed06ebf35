/**
 * Reading a region's entries from every region server's log under the cluster's data root.
 *
 * All region servers of a cluster share one data root (DESIGN.md, phase 1), and each writes its
 * own log under `<root>/wal/<serverName>/`. When a server dies, its regions are opened elsewhere;
 * the new owner reads each region's entries straight from the dead server's segments (no log
 * splitting step), merges them with any other server's entries for the region (a region that moved
 * more than once) by sequence id, and applies the epoch rule (fencing.ts).
 *
 * Cost: a directory is scanned frame by frame (checksums verified); only the region's entry records
 * are decoded. Torn tails of a log's last segment are ignored here (the owner, or nobody, cuts
 * them); damage anywhere else is CORRUPT_WAL.
 */
import { join, resolve } from 'node:path';
import { decodeEntryRecord, decodeFrameIndex, scanSegment } from './codec.js';
import { NodeWalDisk, type WalDisk } from './disk.js';
import { applyEpochRuleSync, compareEntryKeys } from './fencing.js';
import { checkReplayArgs } from './group-commit.js';
import { listSegmentIds, segmentFileName } from './segment-files.js';
import type { WalEntry } from './wal.js';

/** `<root>/wal` */
export function walRootDir(root: string): string {
  return join(root, 'wal');
}

/** `<root>/wal/<serverName>`: the log directory of one region server. */
export function serverWalDir(root: string, serverName: string): string {
  if (!serverName || serverName.includes('/') || serverName === '.' || serverName === '..') {
    throw new Error(`invalid server name for a WAL directory: ${JSON.stringify(serverName)}`);
  }
  return join(walRootDir(root), serverName);
}

interface IndexedEntry {
  sequenceId: number;
  openEpoch: number;
  /** Absolute offset of the entry record in its segment. */
  offset: number;
}

interface SegmentIndex {
  size: number;
  byRegion: Map<string, IndexedEntry[]>;
}

/**
 * Reads regions from the logs under a data root, remembering each segment's index (which region
 * has entries where) keyed by path and size. Reopening the N regions of a dead server then scans its
 * log once, not N times; a segment that grew (a live server's current one) is re-scanned.
 */
export class WalRootReader {
  private readonly segments = new Map<string, SegmentIndex>();

  constructor(
    private readonly disk: WalDisk,
    private readonly root: string,
  ) {}

  /** The region's entries from every server's log (optionally except one directory), unfenced, sorted. */
  async readRegion(regionId: string, afterSequenceId: number, options: { excludeDir?: string } = {}): Promise<WalEntry[]> {
    const base = walRootDir(this.root);
    const exclude = options.excludeDir !== undefined ? resolve(options.excludeDir) : undefined;
    let out: WalEntry[] = [];
    const seen = new Set<string>();
    for (const serverName of (await this.disk.list(base)).sort()) {
      const dir = join(base, serverName);
      if (resolve(dir) === exclude) continue;
      const entries = await this.readRegionFromDir(dir, regionId, afterSequenceId, seen);
      if (entries.length > 0) out = out.concat(entries);
    }
    for (const path of this.segments.keys()) if (!seen.has(path)) this.segments.delete(path); // Deleted logs.
    return out.sort(compareEntryKeys);
  }

  private async readRegionFromDir(dir: string, regionId: string, afterSequenceId: number, seen: Set<string>): Promise<WalEntry[]> {
    const ids = await listSegmentIds(this.disk, dir);
    const out: WalEntry[] = [];
    for (let i = 0; i < ids.length; i++) {
      const path = join(dir, segmentFileName(ids[i]!));
      seen.add(path);
      let buf: Buffer | undefined;
      let index = this.segments.get(path);
      const size = await this.disk.size(path);
      if (size === undefined) continue; // Deleted by its live owner after list: every entry in it was flushed.
      if (!index || index.size !== size) {
        buf = await this.readIfPresent(path);
        if (!buf) continue;
        index = indexSegment(buf, path, i === ids.length - 1);
        this.segments.set(path, index);
      }
      const wanted = (index.byRegion.get(regionId) ?? []).filter((e) => e.sequenceId > afterSequenceId);
      if (wanted.length === 0) continue;
      buf ??= await this.readIfPresent(path);
      if (!buf) continue;
      for (const e of wanted) out.push(decodeEntryRecord(buf, e.offset, path));
    }
    return out;
  }

  private async readIfPresent(path: string): Promise<Buffer | undefined> {
    try {
      return await this.disk.readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }
}

/** Scans one segment (frames verified, torn tail tolerated only in the last) into a per-region index. */
function indexSegment(buf: Buffer, path: string, isLastSegment: boolean): SegmentIndex {
  const scan = scanSegment(buf, path, isLastSegment);
  const byRegion = new Map<string, IndexedEntry[]>();
  for (const frame of scan.frames) {
    const { locations } = decodeFrameIndex(buf.subarray(frame.offset, frame.offset + frame.length));
    for (const loc of locations) {
      let list = byRegion.get(loc.regionId);
      if (!list) byRegion.set(loc.regionId, (list = []));
      list.push({ sequenceId: loc.sequenceId, openEpoch: loc.openEpoch, offset: frame.offset + loc.offset });
    }
  }
  // The size read, torn tail included: a file that grew since (a live log) is indexed again.
  return { size: buf.length, byRegion };
}

/** The region's entries from every server's log under the root (optionally except one), unfenced, sorted. */
export async function readRegionFromRoot(
  disk: WalDisk,
  root: string,
  regionId: string,
  afterSequenceId: number,
  options: { excludeDir?: string } = {},
): Promise<WalEntry[]> {
  return new WalRootReader(disk, root).readRegion(regionId, afterSequenceId, options);
}

/**
 * Replays a region from every server's log under the data root: entries with sequence id >
 * afterSequenceId, in sequence id order, with superseded epochs dropped (fencing.ts).
 */
export async function* replayRegionFromRoot(
  root: string,
  regionId: string,
  afterSequenceId: number,
  options: { disk?: WalDisk } = {},
): AsyncGenerator<WalEntry> {
  checkReplayArgs(regionId, afterSequenceId);
  const entries = await readRegionFromRoot(options.disk ?? new NodeWalDisk(), root, regionId, afterSequenceId);
  for (const e of applyEpochRuleSync(entries)) yield e;
}

/**
 * Deletes a dead server's log once every region it held has been reopened and flushed elsewhere
 * (the end of the master's server-crash procedure). Never call it for a live server.
 */
export async function removeServerWal(root: string, serverName: string, options: { disk?: WalDisk } = {}): Promise<void> {
  await (options.disk ?? new NodeWalDisk()).removeTree(serverWalDir(root, serverName));
}
