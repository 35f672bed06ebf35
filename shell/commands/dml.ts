/** Data manipulation: put, get, scan, delete, deleteall, count, incr, get_counter, append, get_splits, truncate. */
import { invalidArgument } from '../../common/errors.js';
import { compareBytes, toStringBinary } from '../../common/bytes.js';
import type { Result, ResultCell } from '../../client/api.js';
import { asInteger, asOptions, type Args } from '../args.js';
import { defineCommands, type CommandContext } from '../command.js';
import { cellText, columnText } from '../format.js';
import { buildGet, buildScan, parseColumn, SCAN_OPTIONS, writeColumn } from './read-options.js';

/** A row as one JSON object (`--format json`); bytes in toStringBinary form (reversible). */
export function rowJson(result: Result): string {
  return JSON.stringify({ row: toStringBinary(result.row), cells: result.cells.map(cellJson) });
}

function cellJson(cell: ResultCell): Record<string, unknown> {
  const base: Record<string, unknown> = {
    column: columnText(cell),
    family: cell.family,
    qualifier: toStringBinary(cell.qualifier),
    timestamp: cell.timestamp,
  };
  if (cell.type !== 'Put') base.type = cell.type;
  else base.value = toStringBinary(cell.value);
  return base;
}

function clip(text: string, maxLength: number): string {
  return maxLength > 0 ? text.slice(0, maxLength) : text;
}

/** HBase's `disable; truncate` sequence with its messages. */
async function truncate(ctx: CommandContext, args: Args, preserveSplits: boolean): Promise<undefined> {
  args.count(1, 1, `${preserveSplits ? 'truncate_preserve' : 'truncate'} 't1'`);
  const table = args.string(0, 'table');
  const admin = await ctx.admin();
  ctx.out.write(`Truncating '${table}' table (it may take a while):\n`);
  if (await admin.isTableEnabled(table)) {
    ctx.out.write('Disabling table...\n');
    await admin.disableTable(table);
  }
  ctx.out.write('Truncating table...\n');
  await admin.truncateTable(table, { preserveSplits });
  return undefined;
}

