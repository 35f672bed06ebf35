/**
 * The client's region-location cache: per table, the known regions sorted by start key. Pure and
 * synchronous. Adding a region evicts every cached region it overlaps (after a split or a merge
 * the old ranges must not shadow the new ones); an error on a region drops that region, and a
 * server that cannot be reached drops every region cached on it.
 */
import { compareBytes } from '../common/bytes.js';

export interface RegionLocation {
  table: string;
  encodedName: string;
  regionId: number;
  startKey: Buffer;
  /** Empty: the table's last region. */
  endKey: Buffer;
  /** host:port of the region server. */
  address: string;
  serverName: string;
  openEpoch: number;
}

/** Which region to find: the one holding `row`, the one just before `before` (reversed scans), or the last. */
export type LocateKey = { row: Buffer } | { before: Buffer } | { last: true };

export function containsRow(loc: RegionLocation, row: Buffer): boolean {
  return compareBytes(loc.startKey, row) <= 0 && (loc.endKey.length === 0 || compareBytes(row, loc.endKey) < 0);
}

/** True when the region holds the rows just below `key` (its start is below key and it reaches key). */
export function holdsKeysBefore(loc: RegionLocation, key: Buffer): boolean {
  return compareBytes(loc.startKey, key) < 0 && (loc.endKey.length === 0 || compareBytes(key, loc.endKey) <= 0);
}

export function matchesKey(loc: RegionLocation, key: LocateKey): boolean {
  if ('row' in key) return containsRow(loc, key.row);
  if ('before' in key) return holdsKeysBefore(loc, key.before);
  return loc.endKey.length === 0;
}

function overlaps(a: RegionLocation, b: RegionLocation): boolean {
  const aBeforeB = a.endKey.length > 0 && compareBytes(a.endKey, b.startKey) <= 0;
  const bBeforeA = b.endKey.length > 0 && compareBytes(b.endKey, a.startKey) <= 0;
  return !aBeforeB && !bBeforeA;
}

export class LocationCache {
  private readonly tables = new Map<string, RegionLocation[]>();

  /** The index of the last region whose start key ≤ key (or < key when strict), -1 if none. */
  private static floor(list: RegionLocation[], key: Buffer, strict: boolean): number {
    let lo = 0;
    let hi = list.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = compareBytes(list[mid]!.startKey, key);
      if (c < 0 || (c === 0 && !strict)) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  find(table: string, key: LocateKey): RegionLocation | undefined {
    const list = this.tables.get(table);
    if (!list || list.length === 0) return undefined;
    let candidate: RegionLocation | undefined;
    if ('row' in key) candidate = list[LocationCache.floor(list, key.row, false)];
    else if ('before' in key) candidate = list[LocationCache.floor(list, key.before, true)];
    else candidate = list[list.length - 1];
    return candidate && matchesKey(candidate, key) ? candidate : undefined;
  }

  add(loc: RegionLocation): void {
    const list = (this.tables.get(loc.table) ?? []).filter((r) => !overlaps(r, loc));
    const at = LocationCache.floor(list, loc.startKey, false) + 1;
    list.splice(at, 0, loc);
    this.tables.set(loc.table, list);
  }

  /** Drops a region (only the cached entry the failed request used, not a newer one). */
  remove(loc: RegionLocation): void {
    const list = this.tables.get(loc.table);
    if (!list) return;
    const i = list.findIndex((r) => r.encodedName === loc.encodedName && r.address === loc.address && r.openEpoch === loc.openEpoch);
    if (i >= 0) list.splice(i, 1);
  }

  /** Drops every region cached on a server (it could not be reached). */
  removeServer(address: string): void {
    for (const [table, list] of this.tables) {
      this.tables.set(
        table,
        list.filter((r) => r.address !== address),
      );
    }
  }

  clearTable(table: string): void {
    this.tables.delete(table);
  }

  regions(table: string): readonly RegionLocation[] {
    return this.tables.get(table) ?? [];
  }
}
