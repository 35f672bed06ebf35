/** Proves the built `basalt shell` binary against a real standalone cluster (child process): the HBase quick start and the table, data and namespace commands with complete outputs (Took figures and timestamps masked), scripts from -e, a file and standard input alike, and JSON output. */
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

/** The same through `basalt shell` (bin/basalt.js), the command users type. */
function basaltShell(script: string, ...flags: string[]): ReturnType<typeof runShell> {
  return runShell(['--coord', cluster.coord, ...flags, '-e', script], undefined, {}, 'basalt');
}

describe('basalt shell against a real cluster', () => {
  it('runs the HBase quick-start sequence with complete HBase output', async () => {
    const run = await basaltShell(
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
