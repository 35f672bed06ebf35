/** Table management: create, alter, describe, list, exists, enable/disable, drop, *_all. */
import { invalidArgument } from '../../common/errors.js';
import { compareBytes, toStringBinary } from '../../common/bytes.js';
import { FILTER_LANGUAGE_NAMES } from '../../common/filter/language.js';
import { displayTableName } from '../../common/table-names.js';
import type { CreateTableInput, FamilyInput } from '../../client/api.js';
import { asOptions, asString, asBytesList, type Args } from '../args.js';
import { defineCommands, RubyObject, type CommandContext } from '../command.js';
import { describeFamily, familyFromOptions } from './families.js';
import { regionName } from './tools.js';

/** A user's regex matched against the whole table name, as HBase's list does (Java's matches()). */
export function wholeMatch(pattern: string, field = 'regex'): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch (err) {
    throw invalidArgument(field, `not a valid regular expression: ${(err as Error).message}`);
  }
}

export async function listTableNames(ctx: CommandContext, pattern = '.*'): Promise<string[]> {
  const regex = wholeMatch(pattern);
  const admin = await ctx.admin();
  // System tables (basalt:meta) only when asked for by name, as HBase lists hbase:meta only for 'hbase:.*'.
  const tables = await admin.listTables(pattern.startsWith('basalt:') ? { includeSystem: true } : undefined);
  return tables
    .map((t) => displayTableName(t.name))
    .filter((name) => regex.test(name))
    .sort();
}

/** HBase table attributes Basalt accepts (so HBase scripts run) but does not act on, with a warning. */
const TABLE_ATTRIBUTES: readonly string[] = ['OWNER', 'MAX_FILESIZE', 'READONLY', 'DURABILITY', 'REGION_REPLICATION', 'METADATA', 'CONFIGURATION', 'MEMSTORE_FLUSHSIZE', 'NORMALIZATION_ENABLED', 'COMPACTION_ENABLED', 'SPLIT_ENABLED', 'MERGE_ENABLED'];

function parseCreate(ctx: CommandContext, args: Args): CreateTableInput {
  const name = args.string(0, 'table');
  const families: Array<FamilyInput | string> = [];
  const input: CreateTableInput = { name, families };
  for (let i = 1; i < args.length; i++) {
    const value = args.at(i)!;
    if (value.kind === 'string') {
      families.push(asString(value, `family ${i}`));
      continue;
    }
    const options = asOptions(value, `argument ${i + 1}`);
    if (options.has('NAME')) {
      families.push(familyFromOptions(options, ctx.err));
      continue;
    }
    options.only(['SPLITS', 'NUMREGIONS', 'SPLITALGO', ...TABLE_ATTRIBUTES], 'create');
    const splits = options.value('SPLITS');
    if (splits !== undefined) input.splits = asBytesList(splits, 'SPLITS');
    const numRegions = options.integer('NUMREGIONS', 1);
    if (numRegions !== undefined) input.numRegions = numRegions;
    const algorithm = options.string('SPLITALGO');
    if (algorithm !== undefined) {
      if (algorithm !== 'HexStringSplit' && algorithm !== 'UniformSplit') throw invalidArgument('SPLITALGO', `expected HexStringSplit or UniformSplit, got '${algorithm}'`);
      input.splitAlgorithm = algorithm;
    }
    for (const ignored of TABLE_ATTRIBUTES) {
      if (options.has(ignored)) ctx.err.write(`WARNING: ${ignored} is ignored by Basalt\n`);
    }
  }
  if (families.length === 0) throw invalidArgument('families', 'create needs at least one column family (create \'t1\', \'f1\')');
  return input;
}

async function confirmAll(ctx: CommandContext, verb: 'Disable' | 'Drop' | 'Enable', names: string[]): Promise<boolean> {
  for (const name of names) ctx.out.write(`${name}\n`);
  ctx.out.write('\n');
  return ctx.confirm(`${verb} the above ${names.length} tables (y/n)?`);
}

