/**
 * Split and merge procedures (docs/split-merge.md). Each step is persisted before it acts and is
 * idempotent, so the next active master resumes a procedure from its step after a crash:
 *
 * split:  prepare → close (the parent, flushed) → create (daughter dirs referencing the parent's
 *         files, on any region server) → meta (the point of no return: daughter rows, then the
 *         parent row marked offline + split) → assign (both daughters).
 * merge:  prepare → close (both parents) → create (the merged dir referencing both) → meta (the
 *         point of no return: merged row, then the parents' rows removed) → assign.
 *
 * Before the point of no return a failure rolls back: the parents are opened again and the
 * procedure ends FAILED with the cause; leftover new directories are never in meta and are
 * overwritten by nothing (the next attempt uses a new region id). After it, the procedure only
 * goes forward. Retired parents are recorded under /basalt/janitor; the catalog janitor
 * (master/catalog-janitor.ts) removes their directories and split parents' meta rows once no
 * region references their files.
 */
import { compareBytes } from '../../common/bytes.js';
import { BasaltError, ErrorCodes, isBasaltError } from '../../common/errors.js';
import { encodeRegionName } from '../../common/table-names.js';
import { isTransient } from '../assignment.js';
import type { RegionNode } from '../region-states.js';
import type { ProcedureHandler } from './executor.js';
import type { ProcedureRecord } from './store.js';
import { addRegionsToMeta, removeRegionsFromMeta, type MasterContext, type RegionSpec } from './context.js';

type Handler = ProcedureHandler<MasterContext>;

export const JANITOR_ZNODE = '/basalt/janitor';

const tableLock = (r: ProcedureRecord) => [`table:${String(r.data.table)}`];
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

function requireNode(ctx: MasterContext, encodedName: string): RegionNode {
  const node = ctx.states.get(encodedName);
  if (!node) throw new BasaltError(ErrorCodes.REGION_NOT_FOUND, `region ${encodedName} does not exist`, { region: encodedName });
  return node;
}

function wireInfo(node: RegionNode) {
  const r = node.region;
  return { table: r.table, startKey: r.startKey, endKey: r.endKey, regionId: r.regionId, encodedName: r.encodedName };
}

/** Any live region server (all share the data root); UNAVAILABLE (retried) when none is. */
function anyServer(ctx: MasterContext) {
  const live = ctx.servers.liveServers();
  if (live.length === 0) throw new BasaltError(ErrorCodes.UNAVAILABLE, 'no live region server');
  // The least loaded one: deterministic, and it spreads the file work like region placement does.
  return ctx.am.chooseServer();
}

/**
 * Closes a region so that its store files hold every edit (a close on a live server flushes).
 * A region that is not open on a live server — its holder died, or an earlier attempt closed it
 * and we cannot tell how — is opened first (which replays its WAL and flushes) and then closed.
 */
export async function closeFlushed(ctx: MasterContext, encodedName: string): Promise<void> {
  for (;;) {
    const node = requireNode(ctx, encodedName);
    const holder = node.serverName ? ctx.servers.get(node.serverName) : undefined;
    if (!holder || (node.state !== 'OPEN' && node.state !== 'CLOSING')) {
      await ctx.am.assign(encodedName); // checks that this master is still the active one
      continue;
    }
    const closing = node.state === 'CLOSING' ? node : await ctx.am.setState(node, 'CLOSING');
    try {
      ctx.am.checkActive();
      await holder.client.closeRegion(encodedName);
    } catch (err) {
      if (isBasaltError(err, ErrorCodes.NOT_SERVING_REGION)) {
        // Closed there already (an earlier close of ours); only the master closes regions.
      } else if (isTransient(err)) {
        await sleep(100);
        if (!ctx.servers.isLive(holder.serverName)) {
          // Died while closing: the WAL holds what the close may not have flushed; open again.
          await ctx.am.setState(closing, 'CLOSED', { serverName: '', address: '' });
        }
        continue;
      } else {
        await ctx.am.restoreAfterFailedClose(closing, holder);
        throw err;
      }
    }
    await ctx.am.setState(closing, 'CLOSED', { serverName: '', address: '' });
    return;
  }
}

/** Records a retired region for the catalog janitor (idempotent). */
async function recordRetired(ctx: MasterContext, node: RegionNode): Promise<void> {
  const r = node.region;
  const data = JSON.stringify({ table: r.table, startKey: r.startKey.toString('hex'), endKey: r.endKey.toString('hex'), regionId: r.regionId, encodedName: r.encodedName });
  await ctx.am.retrying('record retired region', async () => {
    for (const path of [JANITOR_ZNODE, `${JANITOR_ZNODE}/${r.encodedName}`]) {
      try {
        await ctx.coord.create(path, path === JANITOR_ZNODE ? '' : data);
      } catch (err) {
        if (!isBasaltError(err, ErrorCodes.NODE_EXISTS)) throw err;
      }
    }
  });
}

