/** Proves the interactive `basalt shell` through a pseudo-terminal (util-linux `script`) against a real cluster: prompt, commands and their output, tab completion of commands and table names, Ctrl-C, history kept across sessions, and a bad line answered with one ERROR line while the session goes on. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, runShell, startStandalone, type StandaloneCluster } from './cluster-support.js';

let cluster: StandaloneCluster;
let historyDir: string;

beforeAll(async () => {
  cluster = await startStandalone();
  historyDir = mkdtempSync(join(tmpdir(), 'basalt-shell-history-'));
  const setup = await runShell(['--coord', cluster.coord, '-e', "create 'pty_table', 'f'; put 'pty_table', 'r1', 'f:q', 'hello'"]);
  expect(setup.stderr).toBe('');
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
  if (historyDir) rmSync(historyDir, { recursive: true, force: true });
});

/** A shell on a pseudo-terminal; `until` waits for text to appear in its output (no fixed sleeps). */
class PtyShell {
  private readonly child: ChildProcessWithoutNullStreams;
  output = '';
  private waiters: Array<{ text: string | RegExp; from: number; resolve: () => void; fail: (err: Error) => void }> = [];
  private cursor = 0;

  constructor(history: string) {
    const command = `stty cols 120 rows 40; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} shell --coord ${cluster.coord}`;
    this.child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
      env: { ...process.env, TZ: 'UTC', BASALT_LOG_LEVEL: 'warn', BASALT_HISTORY: history, TERM: 'xterm' },
    });
    const onData = (chunk: Buffer): void => {
      this.output += chunk.toString('utf8');
      this.waiters = this.waiters.filter((w) => {
        const rest = this.output.slice(w.from);
        const hit = typeof w.text === 'string' ? rest.includes(w.text) : w.text.test(rest);
        if (hit) w.resolve();
        return !hit;
      });
    };
    this.child.stdout.on('data', onData);
    this.child.stderr.on('data', onData);
    // A shell that ends early fails every wait at once, with what it printed.
    this.child.once('exit', (code) => {
      for (const w of this.waiters) w.fail(new Error(`the shell exited (${code}) while waiting for ${String(w.text)}; output:\n${this.output}`));
      this.waiters = [];
    });
  }

  /** Resolves once `text` appears after everything already waited for. */
  until(text: string | RegExp, timeoutMs = 20_000): Promise<void> {
    const from = this.cursor;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${String(text)} (exit ${this.child.exitCode}); output so far:\n${this.output}`)), timeoutMs);
      this.waiters.push({
        text,
        from,
        resolve: () => {
          clearTimeout(timer);
          this.cursor = this.output.length;
          resolve();
        },
        fail: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      const rest = this.output.slice(from);
      if (typeof text === 'string' ? rest.includes(text) : text.test(rest)) {
        this.waiters.pop();
        clearTimeout(timer);
        this.cursor = this.output.length;
        resolve();
      }
    });
  }

  type(keys: string): void {
    this.child.stdin.write(keys);
  }

  exited(): Promise<number | null> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) resolve(this.child.exitCode);
      else this.child.once('exit', (code) => resolve(code));
    });
  }
}

/** Output without terminal control sequences and carriage returns. */
function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
}

describe('interactive basalt shell on a pseudo-terminal', () => {
  it('prompts, runs commands, completes names, survives a bad line and Ctrl-C, and keeps history', async () => {
    const history = join(historyDir, 'history');
    const shell = new PtyShell(history);
    await shell.until('basalt:001:0> ', 45_000);
    expect(plain(shell.output)).toContain('Basalt Shell\nUse "help" to get list of supported commands.\n');

    // Tab completes a command name …
    shell.type('lis\t');
    await shell.until('list');
    shell.type('\r');
    await shell.until('basalt:002:0> ');
    expect(plain(shell.output)).toMatch(/TABLE *\npty_table *\n1 row\(s\)\nTook \d+\.\d{4} seconds\n=> \["pty_table"\]\n/);

    // … and a table name inside the first quoted argument.
    shell.type("scan 'pty_t\t");
    await shell.until("pty_table'");
    shell.type('\r');
    await shell.until('basalt:003:0> ');
    expect(plain(shell.output)).toMatch(/ROW +COLUMN\+CELL *\n r1 +column=f:q, timestamp=[0-9T:.-]+, value=hello *\n1 row\(s\)\n/);

    // A bad line: one ERROR line, and the session goes on.
    shell.type('lst\r');
    await shell.until('basalt:004:0> ');
    expect(plain(shell.output)).toContain("ERROR: INVALID_ARGUMENT: command: unknown command 'lst'; did you mean 'list'? (type 'help' for the list)\n");

    // A statement left open continues on the next line; Ctrl-C abandons it.
    shell.type("get 'pty_table',\r");
    await shell.until('basalt:004:1* ');
    shell.type('\x03');
    await shell.until('basalt:005:0> ');
    shell.type("get 'pty_table',\r");
    await shell.until('basalt:005:1* ');
    shell.type("  'r1'\r");
    await shell.until('basalt:006:0> ');
    expect(plain(shell.output)).toMatch(/COLUMN +CELL *\n f:q +timestamp=[0-9T:.-]+, value=hello *\n1 row\(s\)\n/);

    // count draws a progress bar on the terminal (standard error) and erases it.
    shell.type("count 'pty_table'\r");
    await shell.until('basalt:007:0> ');
    expect(shell.output).toMatch(/\[#*\.*\] +\d+% 1 rows  row: r1\r\x1b\[K1 row\(s\)/);

    // drop_all asks on the prompt; "n" keeps the table.
    shell.type("drop_all 'pty_.*'\r");
    await shell.until('Drop the above 1 tables (y/n)? ');
    shell.type('n\r');
    await shell.until('basalt:008:0> ');
    shell.type("exists 'pty_table'\r");
    await shell.until('basalt:009:0> ');
    expect(plain(shell.output)).toContain('Table pty_table does exist\n');

    shell.type('exit\r');
    expect(await shell.exited()).toBe(0);
    expect(readFileSync(history, 'utf8')).toBe("list\nscan 'pty_table'\nlst\nget 'pty_table',\nget 'pty_table',\n  'r1'\ncount 'pty_table'\ndrop_all 'pty_.*'\nn\nexists 'pty_table'\nexit\n");

    // A new session recalls the previous one's lines with the up arrow.
    const again = new PtyShell(history);
    await again.until('basalt:001:0> ', 45_000);
    again.type('\x1b[A'.repeat(10));
    await again.until("scan 'pty_table'");
    again.type('\r');
    await again.until('basalt:002:0> ');
    expect(plain(again.output)).toContain('1 row(s)');
    again.type('\x04');
    expect(await again.exited()).toBe(0);
  });
});
