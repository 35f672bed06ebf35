/**
 * The catalog janitor and the automatic splitter, run by the active master on its own timer.
 *
 * Janitor: a retired region (a split parent, or a merged region's parent) is listed under
 * /basalt/janitor by its procedure at the point of no return. Once no region of its table
 * references its files any more (the daughters' compactions rewrote them), a region server removes
 * its directory (the disk is the truth: RemoveRetiredRegion reads every sibling's manifest), and
 * the janitor then deletes a split parent's meta row and the janitor entry. No new reference to a
 * retired region can appear (only a split or merge of the region itself creates references to
 * it), so a removal decided on the disk's state stays right.
 *
 * Automatic split: a region whose store files pass regionserver.regionSplitSizeBytes in the load
 * reports the server tracker pulls — and that reads no parent's files any more — is split at its
 * middle, one procedure per table at a time.
 */
import type { Clock } from '../common/clock.js';
import { ErrorCodes, isBasaltError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { META_TABLE } from '../common/meta.js';
import type { CoordClient } from '../coord/client/index.js';
import type { AssignmentManager } from './assignment.js';
import type { MetaStore } from './meta-store.js';
import { JANITOR_ZNODE, splitProcedureData } from './procedures/split-merge.js';
import type { ProcedureRecord } from './procedures/store.js';
import type { RegionStates } from './region-states.js';
import type { ServerTracker } from './server-tracker.js';

/** An automatic split of a region is not tried again for this long (one that cannot split fails each time). */
const AUTO_SPLIT_RETRY_MS = 60_000;

export interface CatalogJanitorOptions {
  coord: CoordClient;
  states: RegionStates;
  servers: ServerTracker;
  am: AssignmentManager;
  meta: MetaStore;
  clock: Clock;
  log: Logger;
  regionSplitSizeBytes: number;
  running(): ProcedureRecord[];
  submit(type: string, target: string, data: Record<string, unknown>, step: string): Promise<ProcedureRecord>;
}

interface RetiredRegion {
  table: string;
  startKey: string;
  endKey: string;
  regionId: number;
  encodedName: string;
}

export class CatalogJanitor {
  private readonly autoSplitAt = new Map<string, number>();
  private busy: Promise<void> | undefined;

  private turn = 0;

  constructor(private readonly o: CatalogJanitorOptions) {}

  /** Tables a running procedure works on (the janitor and the splitter leave them alone). */
  private busyTables(): Set<string> {
    return new Set(this.o.running().map((r) => (r.type.endsWith('Table') ? r.target : String(r.data.table ?? ''))));
  }

  /** One pass of both; overlapping calls share the running pass. */
  tick(): Promise<void> {
    this.busy ??= (async () => {
      try {
        await this.cleanRetired();
        await this.splitLargeRegions();
      } catch (err) {
        if (!isBasaltError(err, ErrorCodes.MASTER_NOT_RUNNING)) this.o.log.warn({ err }, 'catalog janitor pass failed');
      } finally {
        this.busy = undefined;
      }
    })();
    return this.busy;
  }

  /** Removes retired regions nothing references; returns the encoded names removed. */
  async cleanRetired(): Promise<string[]> {
    let children: string[];
    try {
      ({ children } = await this.o.coord.getChildren(JANITOR_ZNODE));
    } catch (err) {
      if (isBasaltError(err, ErrorCodes.NO_NODE)) return [];
      throw err;
    }
    const busy = this.busyTables();
    const removed: string[] = [];
    for (const name of children.sort()) {
      const path = `${JANITOR_ZNODE}/${name}`;
      let retired: RetiredRegion;
      try {
        retired = JSON.parse((await this.o.coord.getData(path)).data.toString('utf8')) as RetiredRegion;
      } catch (err) {
        if (isBasaltError(err, ErrorCodes.NO_NODE)) continue;
        throw err;
      }
      if (busy.has(retired.table)) continue;
      const live = this.o.servers.liveServers();
      if (live.length === 0) return removed;
      // Any server will do (all share the data root); take turns.
      const server = live[this.turn++ % live.length]!;
      const answer = await server.client.removeRetiredRegion({
        table: retired.table,
        startKey: Buffer.from(retired.startKey, 'hex'),
        endKey: Buffer.from(retired.endKey, 'hex'),
        regionId: retired.regionId,
        encodedName: retired.encodedName,
      });
      if (!answer.removed) continue;
      const node = this.o.states.get(name);
      if (node && (node.region.split || node.state === 'SPLIT' || node.state === 'MERGED')) {
        await this.o.am.retrying('delete retired meta row', () => this.o.meta.delete(node));
        this.o.states.remove(name);
      }
      try {
        await this.o.coord.delete(path);
      } catch (err) {
        if (!isBasaltError(err, ErrorCodes.NO_NODE)) throw err;
      }
      removed.push(name);
      this.o.log.info({ region: name, table: retired.table }, 'retired region removed (no region references it)');
    }
    return removed;
  }

  /** Submits a split for each table's first region over the split size; returns how many. */
  async splitLargeRegions(): Promise<number> {
    const limit = this.o.regionSplitSizeBytes;
    if (!(limit > 0)) return 0;
    const busy = this.busyTables();
    const now = this.o.clock.now();
    let submitted = 0;
    for (const server of this.o.servers.liveServers()) {
      for (const load of server.load?.regions ?? []) {
        if (load.storeFileSizeBytes < limit || (load.referenceFileCount ?? 0) > 0) continue;
        const node = this.o.states.get(load.encodedName);
        if (!node || node.state !== 'OPEN' || node.serverName !== server.serverName || node.region.table === META_TABLE || node.region.split) continue;
        if (busy.has(node.region.table) || now - (this.autoSplitAt.get(load.encodedName) ?? -Infinity) < AUTO_SPLIT_RETRY_MS) continue;
        this.autoSplitAt.set(load.encodedName, now);
        busy.add(node.region.table);
        await this.o.submit('split', node.region.encodedName, splitProcedureData(node, undefined, now), 'prepare');
        submitted++;
        this.o.log.info({ region: load.encodedName, storeFileSizeBytes: load.storeFileSizeBytes, limit }, 'region passed the split size: splitting');
      }
    }
    for (const [name, at] of this.autoSplitAt) if (now - at >= AUTO_SPLIT_RETRY_MS) this.autoSplitAt.delete(name);
    return submitted;
  }
}
