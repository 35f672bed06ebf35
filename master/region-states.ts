/**
 * The master's in-memory view of every region: a cache of basalt:meta (and, for meta itself, of
 * /basalt/meta-region-server), rebuilt from them when a master becomes active. Only the master's
 * assignment code changes it, and always after the persistent copy was written.
 */
import { compareBytes } from '../common/bytes.js';
import type { MetaRegionInfoValue, RegionState } from '../common/meta.js';

export interface RegionNode {
  region: MetaRegionInfoValue;
  state: RegionState;
  /** host:port,startcode of the server holding (or opening, or closing) it; '' when none. */
  serverName: string;
  address: string;
  openEpoch: number;
  /** Wall-clock ms when the state was entered (shown in status). */
  sinceMs: number;
  reason: string;
}

const TRANSITION_STATES: ReadonlySet<RegionState> = new Set<RegionState>(['OPENING', 'CLOSING']);

export class RegionStates {
  private readonly nodes = new Map<string, RegionNode>();

  clear(): void {
    this.nodes.clear();
  }

  put(node: RegionNode): void {
    this.nodes.set(node.region.encodedName, node);
  }

  get(encodedName: string): RegionNode | undefined {
    return this.nodes.get(encodedName);
  }

  remove(encodedName: string): void {
    this.nodes.delete(encodedName);
  }

  all(): RegionNode[] {
    return [...this.nodes.values()];
  }

  /** The regions of one table, by start key. */
  ofTable(table: string): RegionNode[] {
    return this.all()
      .filter((n) => n.region.table === table && !n.region.split)
      .sort((a, b) => compareBytes(a.region.startKey, b.region.startKey) || a.region.regionId - b.region.regionId);
  }

  onServer(serverName: string): RegionNode[] {
    return this.all().filter((n) => n.serverName === serverName && n.state !== 'CLOSED' && n.state !== 'OFFLINE');
  }

  /** Open or opening regions per server (for placement and the balancer). */
  countsByServer(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const n of this.nodes.values()) {
      if ((n.state === 'OPEN' || n.state === 'OPENING') && n.serverName) counts.set(n.serverName, (counts.get(n.serverName) ?? 0) + 1);
    }
    return counts;
  }

  inTransition(): RegionNode[] {
    return this.all().filter((n) => TRANSITION_STATES.has(n.state) || n.state === 'FAILED_OPEN');
  }

  /** The region holding `row` in `table` (for split/merge targets given by key). */
  holding(table: string, row: Uint8Array): RegionNode | undefined {
    let found: RegionNode | undefined;
    for (const n of this.ofTable(table)) {
      if (compareBytes(n.region.startKey, row) <= 0) found = n;
    }
    if (found && found.region.endKey.length > 0 && compareBytes(row, found.region.endKey) >= 0) return undefined;
    return found;
  }
}
