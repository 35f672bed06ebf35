/** Proves every shell command's complete output in HBase's layout, run against an in-memory Connection (deterministic timestamps, Took fixed at zero). */
import { beforeAll, describe, expect, it } from 'vitest';
import { FakeCluster } from './fake-connection.js';
import { fakeSession, run } from './harness.js';

beforeAll(() => {
  process.env.TZ = 'UTC';
});

const TOOK = 'Took 0.0000 seconds';

async function withTable(): Promise<FakeCluster> {
  const cluster = new FakeCluster();
  await run(["create 't1', 'cf'", "put 't1', 'row1', 'cf:a', 'value1'", "put 't1', 'row2', 'cf:b', 'value2'", "put 't1', 'row3', 'cf:c', 'value3'"], cluster);
  return cluster;
}

describe('shell commands (in-memory cluster)', () => {
  it('runs the HBase quick-start sequence with HBase output', async () => {
    const { out, err, ok } = await run([
      "create 'test', 'cf'",
      "list 'test'",
      "put 'test', 'row1', 'cf:a', 'value1'",
      "put 'test', 'row2', 'cf:b', 'value2'",
      "put 'test', 'row3', 'cf:c', 'value3'",
      "scan 'test'",
      "get 'test', 'row1'",
      "disable 'test'",
      "drop 'test'",
    ]);
    expect(err).toBe('');
    expect(ok).toBe(true);
    expect(out).toBe(
      [
        'Created table test', TOOK, '=> Basalt::Table - test',
        'TABLE', 'test', '1 row(s)', TOOK, '=> ["test"]',
        TOOK, TOOK, TOOK,
        'ROW  COLUMN+CELL',
        ' row1 column=cf:a, timestamp=2023-11-14T22:13:20, value=value1',
        ' row2 column=cf:b, timestamp=2023-11-14T22:13:20.001, value=value2',
        ' row3 column=cf:c, timestamp=2023-11-14T22:13:20.002, value=value3',
        '3 row(s)', TOOK,
        'COLUMN  CELL', ' cf:a timestamp=2023-11-14T22:13:20, value=value1', '1 row(s)', TOOK,
        TOOK, TOOK, '',
      ].join('\n'),
    );
  });

  it('describes a table with its families in HBase form', async () => {
    const { out } = await run(["create 't2', {NAME => 'f', VERSIONS => 3, TTL => 90, BLOOMFILTER => 'ROWCOL', IN_MEMORY => true}", "disable 't2'", "describe 't2'"]);
    expect(out.split('\n').slice(4).join('\n')).toBe(
      [
        'Table t2 is DISABLED', 't2', 'COLUMN FAMILIES DESCRIPTION',
        "{NAME => 'f', VERSIONS => '3', KEEP_DELETED_CELLS => 'FALSE', TTL => '90 SECONDS (1 MINUTE 30 SECONDS)', MIN_VERSIONS => '0', BLOOMFILTER => 'ROWCOL', IN_MEMORY => 'true'}",
        '', '1 row(s)', TOOK, '',
      ].join('\n'),
    );
  });

  it("answers desc as describe, and warns about HBase attributes Basalt ignores", async () => {
    const cluster = await withTable();
    const desc = await run(["desc 't1'"], cluster);
    const describe = await run(["describe 't1'"], cluster);
    expect(desc.out).toBe(describe.out);
    const { out, err } = await run(["alter 't1', MAX_FILESIZE => '134217728'", "create 'c', {NAME => 'f', COMPRESSION => 'SNAPPY'}"], cluster);
    expect(err).toBe("WARNING: MAX_FILESIZE is ignored by Basalt\nWARNING: COMPRESSION is ignored by Basalt (family 'f')\n");
    expect(out).toContain('Created table c');
  });

  it('alters families: adds, modifies and deletes', async () => {
    const cluster = new FakeCluster();
    const { out, err } = await run(["create 't', 'a'", "alter 't', NAME => 'a', VERSIONS => 5", "alter 't', 'b', {NAME => 'c'}", "alter 't', 'delete' => 'b'", "alter 't', NAME => 'c', METHOD => 'delete'"], cluster);
    expect(err).toBe('');
    expect(out).toContain(`Updating all regions with the new schema...\nDone.\n${TOOK}\n`);
    expect(cluster.stored('t').families.map((f) => `${f.name}:${f.versions}`)).toEqual(['a:5']);
  });

  it('prints exists, is_enabled, is_disabled and their return values', async () => {
    const cluster = await withTable();
    const { out } = await run(["exists 't1'", "exists 'nope'", "is_enabled 't1'", "is_disabled 't1'"], cluster);
    expect(out).toBe(['Table t1 does exist', TOOK, '=> true', 'Table nope does not exist', TOOK, '=> false', 'true', TOOK, '=> true', 'false', TOOK, '=> false', ''].join('\n'));
  });

  it('scans with options, binary bytes and JSON output', async () => {
    const cluster = await withTable();
    await run([`put 't1', "bin\\x00", 'cf:q', "\\xff\\x01"`], cluster);
    const { out } = await run(["scan 't1', {STARTROW => 'row2', LIMIT => 1, COLUMNS => ['cf']}", "scan 't1', {ROWPREFIXFILTER => 'bin', MAXLENGTH => 20}"], cluster);
    expect(out).toBe(
      ['ROW  COLUMN+CELL', ' row2 column=cf:b, timestamp=2023-11-14T22:13:20.001, value=value2', '1 row(s)', TOOK, 'ROW  COLUMN+CELL', ' bin\\x00 column=cf:q, timestamp=2023-11-14', '1 row(s)', TOOK, ''].join('\n'),
    );
    const json = await run(["scan 't1', {LIMIT => 2}", "get 't1', 'row1'", "get 't1', 'nope'", 'list'], cluster, { json: true });
    expect(json.out.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([
      { row: 'bin\\x00', cells: [{ column: 'cf:q', family: 'cf', qualifier: 'q', timestamp: 1_700_000_000_003, value: '\\xFF\\x01' }] },
      { row: 'row1', cells: [{ column: 'cf:a', family: 'cf', qualifier: 'a', timestamp: 1_700_000_000_000, value: 'value1' }] },
      { row: 'row1', cells: [{ column: 'cf:a', family: 'cf', qualifier: 'a', timestamp: 1_700_000_000_000, value: 'value1' }] },
      { row: 'nope', cells: [] },
      ['t1'],
    ]);
  });

  it('gets by column list, by COLUMN hash, and prints 0 row(s) for a missing row', async () => {
    const cluster = await withTable();
    const { out } = await run(["get 't1', 'row2', 'cf:b', 'cf:a'", "get 't1', 'row1', {COLUMN => 'cf:zz'}", "get 't1', 'missing'"], cluster);
    expect(out).toBe(['COLUMN  CELL', ' cf:b timestamp=2023-11-14T22:13:20.001, value=value2', '1 row(s)', TOOK, 'COLUMN  CELL', '0 row(s)', TOOK, 'COLUMN  CELL', '0 row(s)', TOOK, ''].join('\n'));
  });

  it('deletes a cell and whole rows, also by row prefix', async () => {
    const cluster = await withTable();
    const { err } = await run(["delete 't1', 'row1', 'cf:a'", "deleteall 't1', 'row2'", "deleteall 't1', {ROWPREFIXFILTER => 'row'}"], cluster);
    expect(err).toBe('');
    expect(cluster.stored('t1').cells).toHaveLength(0);
  });

  it('counts rows with INTERVAL progress lines and returns the count', async () => {
    const cluster = await withTable();
    const { out } = await run(["count 't1', INTERVAL => 1"], cluster);
    expect(out).toBe(['Current count: 1, row: row1', 'Current count: 2, row: row2', 'Current count: 3, row: row3', '3 row(s)', TOOK, '=> 3', ''].join('\n'));
  });

  it('increments, reads and appends counters and values', async () => {
    const cluster = await withTable();
    const { out } = await run(["incr 't1', 'c', 'cf:n'", "incr 't1', 'c', 'cf:n', 10", "get_counter 't1', 'c', 'cf:n'", "get_counter 't1', 'c', 'cf:none'", "append 't1', 'row1', 'cf:a', '+x'"], cluster);
    expect(out).toBe(['COUNTER VALUE = 1', TOOK, 'COUNTER VALUE = 11', TOOK, 'COUNTER VALUE = 11', TOOK, 'No counter found at specified coordinates', TOOK, 'CURRENT VALUE = value1+x', TOOK, ''].join('\n'));
  });

  it('creates pre-split tables and prints their splits and regions', async () => {
    const { out } = await run(["create 's', 'f', SPLITS => ['g', 'p']", "get_splits 's'", "list_regions 's'"]);
    const lines = out.split('\n');
    expect(lines.slice(3, 8)).toEqual(['Total number of splits = 3', 'g', 'p', TOOK, '=> ["g", "p"]']);
    expect(lines[8]).toMatch(/^ +SERVER_NAME \| +REGION_NAME \| START_KEY \| END_KEY \| STATE \| OPEN_EPOCH \|$/);
    expect(lines[10]).toMatch(/^ 127\.0\.0\.1:16020,1 \|  s,,1000\.[0-9a-f]{32}\. \| +\| +g \|  OPEN \| +1 \|$/);
    expect(lines[13]).toBe(' 3 rows');
  });

  it('truncates a table through disable, as HBase prints it', async () => {
    const cluster = await withTable();
    const { out } = await run(["truncate 't1'", "count 't1'"], cluster);
    expect(out).toBe(["Truncating 't1' table (it may take a while):", 'Disabling table...', 'Truncating table...', TOOK, '0 row(s)', TOOK, '=> 0', ''].join('\n'));
  });

  it('manages namespaces', async () => {
    const { out, err } = await run(["create_namespace 'ns1', {'owner' => 'ada'}", "create 'ns1:t', 'f'", 'list_namespace', "describe_namespace 'ns1'", "list_namespace_tables 'ns1'", "disable 'ns1:t'", "drop 'ns1:t'", "drop_namespace 'ns1'", "list_namespace 'ns.*'"]);
    expect(err).toBe('');
    expect(out).toBe(
      [
        TOOK, 'Created table ns1:t', TOOK, '=> Basalt::Table - ns1:t',
        'NAMESPACE', 'basalt', 'default', 'ns1', '3 row(s)', TOOK,
        'DESCRIPTION', "{NAME => 'ns1', owner => 'ada'}", TOOK,
        'TABLE', 't', '1 row(s)', TOOK, '=> ["t"]',
        TOOK, TOOK, TOOK,
        'NAMESPACE', '0 row(s)', TOOK, '',
      ].join('\n'),
    );
  });

  it('drops tables by regex only after a yes', async () => {
    const cluster = await withTable();
    await run(["create 't2', 'f'", "create 'other', 'f'", "disable_all 't.*'"], cluster, { confirm: async () => true });
    const refused = await run(["drop_all 't.*'"], cluster, { confirm: async () => false });
    expect(refused.out).toBe(['t1', 't2', '', TOOK, ''].join('\n'));
    expect(cluster.tables.size).toBe(3);
    const questions: string[] = [];
    const { out } = await run(["drop_all 't.*'"], cluster, { confirm: async (q) => (questions.push(q), true) });
    expect(questions).toEqual(['Drop the above 2 tables (y/n)?']);
    expect(out).toBe(['t1', 't2', '', '2 tables successfully dropped', TOOK, ''].join('\n'));
    expect([...cluster.tables.keys()]).toEqual(['default:other']);
  });

  it('runs the tools against tables and encoded region names', async () => {
    const cluster = await withTable();
    const region = 'a'.repeat(32);
    const { out, err } = await run(['balancer', 'balance_switch false', 'balancer', `split 't1', 'row2'`, `split '${region}'`, `merge_region '${region}', '${'b'.repeat(32)}'`, `move '${region}', 'h:1'`, `assign '${region}'`, `unassign '${region}'`, "flush 't1'", "compact 't1'", `major_compact '${region}'`], cluster);
    expect(err).toBe('');
    expect(out.split('\n').slice(0, 8)).toEqual(['true', TOOK, '=> true', 'Previous balancer state : true', TOOK, '=> "true"', 'false', TOOK]);
    expect(cluster.calls).toEqual([
      'split {"table":"t1"} row2', `split {"region":"${region}"}`, `merge ${region},${'b'.repeat(32)}`, `move ${region} h:1`, `assign ${region}`, `unassign ${region}`,
      'flush {"table":"t1"}', 'compact {"table":"t1"}', `major_compact {"region":"${region}"}`,
    ]);
  });

  it('locates a row\'s region, lists filters, the balancer state and procedures', async () => {
    const { out, err } = await run(["create 's', 'f', SPLITS => ['g', 'p']", "locate_region 's', 'h'", 'show_filters', 'balancer_enabled', 'list_procedures']);
    expect(err).toBe('');
    const lines = out.split('\n');
    expect(lines.slice(3, 7)).toEqual(['HOST  REGION', expect.stringMatching(/^ 127\.0\.0\.1:16020 \{ENCODED => [0-9a-f]{32}, NAME => 's,g,1001\.[0-9a-f]{32}\.', STARTKEY => 'g', ENDKEY => 'p'\}$/), '1 row(s)', TOOK]);
    expect(out).toContain('\nPrefixFilter\n');
    expect(out).toContain(`\ntrue\n${TOOK}\n=> true\n`);
    expect(out).toContain(`PID Name State Submitted Last_Update Parameters\n0 row(s)\n${TOOK}\n`);
  });

  it('prints status in its three forms', async () => {
    const cluster = await withTable();
    const { out } = await run(['status', "status 'simple'", "status 'detailed'"], cluster);
    expect(out.split('\n')[0]).toBe('1 active master, 0 backup masters, 1 servers, 0 dead, 1.0000 average load');
    expect(out).toContain('active master:  127.0.0.1:16000,1\n0 backup masters\n1 live servers\n    127.0.0.1:16020,1\n');
    expect(out).toContain('        "t1,,1000.');
  });

  it('prints help for everything, one command, and one group', async () => {
    const { out } = await run(['help', "help 'get'", "help 'namespace'"]);
    expect(out).toContain('  Group name: dml\n  Commands: append, count, delete, deleteall, get, get_counter, get_splits, incr, put, scan, truncate, truncate_preserve\n');
    expect(out).toContain("  basalt> get 't1', 'r1', {COLUMN => 'c1'}\n");
    expect(out).toContain('Command: create_namespace\n');
    expect(out).not.toContain('Took');
    const unknown = await run("help 'gett'");
    expect(unknown.err).toBe("ERROR: INVALID_ARGUMENT: command: no command or command group named 'gett'; did you mean 'get'?\n");
  });

  it('prints zk_dump from the coordination dump it is given', async () => {
    const { out } = await run(['zk_dump'], new FakeCluster(), { coordinationDump: async () => ['Basalt is rooted at /basalt', 'Region servers:'] });
    expect(out).toBe(['Basalt is rooted at /basalt', 'Region servers:', TOOK, ''].join('\n'));
  });
});

describe('shell bad input', () => {
  it('answers an unknown command with the nearest one and keeps going', async () => {
    const { session, take } = fakeSession();
    expect((await session.execute('lst')).ok).toBe(false);
    expect((await session.execute('version')).ok).toBe(true);
    const { out, err } = take();
    expect(err).toBe("ERROR: INVALID_ARGUMENT: command: unknown command 'lst'; did you mean 'list'? (type 'help' for the list)\n");
    expect(out).toBe(`0.1.0, Node ${process.version}\n${TOOK}\n`);
  });

  it('names HBase commands Basalt does not have instead of guessing a typo', async () => {
    const { err } = await run('snapshot \'t1\', \'snap\'');
    expect(err).toBe("ERROR: INVALID_ARGUMENT: command: 'snapshot' is an HBase shell command Basalt does not have (type 'help' for the list)\n");
  });

  it('rejects wrong argument types and counts before touching the cluster', async () => {
    const cluster = await withTable();
    const { err, out } = await run(["put 't1', 'r', 'cf:a', ['v']", "get 't1'", "scan 't1', 'x'", "create 't9', {NAME => 'f', VERSIONS => 'many'}", "scan 't1', {LIMITS => 1}"], cluster);
    expect(out).toBe('');
    expect(err.split('\n')).toEqual([
      'ERROR: INVALID_ARGUMENT: value: expected a string, got an array at 1:24',
      "ERROR: INVALID_ARGUMENT: arguments: get takes at least 2 argument(s), got 1 (usage: get 't1', 'r1')",
      'ERROR: INVALID_ARGUMENT: options: expected a hash ({KEY => value}), got a string at 1:12',
      'ERROR: INVALID_ARGUMENT: VERSIONS: expected an integer, got a string at 1:40',
      "ERROR: INVALID_ARGUMENT: syntax: unknown constant LIMITS (did you mean LIMIT?) at 1:13",
      '',
    ]);
  });

  it('reports a missing table with its code', async () => {
    const { err, ok } = await run(["scan 'nope'"]);
    expect(ok).toBe(false);
    expect(err).toBe('ERROR: TABLE_NOT_FOUND: table nope does not exist\n');
  });

  it('stops waiting for a command on interrupt (Ctrl-C) and reports it as one ERROR line', async () => {
    const cluster = await withTable();
    const connection = cluster.connection();
    const hanging = { ...connection, table: () => ({ ...connection.table('t1'), get: () => new Promise<never>(() => undefined) }) } as typeof connection;
    const { session, take } = fakeSession(cluster, { connect: async () => hanging });
    const running = session.execute("get 't1', 'row1'; version");
    await new Promise((resolve) => setImmediate(resolve));
    expect(session.interrupt()).toBe(true);
    expect((await running).ok).toBe(false);
    expect(take()).toEqual({ out: '', err: 'ERROR: INTERRUPTED: interrupted (Ctrl-C); an operation already sent may still complete\n' });
    expect(session.interrupt()).toBe(false);
  });

  it('stops a line at its first failure unless told to continue', async () => {
    const stop = await run("get 'nope', 'r'; version");
    expect(stop.out).toBe('');
    const go = await run("get 'nope', 'r'; version", new FakeCluster(), { continueOnError: true });
    expect(go.out).toContain('0.1.0');
  });
});
