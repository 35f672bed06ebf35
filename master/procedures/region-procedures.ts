/**
 * Region procedures: assign, unassign, move, and the server-crash procedure that reassigns every
 * region of a region server whose session ended (meta first: every other reassignment writes meta).
 */
import { BasaltError, ErrorCodes } from '../../common/errors.js';
import { META_ENCODED_NAME } from '../../common/meta.js';
import { SHARED, type ProcedureHandler } from './executor.js';
import type { ProcedureRecord } from './store.js';
import type { MasterContext } from './context.js';

type Handler = ProcedureHandler<MasterContext>;

/** The region exclusively, its table shared: regions of one table move in parallel, never during DDL. */
const regionTableLock = (r: ProcedureRecord) => [`region:${String(r.data.region)}`, `${SHARED}table:${String(r.data.table)}`];

export const assignRegion: Handler = {
  locks: regionTableLock,
  async run(record, ctx) {
    const region = String(record.data.region);
    const node = ctx.states.get(region);
    if (!node) return; // deleted meanwhile (its table was dropped)
    if (node.region.split) return; // a split parent never opens again (its daughters serve its rows)
    const table = await ctx.tables.get(String(record.data.table));
    if (!table || table.state === 'DISABLED' || table.state === 'DISABLING') return;
    const exclude = new Set(record.data.exclude ? [String(record.data.exclude)] : []);
    const target = record.data.target ? String(record.data.target) : undefined;
    await ctx.am.assign(region, target && ctx.servers.isLive(target) ? { target } : { exclude });
  },
};

export const unassignRegion: Handler = {
  locks: regionTableLock,
  async run(record, ctx) {
    const region = String(record.data.region);
    if (!ctx.states.get(region)) return;
    await ctx.am.unassign(region);
  },
};

export const moveRegion: Handler = {
  locks: regionTableLock,
  async run(record, ctx) {
    const region = String(record.data.region);
    for (;;) {
      const node = ctx.states.get(region);
      if (!node) throw new BasaltError(ErrorCodes.REGION_NOT_FOUND, `region ${region} does not exist`, { region });
      switch (record.step) {
        case 'close':
          await ctx.checkpoint(record, 'closing', { from: node.serverName });
          break;
        case 'closing':
          await ctx.am.unassign(region);
          await ctx.checkpoint(record, 'open');
          break;
        case 'open': {
          const target = record.data.target ? String(record.data.target) : '';
          const from = String(record.data.from ?? '');
          if (target && ctx.servers.isLive(target)) await ctx.am.assign(region, { target });
          else await ctx.am.assign(region, { exclude: new Set(from && ctx.servers.liveServers().length > 1 ? [from] : []) });
          return;
        }
        default:
          throw new BasaltError(ErrorCodes.INTERNAL, `moveRegion: unknown step ${record.step}`);
      }
    }
  },
};

/** Reassigns the regions of a dead server: one assign procedure per region, meta's first. */
export const serverCrash: Handler = {
  locks: (r) => [`server:${r.target}`],
  async run(record, ctx) {
    const server = record.target;
    const regions = ctx.states.onServer(server);
    regions.sort((a, b) => (a.region.encodedName === META_ENCODED_NAME ? -1 : b.region.encodedName === META_ENCODED_NAME ? 1 : 0));
    ctx.log.warn({ server, regions: regions.length }, 'server crash: reassigning its regions');
    for (const node of regions) {
      await ctx.submit('assign', node.region.encodedName, { region: node.region.encodedName, table: node.region.table, exclude: server }, 'assign');
    }
  },
};
