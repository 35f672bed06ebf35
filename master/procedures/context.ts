/** What a procedure step may use: the master's assignment machinery and persistence. */
import type { Clock } from '../../common/clock.js';
import type { Logger } from '../../common/logger.js';
import type { CoordClient } from '../../coord/client/index.js';
import type { MetaRegionInfoValue } from '../../common/meta.js';
import { encodeRegionName } from '../../common/table-names.js';
import type { AssignmentManager } from '../assignment.js';
import type { MetaStore } from '../meta-store.js';
import type { RegionNode, RegionStates } from '../region-states.js';
import type { ServerTracker } from '../server-tracker.js';
import type { TableStore } from '../table-store.js';
import type { ProcedureRecord } from './store.js';

export interface MasterContext {
  am: AssignmentManager;
  states: RegionStates;
  servers: ServerTracker;
  tables: TableStore;
  meta: MetaStore;
  clock: Clock;
  log: Logger;
  /** The coordination client (split/merge record retired regions for the catalog janitor). */
  coord: CoordClient;
  checkpoint(record: ProcedureRecord, step: string, data?: Record<string, unknown>): Promise<void>;
  submit(type: string, target: string, data: Record<string, unknown>, step: string): Promise<ProcedureRecord>;
}

/** A region as procedures store it in their JSON data (keys in hex). */
export interface RegionSpec {
  startKey: string;
  endKey: string;
  regionId: number;
  encodedName: string;
}

/** The regions of a new table: [start, k1), [k1, k2), … [kn, end). */
export function regionSpecs(table: string, splitKeys: Buffer[], regionId: number): RegionSpec[] {
  const bounds = [Buffer.alloc(0), ...splitKeys, Buffer.alloc(0)];
  const specs: RegionSpec[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    specs.push({
      startKey: bounds[i]!.toString('hex'),
      endKey: bounds[i + 1]!.toString('hex'),
      regionId,
      encodedName: encodeRegionName(table, bounds[i]!, regionId),
    });
  }
  return specs;
}

export function regionValue(table: string, spec: RegionSpec): MetaRegionInfoValue {
  return {
    table,
    startKey: Buffer.from(spec.startKey, 'hex'),
    endKey: Buffer.from(spec.endKey, 'hex'),
    regionId: spec.regionId,
    encodedName: spec.encodedName,
    offline: false,
    split: false,
  };
}

/** Writes OFFLINE meta rows for regions not yet known (idempotent). */
export async function addRegionsToMeta(ctx: MasterContext, table: string, specs: RegionSpec[]): Promise<void> {
  await forEachLimit(specs, 16, async (spec) => {
    if (ctx.states.get(spec.encodedName)) return;
    const node: RegionNode = { region: regionValue(table, spec), state: 'OFFLINE', serverName: '', address: '', openEpoch: 0, sinceMs: ctx.clock.now(), reason: '' };
    await ctx.am.retrying('add meta row', () => ctx.meta.write(node));
    ctx.states.put(node);
  });
}

/** Removes the meta rows of the given regions (idempotent). */
export async function removeRegionsFromMeta(ctx: MasterContext, nodes: RegionNode[]): Promise<void> {
  await forEachLimit(nodes, 16, async (node) => {
    await ctx.am.retrying('delete meta row', () => ctx.meta.delete(node));
    ctx.states.remove(node.region.encodedName);
  });
}

/** Runs `fn` over `items` with at most `limit` at once; rejects with the first error after all settle. */
export async function forEachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let firstError: unknown;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (err) {
        firstError ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (firstError !== undefined) throw firstError;
}
