/** Segment file names of a log directory: `wal-<12-digit id>.log`, ids ascending. */
import type { WalDisk } from './disk.js';

const SEGMENT_NAME = /^wal-(\d{12})\.log$/;

export function segmentFileName(id: number): string {
  return `wal-${String(id).padStart(12, '0')}.log`;
}

/** Segment ids present in a log directory, ascending (other files are ignored). */
export async function listSegmentIds(disk: WalDisk, dir: string): Promise<number[]> {
  const ids: number[] = [];
  for (const name of await disk.list(dir)) {
    const m = SEGMENT_NAME.exec(name);
    if (m) ids.push(Number(m[1]));
  }
  return ids.sort((a, b) => a - b);
}
