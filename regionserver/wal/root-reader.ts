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

/** The region's entries (sequence id > afterSequenceId) in one log directory, unfenced, sorted. */
export async function readRegionFromWalDir(disk: WalDisk, dir: string, regionId: string, afterSequenceId: number): Promise<WalEntry[]> {
  const ids = await listSegmentIds(disk, dir);
  const out: WalEntry[] = [];
  for (let i = 0; i < ids.length; i++) {
    const path = join(dir, segmentFileName(ids[i]!));
    let buf: Buffer;
    try {
      buf = await disk.readFile(path);
    } catch (err) {
      // Deleted by its live owner between list and read: every entry in it was flushed.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const scan = scanSegment(buf, path, i === ids.length - 1);
    for (const frame of scan.frames) {
      const { locations } = decodeFrameIndex(buf.subarray(frame.offset, frame.offset + frame.length));
      for (const loc of locations) {
        if (loc.regionId === regionId && loc.sequenceId > afterSequenceId) {
          out.push(decodeEntryRecord(buf, frame.offset + loc.offset, path));
        }
      }
    }
  }
  return out.sort(compareEntryKeys);
}

/** The region's entries from every server's log under the root (optionally except one), unfenced, sorted. */
export async function readRegionFromRoot(
  disk: WalDisk,
  root: string,
  regionId: string,
  afterSequenceId: number,
  options: { excludeDir?: string } = {},
): Promise<WalEntry[]> {
  const base = walRootDir(root);
  const exclude = options.excludeDir !== undefined ? resolve(options.excludeDir) : undefined;
  let out: WalEntry[] = [];
  for (const serverName of (await disk.list(base)).sort()) {
    const dir = join(base, serverName);
    if (resolve(dir) === exclude) continue;
    const entries = await readRegionFromWalDir(disk, dir, regionId, afterSequenceId);
    if (entries.length > 0) out = out.concat(entries);
  }
  return out.sort(compareEntryKeys);
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