export const dmlCommands = defineCommands([
  {
    name: 'put',
    group: 'dml',
    tableArgument: true,
    help: `Put a cell 'value' at specified table/row/column and optionally
timestamp coordinates.  To put a cell value into table 'ns1:t1' or 't1'
at row 'r1' under column 'c1' marked with the time 'ts1', do:

  basalt> put 'ns1:t1', 'r1', 'c1', 'value'
  basalt> put 't1', 'r1', 'c1', 'value'
  basalt> put 't1', 'r1', 'c1', 'value', ts1
  basalt> put 't1', 'r1', 'c1', 'value', {TTL => 5000}
  basalt> put 't1', 'r1', 'c1', 'value', ts1, {TTL => 5000}
  basalt> put 't1', "r\\x00", 'cf:q', "\\x01\\x02"

TTL is the cell's own time to live in milliseconds: it disappears once its
timestamp + TTL has passed (never later than the family's TTL allows).`,
    async run(ctx, args) {
      args.count(4, 6, "put 't1', 'r1', 'cf:q', 'value'");
      const table = args.string(0, 'table');
      const row = args.bytes(1, 'row');
      const column = writeColumn(args.required(2, 'column'));
      const value = args.bytes(3, 'value');
      let timestamp: number | undefined;
      const fifth = args.at(4);
      if (fifth && fifth.kind !== 'hash') timestamp = asInteger(fifth, 'timestamp', 0);
      const options = args.trailingOptions();
      if (args.length > 4) options.only(['ATTRIBUTES', 'TTL'], 'put');
      if (options.has('ATTRIBUTES')) throw invalidArgument('ATTRIBUTES', 'mutation attributes are not supported by Basalt');
      const ttlMs = options.integer('TTL', 1);
      await (await ctx.table(table)).put({
        row,
        cells: [{ ...column, value, ...(timestamp === undefined ? {} : { timestamp }) }],
        ...(ttlMs === undefined ? {} : { ttlMs }),
      });
      return undefined;
    },
  },
  {
    name: 'get',
    group: 'dml',
    tableArgument: true,
    help: `Get row or cell contents; pass table name, row, and optionally
a dictionary of column(s), timestamp, timerange and versions. Examples:

  basalt> get 'ns1:t1', 'r1'
  basalt> get 't1', 'r1'
  basalt> get 't1', 'r1', {TIMERANGE => [ts1, ts2]}
  basalt> get 't1', 'r1', {COLUMN => 'c1'}
  basalt> get 't1', 'r1', {COLUMN => ['c1', 'c2', 'c3']}
  basalt> get 't1', 'r1', {COLUMN => 'c1', TIMESTAMP => ts1}
  basalt> get 't1', 'r1', {COLUMN => 'c1', TIMERANGE => [ts1, ts2], VERSIONS => 4}
  basalt> get 't1', 'r1', {FILTER => "ValueFilter(=, 'binary:abc')"}
  basalt> get 't1', 'r1', 'c1'
  basalt> get 't1', 'r1', 'c1', 'c2'
  basalt> get 't1', 'r1', ['c1', 'c2']`,
    async run(ctx, args) {
      args.count(2, Infinity, "get 't1', 'r1'");
      const table = args.string(0, 'table');
      const row = args.bytes(1, 'row');
      const { get, maxLength } = buildGet(row, args.values.slice(2));
      const result = await (await ctx.table(table)).get(get);
      if (ctx.json) {
        // A missing row is an object with no cells, so a script reading one line per get stays in step.
        ctx.out.write(`${result.isEmpty ? JSON.stringify({ row: toStringBinary(row), cells: [] }) : rowJson(result)}\n`);
        return undefined;
      }
      ctx.formatter.header(['COLUMN', 'CELL']);
      for (const cell of result.cells) ctx.formatter.row([columnText(cell), clip(cellText(cell, ctx.timestampFormat), maxLength)]);
      ctx.formatter.footer(result.isEmpty ? 0 : 1);
      return undefined;
    },
  },
  {
    name: 'scan',
    group: 'dml',
    tableArgument: true,
    help: `Scan a table; pass table name and optionally a dictionary of scanner
specifications.  Scanner specifications may include one or more of:
TIMERANGE, FILTER, LIMIT, STARTROW, STOPROW, ROWPREFIXFILTER, TIMESTAMP,
MAXLENGTH, COLUMNS, CACHE, RAW, VERSIONS, REVERSED, BATCH

If no columns are specified, all columns will be scanned.
To scan all members of a column family, leave the qualifier empty as in
'col_family'.

The filter is a string in HBase's filter language. Some examples:

  basalt> scan 'basalt:meta'
  basalt> scan 'ns1:t1', {COLUMNS => ['c1', 'c2'], LIMIT => 10, STARTROW => 'xyz'}
  basalt> scan 't1', {COLUMNS => ['c1', 'c2'], LIMIT => 10, STARTROW => 'xyz'}
  basalt> scan 't1', {COLUMNS => 'c1', TIMERANGE => [1303668804000, 1303668904000]}
  basalt> scan 't1', {REVERSED => true}
  basalt> scan 't1', {ROWPREFIXFILTER => 'row2', FILTER => "
    (QualifierFilter (>=, 'binary:xyz')) AND (TimestampsFilter ( 123, 456))"}
  basalt> scan 't1', {RAW => true, VERSIONS => 10}`,
    async run(ctx, args) {
      args.count(1, 2, "scan 't1', {LIMIT => 10}");
      const table = args.string(0, 'table');
      const second = args.at(1);
      const options = second ? asOptions(second, 'options') : undefined;
      const { scan, maxLength } = options ? buildScan(options) : { scan: {}, maxLength: -1 };
      const handle = await ctx.table(table);
      // The first batch comes before the header, so a missing table prints only its error.
      const iterator = handle.scan(scan)[Symbol.asyncIterator]();
      let next = await iterator.next();
      if (!ctx.json) ctx.formatter.header(['ROW', 'COLUMN+CELL']);
      let rows = 0;
      for (; !next.done; next = await iterator.next()) {
        ctx.checkInterrupted();
        const result = next.value;
        rows++;
        if (ctx.json) {
          ctx.out.write(`${rowJson(result)}\n`);
          continue;
        }
        const key = toStringBinary(result.row);
        for (const cell of result.cells) ctx.formatter.row([key, `column=${columnText(cell)}, ${clip(cellText(cell, ctx.timestampFormat), maxLength)}`]);
      }
      if (!ctx.json) ctx.formatter.footer(rows);
      return undefined;
    },
  },
  {
    name: 'delete',
    group: 'dml',
    tableArgument: true,
    help: `Put a delete cell value at specified table/row/column and optionally
timestamp coordinates.  Deletes must match the deleted cell's
coordinates exactly.  When scanning, a delete cell suppresses older
versions. To delete a cell from  't1' at row 'r1' under column 'c1'
marked with the time 'ts1', do:

  basalt> delete 'ns1:t1', 'r1', 'c1', ts1
  basalt> delete 't1', 'r1', 'c1', ts1
  basalt> delete 't1', 'r1', 'c1'`,
    async run(ctx, args) {
      args.count(3, 4, "delete 't1', 'r1', 'c1'");
      const table = args.string(0, 'table');
      const row = args.bytes(1, 'row');
      const column = parseColumn(args.bytes(2, 'column'));
      const ts = args.at(3) ? asInteger(args.at(3)!, 'timestamp', 0) : undefined;
      const spec = { family: column.family, ...(column.qualifier ? { qualifier: column.qualifier } : {}), ...(ts === undefined ? {} : { timestamp: ts }) };
      await (await ctx.table(table)).delete({ row, columns: [spec] });
      return undefined;
    },
  },
  {
    name: 'deleteall',
    group: 'dml',
    tableArgument: true,
    help: `Delete all cells in a given row; pass a table name, row, and optionally
a column and timestamp. Deleteall also support deleting a row range using a
row key prefix. Examples:

  basalt> deleteall 'ns1:t1', 'r1'
  basalt> deleteall 't1', 'r1'
  basalt> deleteall 't1', 'r1', 'c1'
  basalt> deleteall 't1', 'r1', 'c1', ts1
  basalt> deleteall 't1', {ROWPREFIXFILTER => 'prefix'}
  basalt> deleteall 't1', {ROWPREFIXFILTER => 'prefix'}, 'c1'`,
    async run(ctx, args) {
      args.count(2, 4, "deleteall 't1', 'r1'");
      const tableName = args.string(0, 'table');
      const columnValue = args.at(2);
      const column = columnValue ? parseColumn(args.bytes(2, 'column')) : undefined;
      const ts = args.at(3) ? asInteger(args.at(3)!, 'timestamp', 0) : undefined;
      const columns = column
        ? [{ family: column.family, ...(column.qualifier ? { qualifier: column.qualifier, allVersions: true } : {}), ...(ts === undefined ? {} : { timestamp: ts }) }]
        : undefined;
      const rowValue = args.required(1, 'row');
      const handle = await ctx.table(tableName);
      if (rowValue.kind === 'hash') {
        const options = asOptions(rowValue, 'row').only(['ROWPREFIXFILTER', 'CACHE'], 'deleteall');
        const prefix = options.bytes('ROWPREFIXFILTER');
        if (prefix === undefined) throw invalidArgument('ROWPREFIXFILTER', 'deleteall with a hash needs ROWPREFIXFILTER');
        const cache = options.integer('CACHE', 1) ?? 100;
        let batch: Buffer[] = [];
        const flush = async (): Promise<void> => {
          if (batch.length === 0) return;
          await handle.delete(batch.map((row) => ({ row, ...(columns ? { columns } : {}), ...(ts !== undefined && !columns ? { timestamp: ts } : {}) })));
          batch = [];
        };
        for await (const result of handle.scan({ prefix, filter: 'FirstKeyOnlyFilter()' })) {
          batch.push(result.row);
          if (batch.length >= cache) await flush();
        }
        await flush();
        return undefined;
      }
      const row = args.bytes(1, 'row');
      await handle.delete({ row, ...(columns ? { columns } : {}), ...(ts !== undefined && !columns ? { timestamp: ts } : {}) });
      return undefined;
    },
  },
  {
    name: 'count',
    group: 'dml',
    tableArgument: true,
    help: `Count the number of rows in a table.  Return value is the number of rows.
Current count is shown every 1000 rows by default. Count interval may be
optionally specified. On a terminal a progress bar shows how far through the
table's regions the count is. Examples:

  basalt> count 'ns1:t1'
  basalt> count 't1'
  basalt> count 't1', INTERVAL => 100000
  basalt> count 't1', CACHE => 1000
  basalt> count 't1', INTERVAL => 10, CACHE => 1000
  basalt> count 't1', FILTER => "(QualifierFilter (>=, 'binary:xyz')) AND (TimestampsFilter ( 123, 456))"
  basalt> count 't1', COLUMNS => ['c1', 'c2'], STARTROW => 'abc', STOPROW => 'xyz'`,
    async run(ctx, args) {
      args.count(1, 2, "count 't1', INTERVAL => 1000");
      const tableName = args.string(0, 'table');
      const options = args.at(1) ? asOptions(args.at(1)!, 'options') : undefined;
      const interval = options?.integer('INTERVAL', 1) ?? 1000;
      const allowed = [...SCAN_OPTIONS, 'INTERVAL'];
      const { scan } = options ? buildScan(options, allowed, 'count') : { scan: {} as ReturnType<typeof buildScan>['scan'] };
      scan.filter = scan.filter === undefined ? 'FirstKeyOnlyFilter()' : `(${scan.filter as string}) AND FirstKeyOnlyFilter()`;
      scan.caching ??= 10;
      const table = await ctx.table(tableName);
      const progress = ctx.progress();
      const splits = progress ? await (await ctx.admin()).getSplits(tableName).catch(() => [] as Buffer[]) : [];
      ctx.restartTimer();
      let count = 0;
      try {
        for await (const result of table.scan(scan)) {
          ctx.checkInterrupted();
          count++;
          if (progress) progress.update(count, regionFraction(splits, result.row, scan.reversed === true), toStringBinary(result.row));
          if (count % interval === 0) ctx.out.write(`Current count: ${count}, row: ${toStringBinary(result.row)}\n`);
        }
      } finally {
        progress?.done();
      }
      ctx.formatter.footer(count);
      return count;
    },
  },
  {
    name: 'incr',
    group: 'dml',
    tableArgument: true,
    help: `Increments a cell 'value' at specified table/row/column coordinates.
To increment a cell value in table 'ns1:t1' or 't1' at row 'r1' under column
'c1' by 1 (can be omitted) or 10 do:

  basalt> incr 'ns1:t1', 'r1', 'c1'
  basalt> incr 't1', 'r1', 'c1'
  basalt> incr 't1', 'r1', 'c1', 1
  basalt> incr 't1', 'r1', 'c1', 10
  basalt> incr 't1', 'r1', 'c1', 10, {TTL => 5000}`,
    async run(ctx, args) {
      args.count(3, 5, "incr 't1', 'r1', 'c1', 1");
      const table = args.string(0, 'table');
      const row = args.bytes(1, 'row');
      const column = writeColumn(args.required(2, 'column'));
      const amount = args.at(3) && args.at(3)!.kind !== 'hash' ? asInteger(args.at(3)!, 'value') : 1;
      const options = args.trailingOptions();
      if (args.length > 3) options.only(['TTL'], 'incr');
      const ttlMs = options.integer('TTL', 1);
      const result = await (await ctx.table(table)).increment({ row, columns: [{ ...column, amount }], ...(ttlMs === undefined ? {} : { ttlMs }) });
      const value = result.counter(column.family, column.qualifier);
      ctx.out.write(`COUNTER VALUE = ${value ?? 0n}\n`);
      return undefined;
    },
  },
  {
    name: 'get_counter',
    group: 'dml',
    tableArgument: true,
    help: `Return a counter cell value at specified table/row/column coordinates.
A counter cell should be managed with atomic increment functions on Basalt
and the data should be binary encoded (as long value). Example:

  basalt> get_counter 'ns1:t1', 'r1', 'c1'
  basalt> get_counter 't1', 'r1', 'c1'`,
    async run(ctx, args) {
      args.count(3, 3, "get_counter 't1', 'r1', 'c1'");
      const table = args.string(0, 'table');
      const row = args.bytes(1, 'row');
      const column = writeColumn(args.required(2, 'column'));
      const result = await (await ctx.table(table)).get({ row, columns: [{ family: column.family, qualifier: column.qualifier }] });
      const value = result.value(column.family, column.qualifier);
      if (value === undefined) ctx.out.write('No counter found at specified coordinates\n');
      else if (value.length !== 8) throw invalidArgument('column', `the cell holds ${value.length} bytes, not an 8-byte counter`);
      else ctx.out.write(`COUNTER VALUE = ${value.readBigInt64BE(0)}\n`);
      return undefined;
    },
  },
  {
    name: 'append',
    group: 'dml',
    tableArgument: true,
    help: `Appends a cell 'value' at specified table/row/column coordinates.

  basalt> append 't1', 'r1', 'c1', 'value'
  basalt> append 't1', 'r1', 'c1', 'value', {TTL => 5000}`,
    async run(ctx, args) {
      args.count(4, 5, "append 't1', 'r1', 'c1', 'value'");
      const table = args.string(0, 'table');
      const row = args.bytes(1, 'row');
      const column = writeColumn(args.required(2, 'column'));
      const value = args.bytes(3, 'value');
      const options = args.trailingOptions();
      if (args.length > 4) options.only(['TTL'], 'append');
      const ttlMs = options.integer('TTL', 1);
      const result = await (await ctx.table(table)).append({ row, columns: [{ ...column, value }], ...(ttlMs === undefined ? {} : { ttlMs }) });
      const current = result.value(column.family, column.qualifier);
      ctx.out.write(`CURRENT VALUE = ${current === undefined ? '' : toStringBinary(current)}\n`);
      return undefined;
    },
  },
  {
    name: 'get_splits',
    group: 'dml',
    tableArgument: true,
    help: `Get the splits of the named table:
  basalt> get_splits 't1'
  basalt> get_splits 'ns1:t1'`,
    async run(ctx, args) {
      args.count(1, 1, "get_splits 't1'");
      const splits = await (await ctx.admin()).getSplits(args.string(0, 'table'));
      const texts = splits.map((s) => toStringBinary(s));
      ctx.out.write(`Total number of splits = ${splits.length + 1}\n`);
      for (const text of texts) ctx.out.write(`${text}\n`);
      return texts;
    },
  },
  {
    name: 'truncate',
    group: 'dml',
    tableArgument: true,
    help: `Disables, drops and recreates the specified table.`,
    run: (ctx, args) => truncate(ctx, args, false),
  },
  {
    name: 'truncate_preserve',
    group: 'dml',
    tableArgument: true,
    help: `Disables, drops and recreates the specified table while still maintaining the previous region boundaries.`,
    run: (ctx, args) => truncate(ctx, args, true),
  },
]);

/** How far through the table a row is, counted in regions (the only size the client knows). */
export function regionFraction(splits: Buffer[], row: Buffer, reversed: boolean): number {
  let index = 0;
  while (index < splits.length && compareBytes(row, splits[index]!) >= 0) index++;
  const regions = splits.length + 1;
  const fraction = (index + 0.5) / regions;
  return reversed ? 1 - fraction : fraction;
}