/** Before the point of no return: open the parents again and end FAILED with `cause`. */
async function rollBack(ctx: MasterContext, parents: string[], cause: unknown): Promise<never> {
  ctx.log.warn({ parents, err: cause }, 'split/merge failed before the point of no return; reopening the parents');
  for (const name of parents) {
    try {
      await ctx.am.assign(name);
    } catch (err) {
      ctx.log.error({ region: name, err }, 'reopening a parent after a failed split/merge failed');
    }
  }
  throw cause;
}

/**
 * Closes the parents (flushed) before the point of no return; if one cannot be closed (it cannot
 * even be opened to replay its WAL), the ones already closed are opened again and the procedure
 * fails, instead of leaving them closed. Transient trouble and a lost master role propagate.
 */
async function closeParents(ctx: MasterContext, parents: string[]): Promise<void> {
  try {
    for (const p of parents) await closeFlushed(ctx, p);
  } catch (err) {
    if (isTransient(err) || isBasaltError(err, ErrorCodes.MASTER_NOT_RUNNING)) throw err;
    return rollBack(ctx, parents, err);
  }
}

async function assignNew(ctx: MasterContext, names: string[]): Promise<void> {
  let failure: unknown;
  for (const name of names) {
    try {
      await ctx.am.assign(name);
    } catch (err) {
      if (!isBasaltError(err, ErrorCodes.PROCEDURE_FAILED)) throw err;
      failure ??= err; // FAILED_OPEN with its reason; an admin may assign it again
    }
  }
  if (failure) throw failure;
}

/**
 * A region still reading its parent's files (a daughter not yet compacted) is neither split nor
 * merged (HBase refuses too): asked of its holder now, before anything is closed.
 */
async function requireNoReferences(ctx: MasterContext, node: RegionNode): Promise<void> {
  const holder = node.state === 'OPEN' ? ctx.servers.get(node.serverName) : undefined;
  if (!holder) return; // the region server re-checks on disk in the create step
  const load = await ctx.am.retrying('region load', () => holder.client.regionLoad(node.region.encodedName));
  if ((load.referenceFileCount ?? 0) > 0) {
    throw new BasaltError(ErrorCodes.INVALID_ARGUMENT, `region ${node.region.encodedName} still reads ${load.referenceFileCount} file(s) of its parent; it splits or merges once compacted`, {
      field: 'region',
      region: node.region.encodedName,
    });
  }
}

async function requireEnabled(ctx: MasterContext, table: string): Promise<void> {
  const t = await ctx.tables.require(table);
  if (t.state !== 'ENABLED') throw new BasaltError(ErrorCodes.TABLE_NOT_ENABLED, `table ${table} is ${t.state}`, { table });
}

export const splitRegion: Handler = {
  locks: tableLock,
  async run(record, ctx) {
    const table = String(record.data.table);
    const parent = String(record.data.region);
    for (;;) {
      switch (record.step) {
        case 'prepare': {
          await requireEnabled(ctx, table);
          const node = requireNode(ctx, parent);
          if (node.region.split || node.state === 'SPLIT' || node.state === 'MERGED') {
            throw new BasaltError(ErrorCodes.REGION_NOT_FOUND, `region ${parent} was split or merged already`, { region: parent });
          }
          await requireNoReferences(ctx, node);
          await ctx.checkpoint(record, 'close');
          break;
        }
        case 'close':
          await closeParents(ctx, [parent]);
          await ctx.checkpoint(record, 'create');
          break;
        case 'create': {
          const node = requireNode(ctx, parent);
          let result;
          try {
            result = await ctx.am.retrying('create daughters', () =>
              anyServer(ctx).client.splitRegion({
                parent: wireInfo(node),
                splitKey: record.data.hasSplitKey ? Buffer.from(String(record.data.splitKey), 'hex') : Buffer.alloc(0),
                hasSplitKey: record.data.hasSplitKey === true,
                daughterRegionId: Number(record.data.daughterRegionId),
              }),
            );
          } catch (err) {
            if (isBasaltError(err, ErrorCodes.MASTER_NOT_RUNNING)) throw err;
            return rollBack(ctx, [parent], err);
          }
          const daughters: RegionSpec[] = result.daughters.map((d) => ({ startKey: d.startKey.toString('hex'), endKey: d.endKey.toString('hex'), regionId: d.regionId, encodedName: d.encodedName }));
          await ctx.checkpoint(record, 'meta', { daughters, splitKey: result.splitKey.toString('hex'), hasSplitKey: true });
          break;
        }
        case 'meta': {
          // The point of no return. Daughter rows first: a crash before the parent row is
          // rewritten resumes here (the step is persisted) and writes the rest.
          const daughters = record.data.daughters as RegionSpec[];
          const node = requireNode(ctx, parent);
          await recordRetired(ctx, node);
          await addRegionsToMeta(ctx, table, daughters);
          if (!node.region.split) {
            const retired: RegionNode = { ...node, region: { ...node.region, offline: true, split: true }, state: 'SPLIT', serverName: '', address: '', sinceMs: ctx.clock.now(), reason: '' };
            await ctx.am.retrying('mark the parent split', () => ctx.meta.write(retired));
            ctx.states.put(retired);
          }
          await ctx.checkpoint(record, 'assign');
          break;
        }
        case 'assign':
          await assignNew(ctx, (record.data.daughters as RegionSpec[]).map((d) => d.encodedName));
          ctx.log.info({ parent, daughters: (record.data.daughters as RegionSpec[]).map((d) => d.encodedName), splitKey: record.data.splitKey }, 'region split');
          return;
        default:
          throw new BasaltError(ErrorCodes.INTERNAL, `split: unknown step ${record.step}`);
      }
    }
  },
};

