/** Proves the built `basalt shell` binary's general commands and tools against a real standalone cluster (child process), and bad input — syntax, unknown commands, wrong types, missing tables, bad flags, an unreachable cluster — as one ERROR line with a non-zero exit (or going on under --continue). */
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

describe('basalt shell tools against a real cluster', () => {
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
    const run = await basaltShell("lst; scan 'missing_table'; version", '--continue');
    expect(run.code).toBe(0);
    expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(2);
    expect(run.stdout).toContain(`0.1.0, Node ${process.version}\n`);
  });

  it('rejects bad flags with basalt\'s one-line reason', async () => {
    const run = await runShell(['--format', 'xml', '-e', 'version'], undefined, {}, 'basalt');
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
