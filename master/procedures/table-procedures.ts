/**
 * Table procedures: create, delete, enable, disable, truncate and modify (alter). Each step is
 * persisted before it acts and is idempotent, so a procedure resumed by the next master after a
 * crash at any point ends with one complete, consistent table (or none).
 */
import { BasaltError, ErrorCodes, isBasaltError, type ErrorCode } from '../../common/errors.js';
import type { ProcedureHandler } from './executor.js';
import type { ProcedureRecord } from './store.js';
import { addRegionsToMeta, forEachLimit, type MasterContext, type RegionSpec, regionSpecs, removeRegionsFromMeta } from './context.js';
import type { Family, TableRecord } from '../table-store.js';

type Handler = ProcedureHandler<MasterContext>;

const tableLock = (r: ProcedureRecord) => [`table:${r.target}`];
const ASSIGN_CONCURRENCY = 16;

/** Opens every region of the table; a region that cannot open stays FAILED_OPEN without failing the rest. */
async function assignAll(ctx: MasterContext, table: string): Promise<void> {
  await forEachLimit(ctx.states.ofTable(table), ASSIGN_CONCURRENCY, async (node) => {
    try {
      await ctx.am.assign(node.region.encodedName);
    } catch (err) {
      if (!isBasaltError(err, ErrorCodes.PROCEDURE_FAILED)) throw err;
    }
  });
}

async function unassignAll(ctx: MasterContext, table: string): Promise<void> {
  await forEachLimit(ctx.states.ofTable(table), ASSIGN_CONCURRENCY, (node) => ctx.am.unassign(node.region.encodedName));
}

/** Every region row of the table in meta, split parents included. */
function allRegionsOf(ctx: MasterContext, table: string) {
  return ctx.states.all().filter((n) => n.region.table === table);
}

export const createTable: Handler = {
  locks: tableLock,
  async run(record, ctx) {
    const table = record.data.table as TableRecord;
    const regions = record.data.regions as RegionSpec[];
    for (;;) {
      switch (record.step) {
        case 'descriptor': {
          const created = await ctx.tables.create({ ...table, state: 'ENABLING', createdBy: record.id });
          if (!created) {
            const existing = await ctx.tables.get(table.name);
            if (!existing || existing.createdBy !== record.id) {
              throw new BasaltError(ErrorCodes.TABLE_EXISTS, `table ${table.name} already exists`, { table: table.name });
            }
          }
          await ctx.checkpoint(record, 'meta');
          break;
        }
        case 'meta':
          await addRegionsToMeta(ctx, table.name, regions);
          await ctx.checkpoint(record, 'assign');
          break;
        case 'assign':
          await assignAll(ctx, table.name);
          await ctx.checkpoint(record, 'enable');
          break;
        case 'enable':
          await ctx.tables.setState(table.name, 'ENABLED');
          return;
        default:
          throw new BasaltError(ErrorCodes.INTERNAL, `createTable: unknown step ${record.step}`);
      }
    }
  },
};

export const deleteTable: Handler = {
  locks: tableLock,
  async run(record, ctx) {
    const name = record.target;
    for (;;) {
      switch (record.step) {
        case 'check': {
          const t = await ctx.tables.require(name);
          if (t.state !== 'DISABLED') throw new BasaltError(ErrorCodes.TABLE_NOT_DISABLED, `table ${name} must be disabled before it is deleted`, { table: name });
          await ctx.checkpoint(record, 'meta');
          break;
        }
        case 'meta':
          await removeRegionsFromMeta(ctx, allRegionsOf(ctx, name));
          await ctx.checkpoint(record, 'descriptor');
          break;
        case 'descriptor':
          await ctx.tables.delete(name);
          return;
        default:
          throw new BasaltError(ErrorCodes.INTERNAL, `deleteTable: unknown step ${record.step}`);
      }
    }
  },
};

/**
 * Disable and enable are one state machine with opposite states: check (refusing a table already
 * in the final state) and enter the transitional state → close or open every region → final state.
 * The middle step keeps its historical name ('unassign' / 'assign') so persisted procedures resume.
 */