export const ddlCommands = defineCommands([
  {
    name: 'create',
    group: 'ddl',
    tableArgument: true,
    help: `Creates a table. Pass a table name, and a set of column family
specifications (at least one), and, optionally, table configuration.
Column specification can be a simple string (name), or a dictionary
(dictionaries are described below in main help output), necessarily
including NAME attribute.
Examples:

  basalt> create 'ns1:t1', {NAME => 'f1', VERSIONS => 5}
  basalt> create 't1', {NAME => 'f1'}, {NAME => 'f2'}, {NAME => 'f3'}
  basalt> # The above in shorthand would be the following:
  basalt> create 't1', 'f1', 'f2', 'f3'
  basalt> create 't1', {NAME => 'f1', VERSIONS => 1, TTL => 2592000, BLOOMFILTER => 'ROWCOL'}
  basalt> create 't1', {NAME => 'f1', KEEP_DELETED_CELLS => true, MIN_VERSIONS => 1}
  basalt> create 't1', 'f1', SPLITS => ['10', '20', '30', '40']
  basalt> create 't1', 'f1', {NUMREGIONS => 15, SPLITALGO => 'HexStringSplit'}`,
    async run(ctx, args) {
      args.count(2, Infinity, "create 't1', 'f1'");
      const input = parseCreate(ctx, args);
      await (await ctx.admin()).createTable(input);
      ctx.out.write(`Created table ${input.name}\n`);
      return new RubyObject(`Basalt::Table - ${input.name}`);
    },
  },
  {
    name: 'alter',
    group: 'ddl',
    tableArgument: true,
    help: `Alter a table. The table stays online while its schema changes. To add or change
a column family, pass its dictionary (an existing family is modified, a new one added):

  basalt> alter 't1', NAME => 'f1', VERSIONS => 5
  basalt> alter 't1', 'f1', {NAME => 'f2', IN_MEMORY => true}, {NAME => 'f3', VERSIONS => 5}

To delete the 'f1' column family in table 'ns1:t1', use one of:

  basalt> alter 'ns1:t1', NAME => 'f1', METHOD => 'delete'
  basalt> alter 'ns1:t1', 'delete' => 'f1'`,
    async run(ctx, args) {
      args.count(2, Infinity, "alter 't1', NAME => 'f1', VERSIONS => 5");
      const table = args.string(0, 'table');
      const admin = await ctx.admin();
      const existing = new Set((await admin.describeTable(table)).families.map((f) => f.name));
      for (let i = 1; i < args.length; i++) {
        const value = args.at(i)!;
        if (value.kind === 'string') {
          const family = asString(value, 'family');
          if (!existing.has(family)) await admin.addFamily(table, family);
          existing.add(family);
          continue;
        }
        const options = asOptions(value, `argument ${i + 1}`);
        if (!options.has('NAME') && !options.has('delete') && options.entries.every((e) => TABLE_ATTRIBUTES.includes(e.key))) {
          // Table attributes (MAX_FILESIZE, READONLY, …) have no meaning in Basalt yet.
          for (const entry of options.entries) ctx.err.write(`WARNING: ${entry.key} is ignored by Basalt\n`);
          continue;
        }
        if (options.has('delete')) {
          options.only(['delete'], 'alter (delete)');
          await admin.deleteFamily(table, options.string('delete')!);
          continue;
        }
        const method = options.string('METHOD');
        if (method !== undefined) {
          if (method !== 'delete') throw invalidArgument('METHOD', `only 'delete' is supported, got '${method}'`);
          options.only(['NAME', 'METHOD'], 'alter (delete)');
          const name = options.string('NAME');
          if (!name) throw invalidArgument('NAME', "METHOD => 'delete' needs NAME => 'family'");
          await admin.deleteFamily(table, name);
          existing.delete(name);
          continue;
        }
        const family = familyFromOptions(options, ctx.err);
        if (existing.has(family.name)) await admin.modifyFamily(table, family);
        else await admin.addFamily(table, family);
        existing.add(family.name);
      }
      ctx.out.write('Updating all regions with the new schema...\n');
      ctx.out.write('Done.\n');
      return undefined;
    },
  },
  {
    name: 'describe',
    aliases: ['desc'],
    group: 'ddl',
    tableArgument: true,
    help: `Describe the named table. For example:
  basalt> describe 't1'
  basalt> describe 'ns1:t1'

Alternatively, you can use the abbreviated 'desc' for the same thing.
  basalt> desc 't1'
  basalt> desc 'ns1:t1'`,
    async run(ctx, args) {
      args.count(1, 1, "describe 't1'");
      const table = args.string(0, 'table');
      const description = await (await ctx.admin()).describeTable(table);
      const f = ctx.formatter;
      const enabled = description.state === 'ENABLED' || description.state === 'ENABLING';
      f.header([`Table ${table} is ${enabled ? 'ENABLED' : 'DISABLED'}`]);
      f.row([displayTableName(description.name)]);
      f.header(['COLUMN FAMILIES DESCRIPTION']);
      for (const family of description.families) f.row([describeFamily(family)]);
      f.line();
      f.footer();
      return undefined;
    },
  },
  {
    name: 'list',
    group: 'ddl',
    help: `List all user tables. Optional regular expression parameter could
be used to filter the output (it must match the whole name). Examples:

  basalt> list
  basalt> list 'abc.*'
  basalt> list 'ns:abc.*'
  basalt> list 'ns:.*'`,
    async run(ctx, args) {
      args.count(0, 1, "list 'abc.*'");
      const names = await listTableNames(ctx, args.optionalString(0, 'regex') ?? '.*');
      if (ctx.json) {
        ctx.out.write(`${JSON.stringify(names)}\n`);
        return undefined;
      }
      ctx.formatter.header(['TABLE']);
      for (const name of names) ctx.formatter.row([name]);
      ctx.formatter.footer();
      return names;
    },
  },
  {
    name: 'show_filters',
    group: 'ddl',
    help: `Show all the filters the FILTER => "…" language knows.

  basalt> show_filters`,
    async run(ctx, args) {
      args.count(0, 0, 'show_filters');
      for (const name of FILTER_LANGUAGE_NAMES) ctx.out.write(`${name}\n`);
      return undefined;
    },
  },
  {
    name: 'locate_region',
    group: 'ddl',
    tableArgument: true,
    help: `Locate the region given a table name and a row-key

  basalt> locate_region 'tableName', 'key0'`,
    async run(ctx, args) {
      args.count(2, 2, "locate_region 't1', 'row'");
      const table = args.string(0, 'table');
      const row = args.bytes(1, 'row');
      const regions = await (await ctx.admin()).listRegions(table);
      const region = regions.find((r) => compareBytes(r.startKey, row) <= 0 && (r.endKey.length === 0 || compareBytes(row, r.endKey) < 0));
      ctx.formatter.header(['HOST', 'REGION']);
      if (region) {
        ctx.formatter.row([
          region.address || '(not open)',
          `{ENCODED => ${region.encodedName}, NAME => '${regionName(region)}', STARTKEY => '${toStringBinary(region.startKey)}', ENDKEY => '${toStringBinary(region.endKey)}'}`,
        ]);
      }
      ctx.formatter.footer();
      return undefined;
    },
  },
  {
    name: 'exists',
    group: 'ddl',
    tableArgument: true,
    help: `Does the named table exist?
  basalt> exists 't1'
  basalt> exists 'ns1:t1'`,
    async run(ctx, args) {
      args.count(1, 1, "exists 't1'");
      const table = args.string(0, 'table');
      const exists = await (await ctx.admin()).tableExists(table);
      ctx.out.write(`Table ${table} ${exists ? 'does exist' : 'does not exist'}\n`);
      return exists;
    },
  },
  {
    name: 'disable',
    group: 'ddl',
    tableArgument: true,
    help: `Start disable of named table:
  basalt> disable 't1'
  basalt> disable 'ns1:t1'`,
    async run(ctx, args) {
      args.count(1, 1, "disable 't1'");
      await (await ctx.admin()).disableTable(args.string(0, 'table'));
      return undefined;
    },
  },
  {
    name: 'enable',
    group: 'ddl',
    tableArgument: true,
    help: `Start enable of named table:
  basalt> enable 't1'
  basalt> enable 'ns1:t1'`,
    async run(ctx, args) {
      args.count(1, 1, "enable 't1'");
      await (await ctx.admin()).enableTable(args.string(0, 'table'));
      return undefined;
    },
  },
  {
    name: 'is_enabled',
    group: 'ddl',
    tableArgument: true,
    help: `Is named table enabled? For example:
  basalt> is_enabled 't1'
  basalt> is_enabled 'ns1:t1'`,
    async run(ctx, args) {
      args.count(1, 1, "is_enabled 't1'");
      const enabled = await (await ctx.admin()).isTableEnabled(args.string(0, 'table'));
      ctx.out.write(`${enabled}\n`);
      return enabled;
    },
  },
  {
    name: 'is_disabled',
    group: 'ddl',
    tableArgument: true,
    help: `Is named table disabled? For example:
  basalt> is_disabled 't1'
  basalt> is_disabled 'ns1:t1'`,
    async run(ctx, args) {
      args.count(1, 1, "is_disabled 't1'");
      const disabled = await (await ctx.admin()).isTableDisabled(args.string(0, 'table'));
      ctx.out.write(`${disabled}\n`);
      return disabled;
    },
  },
  {
    name: 'drop',
    group: 'ddl',
    tableArgument: true,
    help: `Drop the named table. Table must first be disabled:
  basalt> drop 't1'
  basalt> drop 'ns1:t1'`,
    async run(ctx, args) {
      args.count(1, 1, "drop 't1'");
      await (await ctx.admin()).deleteTable(args.string(0, 'table'));
      return undefined;
    },
  },
  ...(['disable', 'enable', 'drop'] as const).map((verb) => ({
    name: `${verb}_all`,
    group: 'ddl' as const,
    help: `${verb[0]!.toUpperCase()}${verb.slice(1)} all of tables matching the given regex (after a y/n confirmation):

  basalt> ${verb}_all 't.*'
  basalt> ${verb}_all 'ns:t.*'
  basalt> ${verb}_all 'ns:.*'`,
    async run(ctx: CommandContext, args: Args) {
      args.count(1, 1, `${verb}_all 't.*'`);
      const names = await listTableNames(ctx, args.string(0, 'regex'));
      if (names.length === 0) {
        ctx.out.write('No tables matched the regex\n');
        return undefined;
      }
      const title = verb === 'drop' ? 'Drop' : verb === 'disable' ? 'Disable' : 'Enable';
      if (!(await confirmAll(ctx, title, names))) return undefined;
      const admin = await ctx.admin();
      const failed: string[] = [];
      for (const name of names) {
        try {
          if (verb === 'drop') await admin.deleteTable(name);
          else if (verb === 'disable') await admin.disableTable(name);
          else await admin.enableTable(name);
        } catch (err) {
          failed.push(`${name} (${(err as { code?: string }).code ?? 'ERROR'})`);
        }
      }
      const past = verb === 'drop' ? 'dropped' : `${verb}d`;
      if (failed.length > 0) ctx.out.write(`The following table(s) could not be ${past}, please ${verb} them manually: ${failed.join(', ')}\n`);
      ctx.out.write(`${names.length - failed.length} tables successfully ${past}\n`);
      return undefined;
    },
  })),
]);
