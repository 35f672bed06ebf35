/** Proves the statement loop shared by scripts and the prompt: multi-line statements, confirmations read from the next line, `exit`, exit statuses with and without --continue; and the terminal helpers (tab completion, the count progress bar). */
import { describe, expect, it } from 'vitest';
import { INTERRUPTED, runLoop, ScriptSource, type LineSource } from '../../shell/line-source.js';
import { complete } from '../../shell/interactive.js';
import { renderBar, TerminalProgress } from '../../shell/progress.js';
import { regionFraction } from '../../shell/commands/dml.js';
import { FakeCluster } from './fake-connection.js';
import { fakeSession } from './harness.js';

function scripted(text: string, continueOnError = false, cluster = new FakeCluster()) {
  let asked = '';
  const harness = fakeSession(cluster, {
    continueOnError,
    confirm: async (question) => {
      const answer = await source.ask(question);
      asked += `${question} -> ${answer}\n`;
      return answer === 'y';
    },
  });
  const source = new ScriptSource(text, { write: () => undefined });
  return { run: () => runLoop(harness.session, source, { scripted: true, continueOnError }), harness, asked: () => asked, cluster };
}

describe('shell statement loop', () => {
  it('joins a statement left open across lines before running it', async () => {
    const s = scripted("create 't',\n  {NAME => 'f',\n   VERSIONS => 2}\nput 't', 'r', 'f:q', 'multi\nline'\n");
    expect(await s.run()).toBe(0);
    expect(s.cluster.stored('t').families[0]!.versions).toBe(2);
    expect(s.cluster.stored('t').cells[0]!.value.toString()).toBe('multi\nline');
  });

  it('reads a confirmation from the next line of the script, as HBase does with piped input', async () => {
    const s = scripted("create 'a1', 'f'\ncreate 'a2', 'f'\ndisable_all 'a.*'\ny\ndrop_all 'a.*'\nn\n");
    expect(await s.run()).toBe(0);
    expect(s.asked()).toBe('Disable the above 2 tables (y/n)? -> y\nDrop the above 2 tables (y/n)? -> n\n');
    expect([...s.cluster.tables.values()].map((t) => t.state)).toEqual(['DISABLED', 'DISABLED']);
  });

  it('stops at the first failure with status 1, or goes on with status 0 under --continue', async () => {
    const stop = scripted("lst\ncreate 't', 'f'\n");
    expect(await stop.run()).toBe(1);
    expect(stop.cluster.tables.size).toBe(0);
    const go = scripted("lst\ncreate 't', 'f'\n", true);
    expect(await go.run()).toBe(0);
    expect(go.cluster.tables.size).toBe(1);
  });

  it('stops at exit, and reports a statement still open at the end of input', async () => {
    const exit = scripted("create 't', 'f'\nexit\ncreate 'u', 'f'\n");
    expect(await exit.run()).toBe(0);
    expect([...exit.cluster.tables.keys()]).toEqual(['default:t']);
    const open = scripted("create 't', {NAME => 'f'\n");
    expect(await open.run()).toBe(1);
    expect(open.harness.take().err).toBe("ERROR: INVALID_ARGUMENT: syntax: expected ',' or '}' in the hash opened at 1:13, found end of input at 1:25\n");
  });

  it('drops the statement being typed when the prompt is interrupted', async () => {
    const lines: Array<string | typeof INTERRUPTED> = ["create 'x',", INTERRUPTED, "create 'y', 'f'"];
    const source: LineSource = { next: async () => lines.shift(), ask: async () => undefined };
    const { session, cluster } = fakeSession();
    expect(await runLoop(session, source, { scripted: false, continueOnError: true })).toBe(0);
    expect([...cluster.tables.keys()]).toEqual(['default:y']);
  });
});

describe('shell terminal helpers', () => {
  it('completes command names, constants and table names in the first quoted argument', async () => {
    const { session } = fakeSession();
    const tables = async (): Promise<string[]> => ['users', 'ns:events', 'uploads'];
    expect(await complete('disa', session, tables)).toEqual([['disable', 'disable_all'], 'disa']);
    expect(await complete("scan 'u", session, tables)).toEqual([["users'", "uploads'"], 'u']);
    expect(await complete("get 't', 'r', {VERS", session, tables)).toEqual([['VERSIONS'], 'VERS']);
    expect(await complete("version 'u", session, tables)).toEqual([[], "version 'u"]);
  });

  it('draws the count progress bar at most every 100 ms and erases it', () => {
    let now = 0;
    let written = '';
    const bar = new TerminalProgress({ write: (t) => void (written += t), columns: 80 }, () => now);
    bar.update(1, 0.25, 'r1');
    bar.update(2, 0.25, 'r2'); // within 100 ms: not redrawn
    now = 150;
    bar.update(3, 0.75, 'r3');
    bar.done();
    expect(written).toBe(`\r\x1b[K${renderBar(1, 0.25, 'r1', 80)}\r\x1b[K${renderBar(3, 0.75, 'r3', 80)}\r\x1b[K`);
    expect(renderBar(3, 0.75, 'r3', 80)).toBe('[###############.....]  75% 3 rows  row: r3');
  });

  it('places a row among the table regions for the progress fraction', () => {
    const splits = [Buffer.from('g'), Buffer.from('p')];
    expect(regionFraction(splits, Buffer.from('a'), false)).toBeCloseTo(1 / 6);
    expect(regionFraction(splits, Buffer.from('h'), false)).toBeCloseTo(3 / 6);
    expect(regionFraction(splits, Buffer.from('z'), true)).toBeCloseTo(1 / 6);
  });
});