function tableStateChange(o: {
  type: string;
  final: 'DISABLED' | 'ENABLED';
  transitional: 'DISABLING' | 'ENABLING';
  refuse: { code: ErrorCode; message: string };
  workStep: 'unassign' | 'assign';
  work: (ctx: MasterContext, table: string) => Promise<void>;
}): Handler {
  return {
    locks: tableLock,
    async run(record, ctx) {
      const name = record.target;
      for (;;) {
        switch (record.step) {
          case 'check': {
            const t = await ctx.tables.require(name);
            if (t.state === o.final) throw new BasaltError(o.refuse.code, `table ${name} ${o.refuse.message}`, { table: name });
            await ctx.tables.setState(name, o.transitional);
            await ctx.checkpoint(record, o.workStep);
            break;
          }
          case o.workStep:
            await o.work(ctx, name);
            await ctx.checkpoint(record, 'done');
            break;
          case 'done':
            await ctx.tables.setState(name, o.final);
            return;
          default:
            throw new BasaltError(ErrorCodes.INTERNAL, `${o.type}: unknown step ${record.step}`);
        }
      }
    },
  };
}

export const disableTable = tableStateChange({
  type: 'disableTable',
  final: 'DISABLED',
  transitional: 'DISABLING',
  refuse: { code: ErrorCodes.TABLE_NOT_ENABLED, message: 'is already disabled' },
  workStep: 'unassign',
  work: unassignAll,
});

export const enableTable = tableStateChange({
  type: 'enableTable',
  final: 'ENABLED',
  transitional: 'ENABLING',
  refuse: { code: ErrorCodes.TABLE_NOT_DISABLED, message: 'is already enabled' },
  workStep: 'assign',
  work: assignAll,
});

export const truncateTable: Handler = {
  locks: tableLock,
  async run(record, ctx) {
    const name = record.target;
    for (;;) {
      switch (record.step) {
        case 'check': {
          const t = await ctx.tables.require(name);
          if (t.state !== 'DISABLED') throw new BasaltError(ErrorCodes.TABLE_NOT_DISABLED, `table ${name} must be disabled before it is truncated`, { table: name });
          const old = ctx.states.ofTable(name);
          const splits = record.data.preserveSplits ? old.slice(1).map((n) => n.region.startKey) : [];
          const regions = regionSpecs(name, splits, ctx.clock.now());
          await ctx.checkpoint(record, 'clear', { regions, old: old.map((n) => n.region.encodedName) });
          break;
        }
        case 'clear': {
          const keep = new Set((record.data.regions as RegionSpec[]).map((r) => r.encodedName));
          await removeRegionsFromMeta(ctx, allRegionsOf(ctx, name).filter((n) => !keep.has(n.region.encodedName)));
          await ctx.checkpoint(record, 'meta');
          break;
        }
        case 'meta':
          await addRegionsToMeta(ctx, name, record.data.regions as RegionSpec[]);
          await ctx.tables.setState(name, 'ENABLING');
          await ctx.checkpoint(record, 'assign');
          break;
        case 'assign':
          await assignAll(ctx, name);
          await ctx.checkpoint(record, 'done');
          break;
        case 'done':
          await ctx.tables.setState(name, 'ENABLED');
          return;
        default:
          throw new BasaltError(ErrorCodes.INTERNAL, `truncateTable: unknown step ${record.step}`);
      }
    }
  },
};

/** Alter: a new family list, then every open region reopened so that it serves the new descriptor. */
export const modifyTable: Handler = {
  locks: tableLock,
  async run(record, ctx) {
    const name = record.target;
    for (;;) {
      switch (record.step) {
        case 'update': {
          const t = await ctx.tables.require(name);
          t.families = record.data.families as Family[];
          await ctx.tables.put(t);
          await ctx.checkpoint(record, 'reopen');
          break;
        }
        case 'reopen': {
          const t = await ctx.tables.require(name);
          if (t.state === 'ENABLED') {
            const open = ctx.states.ofTable(name).filter((n) => n.state === 'OPEN' || n.state === 'OPENING');
            await forEachLimit(open, 8, (n) => ctx.am.reopen(n.region.encodedName));
          }
          return;
        }
        default:
          throw new BasaltError(ErrorCodes.INTERNAL, `modifyTable: unknown step ${record.step}`);
      }
    }
  },
};