export const mergeRegions: Handler = {
  locks: tableLock,
  async run(record, ctx) {
    const table = String(record.data.table);
    const parents = (record.data.regions as string[]).map(String);
    for (;;) {
      switch (record.step) {
        case 'prepare': {
          await requireEnabled(ctx, table);
          const nodes = parents.map((p) => requireNode(ctx, p)).sort((a, b) => compareBytes(a.region.startKey, b.region.startKey));
          const [a, b] = nodes as [RegionNode, RegionNode];
          if (nodes.some((n) => n.region.split || n.state === 'SPLIT' || n.state === 'MERGED') || compareBytes(a.region.endKey, b.region.startKey) !== 0) {
            throw new BasaltError(ErrorCodes.INVALID_ARGUMENT, `regions ${parents.join(', ')} are not two adjacent live regions`, { field: 'regions' });
          }
          for (const n of nodes) await requireNoReferences(ctx, n);
          const id = Number(record.data.mergedRegionId);
          const merged: RegionSpec = { startKey: a.region.startKey.toString('hex'), endKey: b.region.endKey.toString('hex'), regionId: id, encodedName: encodeRegionName(table, a.region.startKey, id) };
          await ctx.checkpoint(record, 'close', { regions: [a.region.encodedName, b.region.encodedName], merged });
          break;
        }
        case 'close':
          await closeParents(ctx, parents);
          await ctx.checkpoint(record, 'create');
          break;
        case 'create': {
          const merged = record.data.merged as RegionSpec;
          try {
            await ctx.am.retrying('create merged region', () =>
              anyServer(ctx).client.mergeRegions({
                parents: parents.map((p) => wireInfo(requireNode(ctx, p))),
                merged: { table, startKey: Buffer.from(merged.startKey, 'hex'), endKey: Buffer.from(merged.endKey, 'hex'), regionId: merged.regionId, encodedName: merged.encodedName },
              }),
            );
          } catch (err) {
            if (isBasaltError(err, ErrorCodes.MASTER_NOT_RUNNING)) throw err;
            return rollBack(ctx, parents, err);
          }
          await ctx.checkpoint(record, 'meta');
          break;
        }
        case 'meta': {
          // The point of no return: the merged row first, then the parents' rows go (a parent row
          // left behind would be found by the locator for its keys: the merged row sorts before it).
          const merged = record.data.merged as RegionSpec;
          const nodes = parents.map((p) => ctx.states.get(p)).filter((n): n is RegionNode => n !== undefined);
          for (const n of nodes) await recordRetired(ctx, n);
          await addRegionsToMeta(ctx, table, [merged]);
          await removeRegionsFromMeta(ctx, nodes);
          await ctx.checkpoint(record, 'assign');
          break;
        }
        case 'assign':
          await assignNew(ctx, [(record.data.merged as RegionSpec).encodedName]);
          ctx.log.info({ parents, merged: (record.data.merged as RegionSpec).encodedName }, 'regions merged');
          return;
        default:
          throw new BasaltError(ErrorCodes.INTERNAL, `merge: unknown step ${record.step}`);
      }
    }
  },
};

/** The data of a split procedure of `node` (at `splitKey`, or the middle when undefined). */
export function splitProcedureData(node: RegionNode, splitKey: Buffer | undefined, nowMs: number): Record<string, unknown> {
  return {
    table: node.region.table,
    region: node.region.encodedName,
    hasSplitKey: splitKey !== undefined,
    splitKey: splitKey?.toString('hex') ?? '',
    daughterRegionId: Math.max(nowMs, node.region.regionId + 1),
  };
}

/** The data of a merge procedure of two adjacent regions. */
export function mergeProcedureData(a: RegionNode, b: RegionNode, nowMs: number): Record<string, unknown> {
  return { table: a.region.table, regions: [a.region.encodedName, b.region.encodedName], mergedRegionId: Math.max(nowMs, a.region.regionId + 1, b.region.regionId + 1) };
}
