/** Cluster tools: balancer, split/merge/move/assign/unassign, flush/compact, list_regions, zk_dump. */
import { toStringBinary } from '../../common/bytes.js';
import { displayTableName } from '../../common/table-names.js';
import type { RegionDescription, RegionTargetInput } from '../../client/api.js';
import { asBoolean, asStringList, type Args } from '../args.js';
import { defineCommands, type CommandContext } from '../command.js';

/** A 32-hex-digit argument is an encoded region name; anything else names a table. */
export function regionOrTable(name: string): RegionTargetInput {
  return /^[0-9a-f]{32}$/.test(name) ? { region: name } : { table: name };
}

/** HBase's full region name: `table,startKey,regionId.encoded.`. */
export function regionName(region: RegionDescription): string {
  return `${displayTableName(region.table)},${toStringBinary(region.startKey)},${region.regionId}.${region.encodedName}.`;
}

/** Right-aligned columns separated by ` | ` with a dashed rule, as HBase's list_regions prints. */
export function printGrid(ctx: CommandContext, headers: string[], rows: string[][]): void {
  const widths = headers.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  const line = (cells: string[]): string => ` ${cells.map((c, k) => c.padStart(widths[k]!)).join(' | ')} |\n`;
  ctx.out.write(line(headers));
  ctx.out.write(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) ctx.out.write(line(row));
  ctx.out.write(` ${rows.length} rows\n`);
}

function targetCommand(name: 'flush' | 'compact' | 'major_compact', help: string) {
  return {
    name,
    group: 'tools' as const,
    tableArgument: true,
    help,
    async run(ctx: CommandContext, args: Args) {
      args.count(1, 1, `${name} 't1'`);
      const admin = await ctx.admin();
      const target = regionOrTable(args.string(0, 'table or region'));
      if (name === 'flush') await admin.flush(target);
      else if (name === 'compact') await admin.compact(target);
      else await admin.majorCompact(target);
      return undefined;
    },
  };
}

