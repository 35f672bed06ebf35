/** Namespace management: create, alter, describe, list, list tables, drop. */
import { displayTableName } from '../../common/table-names.js';
import { invalidArgument } from '../../common/errors.js';
import { asOptions, wrongType } from '../args.js';
import type { Value } from '../parser.js';
import { defineCommands } from '../command.js';
import { wholeMatch } from './ddl.js';

export const namespaceCommands = defineCommands([
  {
    name: 'create_namespace',
    group: 'namespace',
    help: `Create namespace; pass namespace name,
and optionally a dictionary of namespace configuration.
Examples:

  basalt> create_namespace 'ns1'
  basalt> create_namespace 'ns1', {'PROPERTY_NAME'=>'PROPERTY_VALUE'}`,
    async run(ctx, args) {
      args.count(1, 2, "create_namespace 'ns1'");
      const name = args.string(0, 'namespace');
      const properties: Record<string, string> = {};
      const value = args.at(1);
      if (value) for (const entry of asOptions(value, 'properties').entries) properties[entry.key] = asOptionString(entry.value, entry.key);
      await (await ctx.admin()).createNamespace(name, properties);
      return undefined;
    },
  },
  {
    name: 'alter_namespace',
    group: 'namespace',
    help: `Alter namespace properties.

To add/modify a property:

  basalt> alter_namespace 'ns1', {METHOD => 'set', 'PROPERTY_NAME' => 'PROPERTY_VALUE'}

To delete a property:

  basalt> alter_namespace 'ns1', {METHOD => 'unset', NAME=>'PROPERTY_NAME'}`,
    async run(ctx, args) {
      if (args.length < 2) args.count(2, 2, "alter_namespace 'ns1', {METHOD => 'set', 'PROPERTY_NAME' => 'PROPERTY_VALUE'}");
      const name = args.string(0, 'namespace');
      const admin = await ctx.admin();
      const properties = { ...(await admin.describeNamespace(name)).properties };
      // As HBase's admin.rb: each hash is one change, applied in order, then one modifyNamespace.
      for (let i = 1; i < args.length; i++) {
        const options = asOptions(args.required(i, 'method'), 'method');
        const methodEntry = options.entries.find((e) => e.key === 'METHOD');
        if (!methodEntry) throw invalidArgument('METHOD', `alter_namespace needs METHOD => 'set' or 'unset' in argument ${i + 1}`);
        const method = asOptionString(methodEntry.value, 'METHOD');
        if (method === 'unset') {
          const nameEntry = options.entries.find((e) => e.key === 'NAME');
          if (!nameEntry) throw invalidArgument('NAME', "METHOD => 'unset' needs NAME => 'PROPERTY_NAME'");
          delete properties[asOptionString(nameEntry.value, 'NAME')];
        } else if (method === 'set') {
          for (const entry of options.entries) {
            if (entry.key !== 'METHOD') properties[entry.key] = asOptionString(entry.value, entry.key);
          }
        } else {
          throw invalidArgument('METHOD', `unknown method ${method} (set or unset)`);
        }
      }
      await admin.modifyNamespace(name, properties);
      return undefined;
    },
  },
  {
    name: 'describe_namespace',
    group: 'namespace',
    help: `Describe the named namespace. For example:
  basalt> describe_namespace 'ns1'`,
    async run(ctx, args) {
      args.count(1, 1, "describe_namespace 'ns1'");
      const ns = await (await ctx.admin()).describeNamespace(args.string(0, 'namespace'));
      const props = Object.entries(ns.properties).map(([k, v]) => `, ${k} => '${v}'`).join('');
      ctx.formatter.header(['DESCRIPTION']);
      ctx.formatter.row([`{NAME => '${ns.name}'${props}}`]);
      return undefined;
    },
  },
  {
    name: 'list_namespace',
    group: 'namespace',
    help: `List all namespaces. Optional regular expression parameter could
be used to filter the output. Examples:

  basalt> list_namespace
  basalt> list_namespace 'ns.*'`,
    async run(ctx, args) {
      args.count(0, 1, "list_namespace 'ns.*'");
      const regex = wholeMatch(args.optionalString(0, 'regex') ?? '.*');
      const names = (await (await ctx.admin()).listNamespaces()).map((n) => n.name).filter((n) => regex.test(n)).sort();
      if (ctx.json) {
        ctx.out.write(`${JSON.stringify(names)}\n`);
        return undefined;
      }
      ctx.formatter.header(['NAMESPACE']);
      for (const name of names) ctx.formatter.row([name]);
      ctx.formatter.footer();
      return undefined;
    },
  },
  {
    name: 'list_namespace_tables',
    group: 'namespace',
    help: `List all tables that are members of the namespace.
Examples:

  basalt> list_namespace_tables 'ns1'`,
    async run(ctx, args) {
      args.count(1, 1, "list_namespace_tables 'ns1'");
      const tables = await (await ctx.admin()).listNamespaceTables(args.string(0, 'namespace'));
      const names = tables.map((t) => displayTableName(t.name).replace(/^[^:]*:/, '')).sort();
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
    name: 'drop_namespace',
    group: 'namespace',
    help: `Drop the named namespace. The namespace must be empty.
  basalt> drop_namespace 'ns1'`,
    async run(ctx, args) {
      args.count(1, 1, "drop_namespace 'ns1'");
      await (await ctx.admin()).deleteNamespace(args.string(0, 'namespace'));
      return undefined;
    },
  },
]);

function asOptionString(value: Value, key: string): string {
  if (value.kind === 'string') return value.bytes.toString('utf8');
  if (value.kind === 'number' || value.kind === 'boolean') return String(value.value);
  if (value.kind === 'constant') return value.name;
  throw wrongType(key, 'a string', value);
}
