/** Proves the built `basalt shell` binary against a real standalone cluster (child process): the HBase quick start and every command with complete outputs (Took figures and timestamps masked), scripts from -e, a file and standard input alike, JSON output, and bad input as one ERROR line with a non-zero exit. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mask, runShell, startStandalone, type StandaloneCluster } from './cluster-support.js';

let cluster: StandaloneCluster;
const T = 'Took T seconds';

beforeAll(async () => {
  cluster = await startStandalone();
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
});

function shell(script: string, ...flags: string[]): ReturnType<typeof runShell> {
  return runShell(['--coord', cluster.coord, ...flags, '-e', script]);
}

describe('basalt shell against a real cluster', () => {
  it('runs the HBase quick-start sequence with complete HBase output', async () => {
    const run = await shell(
      "create 'test', 'cf'; list 'test'; put 'test', 'row1', 'cf:a', 'value1'; put 'test', 'row2', 'cf:b', 'value2'; put 'test', 'row3', 'cf:c', 'value3'; scan 'test'; get 'test', 'row1'; disable 'test'; drop 'test'; exists 'test'",
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(mask(run.stdout)).toBe(
      [
        'Created table test', T, '=> Basalt::Table - test',
        'TABLE', 'test', '1 row(s)', T, '=> ["test"]',
        T, T, T,
        'ROW  COLUMN+CELL',
        ' row1 column=cf:a, timestamp=TS, value=value1',
        ' row2 column=cf:b, timestamp=TS, value=value2',
        ' row3 column=cf:c, timestamp=TS, value=value3',
        '3 row(s)', T,
        'COLUMN  CELL', ' cf:a timestamp=TS, value=value1', '1 row(s)', T,
        T, T,
        'Table test does not exist', T, '=> false', '',
      ].join('\n'),
    );
  });

  it('runs the table, data and namespace commands with complete output', async () => {
    const run = await shell(
      [
        "create_namespace 'ns1'",
        "create 'ns1:t', {NAME => 'f', VERSIONS => 3, TTL => 86400}, SPLITS => ['g', 'p']",
        "list_namespace 'ns1'", "describe_namespace 'ns1'", "list_namespace_tables 'ns1'", "get_splits 'ns1:t'",
        "is_enabled 'ns1:t'", "is_disabled 'ns1:t'",
        "put 'ns1:t', 'a', 'f:q', 'v1'", "put 'ns1:t', 'h', 'f:q', 'v2'", `put 'ns1:t', "z\\x00", 'f:q', "\\x00\\xff"`,
        "scan 'ns1:t', {REVERSED => true}", "scan 'ns1:t', {STARTROW => 'b', STOPROW => 'z', COLUMNS => ['f:q']}", `scan 'ns1:t', {FILTER => "PrefixFilter('h')"}`,
        "count 'ns1:t', INTERVAL => 2",
        "incr 'ns1:t', 'c', 'f:n', 3", "incr 'ns1:t', 'c', 'f:n'", "get_counter 'ns1:t', 'c', 'f:n'",
        "append 'ns1:t', 'a', 'f:q', '+'", "get 'ns1:t', 'a', {VERSIONS => 3}", "get 'ns1:t', 'a', 'f:q'",
        "delete 'ns1:t', 'a', 'f:q'", "get 'ns1:t', 'a'", "deleteall 'ns1:t', 'h'", "deleteall 'ns1:t', {ROWPREFIXFILTER => 'c'}", "count 'ns1:t'",
        "alter 'ns1:t', NAME => 'g2', IN_MEMORY => true", "alter 'ns1:t', NAME => 'f', VERSIONS => 1", "describe 'ns1:t'",
        "truncate_preserve 'ns1:t'", "get_splits 'ns1:t'", "truncate 'ns1:t'", "get_splits 'ns1:t'",
        "disable 'ns1:t'", "is_disabled 'ns1:t'", "enable 'ns1:t'", "disable_all 'ns1:.*'", "drop_all 'ns1:.*'", "drop_namespace 'ns1'", "list 'ns1:.*'",
      ].join('; '),
      '--yes',
    );
    expect(run.stderr).toBe('');
    expect(mask(run.stdout)).toBe(
      [
        T,
        'Created table ns1:t', T, '=> Basalt::Table - ns1:t',
        'NAMESPACE', 'ns1', '1 row(s)', T,
        'DESCRIPTION', "{NAME => 'ns1'}", T,
        'TABLE', 't', '1 row(s)', T, '=> ["t"]',
        'Total number of splits = 3', 'g', 'p', T, '=> ["g", "p"]',
        'true', T, '=> true', 'false', T, '=> false',
        T, T, T,
        'ROW  COLUMN+CELL', ' z\\x00 column=f:q, timestamp=TS, value=\\x00\\xFF', ' h column=f:q, timestamp=TS, value=v2', ' a column=f:q, timestamp=TS, value=v1', '3 row(s)', T,
        'ROW  COLUMN+CELL', ' h column=f:q, timestamp=TS, value=v2', '1 row(s)', T,
        'ROW  COLUMN+CELL', ' h column=f:q, timestamp=TS, value=v2', '1 row(s)', T,
        'Current count: 2, row: h', '3 row(s)', T, '=> 3',
        'COUNTER VALUE = 3', T, 'COUNTER VALUE = 4', T, 'COUNTER VALUE = 4', T,
        'CURRENT VALUE = v1+', T,
        'COLUMN  CELL', ' f:q timestamp=TS, value=v1+', ' f:q timestamp=TS, value=v1', '1 row(s)', T,
        'COLUMN  CELL', ' f:q timestamp=TS, value=v1+', '1 row(s)', T,
        T, 'COLUMN  CELL', ' f:q timestamp=TS, value=v1', '1 row(s)', T,
        T, T, '2 row(s)', T, '=> 2',
        'Updating all regions with the new schema...', 'Done.', T,
        'Updating all regions with the new schema...', 'Done.', T,
        'Table ns1:t is ENABLED', 'ns1:t', 'COLUMN FAMILIES DESCRIPTION',
        "{NAME => 'f', VERSIONS => '1', KEEP_DELETED_CELLS => 'FALSE', TTL => '86400 SECONDS (1 DAY)', MIN_VERSIONS => '0', BLOOMFILTER => 'ROW', IN_MEMORY => 'false'}",
        "{NAME => 'g2', VERSIONS => '1', KEEP_DELETED_CELLS => 'FALSE', TTL => 'FOREVER', MIN_VERSIONS => '0', BLOOMFILTER => 'ROW', IN_MEMORY => 'true'}",
        '', '2 row(s)', T,
        "Truncating 'ns1:t' table (it may take a while):", 'Disabling table...', 'Truncating table...', T,
        'Total number of splits = 3', 'g', 'p', T, '=> ["g", "p"]',
        "Truncating 'ns1:t' table (it may take a while):", 'Disabling table...', 'Truncating table...', T,
        'Total number of splits = 1', T, '=> []',
        T, 'true', T, '=> true', T,
        'ns1:t', '', 'Disable the above 1 tables (y/n)? y (--yes)', '1 tables successfully disabled', T,
        'ns1:t', '', 'Drop the above 1 tables (y/n)? y (--yes)', '1 tables successfully dropped', T,
        T,
        'TABLE', '0 row(s)', T, '=> []', '',
      ].join('\n'),
    );
  });

  it('runs the general commands and the tools', async () => {
    const setup = await shell("create 'tools', 'f'; put 'tools', 'a', 'f:q', '1'; list_regions 'tools'");
    expect(setup.stderr).toBe('');
    const grid = setup.stdout.split('\n').slice(4, 8);
    expect(grid[0]).toMatch(/^ +SERVER_NAME \| +REGION_NAME \| START_KEY \| END_KEY \| STATE \| OPEN_EPOCH \|$/);
    expect(grid[1]).toMatch(/^ -+ \| -+ \| -+ \| -+ \| -+ \| -+ \|$/);
    const row = /^ (127\.0\.0\.1:\d+,\d+) \| tools,,\d+\.([0-9a-f]{32})\. \| +\| +\| +OPEN \| +\d+ \|$/.exec(grid[2]!);
    expect(row, grid[2]).not.toBeNull();
    expect(grid[3]).toBe(' 1 rows');
    const [, server, region] = row!;

    const run = await shell(
      [
        'status', "status 'simple'", "status 'detailed'", 'version', 'whoami',
        'balance_switch false', 'balancer', 'balance_switch true', 'balancer',
        "flush 'tools'", "compact 'tools'", `major_compact '${region}'`,
        `unassign '${region}'`, `assign '${region}'`, `move '${region}'`, `move '${region}', '${server}'`, "scan 'tools'",
        'zk_dump',
      ].join('; '),
    );
    expect(run.stderr).toBe('');
    const out = mask(run.stdout);
    expect(out).toMatch(/^1 active master, 0 backup masters, 1 servers, 0 dead, \d+\.\d{4} average load\nTook T seconds\n/);
    expect(out).toMatch(/\nactive master:  127\.0\.0\.1:\d+,\d+\n0 backup masters\n1 live servers\n {4}127\.0\.0\.1:\d+,\d+\n {8}requestsPerSecond=/);
    expect(out).toMatch(/\nversion \d+\.\d+\.\d+\ncluster id \S+\n0 regionsInTransition\n/);
    expect(out).toMatch(/\n {8}"tools,,\d+\.[0-9a-f]{32}\."\n/);
    expect(out).toContain(`\n0.1.0, Node ${process.version}\n${T}\n`);
    expect(out).toMatch(/\n\S+ \(auth:SIMPLE\)\n {4}groups: \S/);
    expect(out).toMatch(/\nPrevious balancer state : true\nTook T seconds\n=> "true"\n(true|false)\nTook T seconds\n=> \1\nPrevious balancer state : false\nTook T seconds\n=> "false"\ntrue\nTook T seconds\n=> true\n/);
    expect(out).toContain(`\n${[T, T, T, T, T, T, T].join('\n')}\nROW  COLUMN+CELL\n a column=f:q, timestamp=TS, value=1\n1 row(s)\n${T}\n`);
    expect(out).toContain('\nBasalt is rooted at /basalt\nActive master address: 127.0.0.1:');
    expect(out).toContain(`\nRegion servers:\n ${server}\nTree under /basalt:\n`);
    expect(out).toMatch(/\nCoordination members:\n 127\.0\.0\.1:\d+: id=1 role=leader term=\d+ commitIndex=\d+ sessions=\d+ znodes=\d+\nTook T seconds\n$/);
  });

  it('reports what the cluster refuses (split, merge when unsupported) as one ERROR line with its code', async () => {
    const run = await shell("create 'sm', 'f'; split 'sm', 'm'; version", '--continue');
    const errors = run.stderr.split('\n').filter(Boolean);
    // Either the cluster splits (then no error) or it refuses with a coded one-line error; never a stack trace.
    for (const line of errors) expect(line).toMatch(/^ERROR: [A-Z_]+: \S/);
    expect(run.stdout).toContain('0.1.0');
    expect(run.code).toBe(0);
  });

  it('prints get, scan and list as JSON with --format json', async () => {
    await shell("create 'js', 'f'; put 'js', 'r1', 'f:a', 'x'; put 'js', \"r\\x02\", 'f:b', \"\\xff\"");
    const run = await shell("get 'js', 'r1'; scan 'js'; list 'js'", '--format', 'json');
    expect(run.stderr).toBe('');
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { cells?: Array<{ timestamp: number }> });
    for (const line of lines) for (const cell of line.cells ?? []) cell.timestamp = 0;
    expect(lines).toEqual([
      { row: 'r1', cells: [{ column: 'f:a', family: 'f', qualifier: 'a', timestamp: 0, value: 'x' }] },
      { row: 'r\\x02', cells: [{ column: 'f:b', family: 'f', qualifier: 'b', timestamp: 0, value: '\\xFF' }] },
      { row: 'r1', cells: [{ column: 'f:a', family: 'f', qualifier: 'a', timestamp: 0, value: 'x' }] },
      ['js'],
    ]);
  });

  it('prints the same for -e, a FILE and standard input', async () => {
    const script = "create 'same', 'f'\nput 'same', 'r', 'f:q',\n  'multi-line'\nscan 'same'\nget 'same', 'r'\n";
    const dir = mkdtempSync(join(tmpdir(), 'basalt-shell-script-'));
    try {
      const file = join(dir, 'script.rb');
      writeFileSync(file, script.replace("create 'same', 'f'\n", ''));
      const viaE = await runShell(['--coord', cluster.coord, '-e', script]);
      const viaFile = await runShell(['--coord', cluster.coord, file]);
      const viaStdin = await runShell(['--coord', cluster.coord], script.replace("create 'same', 'f'\n", ''));
      expect(viaE.stderr + viaFile.stderr + viaStdin.stderr).toBe('');
      const body = mask(viaE.stdout).split('\n').slice(3).join('\n');
      expect(body).toBe([T, 'ROW  COLUMN+CELL', ' r column=f:q, timestamp=TS, value=multi-line', '1 row(s)', T, 'COLUMN  CELL', ' f:q timestamp=TS, value=multi-line', '1 row(s)', T, ''].join('\n'));
      expect(mask(viaFile.stdout)).toBe(body);
      expect(mask(viaStdin.stdout)).toBe(body);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('basalt shell bad input against a real cluster', () => {
  it('stops a script at the first failure with one ERROR line and exit status 1', async () => {
    const cases: Array<[string, string]> = [
      ["list; scan 'test", "ERROR: INVALID_ARGUMENT: syntax: unterminated string (missing closing ') at 1:12"],
      ['lst', "ERROR: INVALID_ARGUMENT: command: unknown command 'lst'; did you mean 'list'? (type 'help' for the list)"],
      ["get 'missing_table', 42, {VERSIONS => 'x'}", 'ERROR: INVALID_ARGUMENT: VERSIONS: expected an integer, got a string at 1:39'],
      ["scan 'missing_table'", 'ERROR: TABLE_NOT_FOUND: '],
      ["put 'missing_table', 'r', 'f:q', 'v'", 'ERROR: TABLE_NOT_FOUND: '],
    ];
    const runs = await Promise.all(cases.map(([script]) => shell(`${script}; version`)));
    for (const [k, [script, error]] of cases.entries()) {
      const run = runs[k]!;
      expect(run.code, script).toBe(1);
      const lines = run.stderr.split('\n').filter(Boolean);
      expect(lines, script).toHaveLength(1);
      expect(lines[0]!.startsWith(error), `${script}: ${lines[0]}`).toBe(true);
      expect(run.stdout, script).not.toContain('0.1.0');
    }
  });

  it('keeps going after failures with --continue and exits 0', async () => {
    const run = await shell("lst; scan 'missing_table'; version", '--continue');
    expect(run.code).toBe(0);
    expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(2);
    expect(run.stdout).toContain(`0.1.0, Node ${process.version}\n`);
  });

  it('rejects bad flags with basalt\'s one-line reason', async () => {
    const run = await runShell(['--format', 'xml', '-e', 'version']);
    expect(run.code).not.toBe(0);
    expect(run.stderr.trim()).toBe('basalt: INVALID_ARGUMENT: --format: expected text or json, got "xml"');
  });

  it('reports an unreachable cluster as one ERROR line', async () => {
    const run = await runShell(['--coord', '127.0.0.1:1', '--timeout', '1500', '-e', 'list']);
    expect(run.code).toBe(1);
    const lines = run.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ERROR: [A-Z_]+: /);
  });
});