export const toolCommands = defineCommands([
  {
    name: 'balancer',
    group: 'tools',
    help: `Trigger the cluster balancer. Returns true if balancer ran (it moves regions only
when the servers' loads differ enough), false if it did not (it is switched off, or
regions are in transition).

  basalt> balancer`,
    async run(ctx, args) {
      args.count(0, 1, 'balancer');
      const { ran } = await (await ctx.admin()).balance();
      ctx.out.write(`${ran}\n`);
      return ran;
    },
  },
  {
    name: 'balance_switch',
    group: 'tools',
    help: `Enable/Disable balancer. Returns previous balancer state.
Examples:

  basalt> balance_switch true
  basalt> balance_switch false`,
    async run(ctx, args) {
      args.count(1, 1, 'balance_switch true');
      const previous = await (await ctx.admin()).balancerSwitch(asBoolean(args.required(0, 'enable'), 'enable'));
      ctx.out.write(`Previous balancer state : ${previous}\n`);
      return String(previous);
    },
  },
  {
    name: 'balancer_enabled',
    group: 'tools',
    help: `Query the balancer's state.
Examples:

  basalt> balancer_enabled`,
    async run(ctx, args) {
      args.count(0, 0, 'balancer_enabled');
      const on = (await (await ctx.admin()).clusterStatus()).balancerOn;
      ctx.out.write(`${on}\n`);
      return on;
    },
  },
  {
    name: 'list_procedures',
    group: 'tools',
    help: `List the master's procedures (table DDL, assignment, server crash handling) and their states.
Examples:

  basalt> list_procedures`,
    async run(ctx, args) {
      args.count(0, 0, 'list_procedures');
      const procedures = (await (await ctx.admin()).clusterStatus()).procedures;
      ctx.formatter.header(['PID Name State Submitted Last_Update Parameters']);
      for (const p of procedures) {
        const error = p.error ? ` ${p.error.code}: ${p.error.message}` : '';
        ctx.formatter.line(` ${p.id} ${p.type} ${p.state} ${new Date(p.startedMs).toISOString()} ${new Date(p.updatedMs).toISOString()} step=${p.step} target=${p.target}${error}`);
      }
      ctx.formatter.footer(procedures.length);
      return undefined;
    },
  },
  {
    name: 'split',
    group: 'tools',
    tableArgument: true,
    help: `Split entire table or pass a region to split individual region.  With the
second parameter, you can specify an explicit split key for the region.
Regions are named by their encoded name (see list_regions).
Examples:
    split 'tableName'
    split 'namespace:tableName'
    split 'ENCODED_REGIONNAME'
    split 'tableName', 'splitKey'
    split 'ENCODED_REGIONNAME', 'splitKey'`,
    async run(ctx, args) {
      args.count(1, 2, "split 't1', 'splitKey'");
      const target = regionOrTable(args.string(0, 'table or region'));
      const key = args.at(1) ? args.bytes(1, 'splitKey') : undefined;
      await (await ctx.admin()).split(target, key);
      return undefined;
    },
  },
  {
    name: 'merge_region',
    group: 'tools',
    help: `Merge two or more regions (encoded names). Regions must be adjacent.
Examples:

  basalt> merge_region 'ENCODED_REGIONNAME', 'ENCODED_REGIONNAME'
  basalt> merge_region ['ENCODED_REGIONNAME', 'ENCODED_REGIONNAME', 'ENCODED_REGIONNAME']`,
    async run(ctx, args) {
      args.count(1, 3, "merge_region 'ENCODED1', 'ENCODED2'");
      const first = args.required(0, 'regions');
      let regions: string[];
      if (first.kind === 'array') regions = asStringList(first, 'regions');
      else {
        regions = [args.string(0, 'region'), args.string(1, 'region')];
        if (args.at(2)) asBoolean(args.at(2)!, 'force'); // HBase's force flag: accepted; Basalt always checks adjacency.
      }
      await (await ctx.admin()).merge(regions);
      return undefined;
    },
  },
  {
    name: 'move',
    group: 'tools',
    help: `Move a region.  Optionally specify target regionserver else we choose one
at random.  NOTE: You pass the encoded region name, not the region name.
A server is named by its 'host:port,startcode' or 'host:port'. Examples:

  basalt> move 'ENCODED_REGIONNAME'
  basalt> move 'ENCODED_REGIONNAME', 'SERVER_NAME'`,
    async run(ctx, args) {
      args.count(1, 2, "move 'ENCODED_REGIONNAME', 'SERVER_NAME'");
      await (await ctx.admin()).move(args.string(0, 'region'), args.optionalString(1, 'server'));
      return undefined;
    },
  },
  {
    name: 'assign',
    group: 'tools',
    help: `Assign a region. Use with caution. If region already assigned,
this command will do nothing.
Examples:

  basalt> assign 'ENCODED_REGIONNAME'`,
    async run(ctx, args) {
      args.count(1, 1, "assign 'ENCODED_REGIONNAME'");
      await (await ctx.admin()).assign(args.string(0, 'region'));
      return undefined;
    },
  },
  {
    name: 'unassign',
    group: 'tools',
    help: `Unassign a region. Use with caution: the region stays closed until assigned.
Examples:

  basalt> unassign 'ENCODED_REGIONNAME'
  basalt> unassign 'ENCODED_REGIONNAME', true`,
    async run(ctx, args) {
      args.count(1, 2, "unassign 'ENCODED_REGIONNAME'");
      if (args.at(1)) asBoolean(args.at(1)!, 'force');
      await (await ctx.admin()).unassign(args.string(0, 'region'));
      return undefined;
    },
  },
  targetCommand(
    'flush',
    `Flush all regions in passed table or pass a region (encoded name) to flush an
individual region.  For example:

  basalt> flush 'TABLENAME'
  basalt> flush 'ENCODED_REGIONNAME'`,
  ),
  targetCommand(
    'compact',
    `Compact all regions in passed table or pass a region (encoded name) to compact an
individual region.  Examples:

  basalt> compact 'ns1:t1'
  basalt> compact 't1'
  basalt> compact 'ENCODED_REGIONNAME'`,
  ),
  targetCommand(
    'major_compact',
    `Run major compaction on passed table or pass a region (encoded name) to run major
compaction on an individual region. Examples:

  basalt> major_compact 't1'
  basalt> major_compact 'ns1:t1'
  basalt> major_compact 'ENCODED_REGIONNAME'`,
  ),
  {
    name: 'list_regions',
    group: 'tools',
    tableArgument: true,
    help: `List all regions of a table, optionally only those on one server
(a substring of its name). Examples:

  basalt> list_regions 'table_name'
  basalt> list_regions 'table_name', 'server_name'`,
    async run(ctx, args) {
      args.count(1, 2, "list_regions 't1'");
      const table = args.string(0, 'table');
      const server = args.optionalString(1, 'server');
      const regions = (await (await ctx.admin()).listRegions(table)).filter((r) => !server || r.serverName.includes(server));
      const rows = regions.map((r) => [r.serverName, regionName(r), toStringBinary(r.startKey), toStringBinary(r.endKey), r.state, String(r.openEpoch)]);
      printGrid(ctx, ['SERVER_NAME', 'REGION_NAME', 'START_KEY', 'END_KEY', 'STATE', 'OPEN_EPOCH'], rows);
      return undefined;
    },
  },
  {
    name: 'zk_dump',
    group: 'tools',
    help: `Dump status of the cluster as seen by the coordination service (Basalt's
ZooKeeper): the active and backup masters, the server holding basalt:meta, the
region servers and the /basalt tree. Example:

  basalt> zk_dump`,
    async run(ctx, args) {
      args.count(0, 0, 'zk_dump');
      for (const line of await ctx.coordinationDump()) ctx.out.write(`${line}\n`);
      return undefined;
    },
  },
]);
