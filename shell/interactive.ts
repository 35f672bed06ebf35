/**
 * The interactive prompt on Node's readline: Emacs-style line editing, history kept across
 * sessions in ~/.basalt_history (BASALT_HISTORY overrides), tab completion of command names,
 * constants and — inside the first quoted argument of a table command — table names, Ctrl-C
 * abandoning the statement being typed and Ctrl-D leaving.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { CONSTANTS } from './constants.js';
import { INTERRUPTED, type LineSource } from './line-source.js';
import type { Session } from './session.js';

const HISTORY_LINES = 1_000;
/** How long a tab press may wait for the table list before completing nothing. */
const TABLE_LIST_TIMEOUT_MS = 2_000;
const TABLE_CACHE_MS = 5_000;

export function historyFile(): string {
  return process.env.BASALT_HISTORY || join(homedir(), '.basalt_history');
}

function loadHistory(path: string): string[] {
  try {
    const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
    // Bound the file: past twice the kept lines, rewrite it with the newest ones.
    if (lines.length > 2 * HISTORY_LINES) writeFileSync(path, `${lines.slice(-HISTORY_LINES).join('\n')}\n`);
    return lines.slice(-HISTORY_LINES).reverse(); // readline wants the newest first
  } catch {
    return [];
  }
}

/** What a tab press completes, given the text before the cursor. */
export async function complete(line: string, session: Session, tables: () => Promise<string[]>): Promise<[string[], string]> {
  const commandMatch = /^\s*([A-Za-z_]*)$/.exec(line);
  if (commandMatch) {
    const word = commandMatch[1]!;
    const names = [...session.commands.keys(), 'exit', 'quit'].filter((n) => n.startsWith(word)).sort();
    return [names, word];
  }
  // Inside the first argument of a command that takes a table: complete table names.
  const tableMatch = /^\s*([a-z_]+)\s*\(?\s*(['"])([^'"]*)$/.exec(line);
  if (tableMatch && session.commands.get(tableMatch[1]!)?.tableArgument) {
    const partial = tableMatch[3]!;
    const names = (await tables()).filter((n) => n.startsWith(partial)).map((n) => `${n}${tableMatch[2]}`);
    return [names, partial];
  }
  const constantMatch = /([A-Z][A-Z_]*)$/.exec(line);
  if (constantMatch) {
    const word = constantMatch[1]!;
    return [CONSTANTS.filter((c) => c.startsWith(word)), word];
  }
  return [[], line];
}

export class InteractiveSource implements LineSource {
  private readonly rl: Interface;
  private statementNumber = 1;
  private closed = false;
  private pending: ((line: string | undefined | typeof INTERRUPTED) => void) | undefined;
  private tableCache: { names: string[]; atMs: number } | undefined;

  constructor(private readonly session: Session) {
    const path = historyFile();
    this.rl = createInterface({
      input: process.stdin,
      output: process.stdout,
      terminal: true,
      history: loadHistory(path),
      historySize: HISTORY_LINES,
      removeHistoryDuplicates: true,
      completer: (line: string, callback: (err: Error | null, result: [string[], string]) => void) => {
        complete(line, session, () => this.tableNames()).then(
          (result) => callback(null, result),
          () => callback(null, [[], line]),
        );
      },
    });
    this.rl.on('line', (line) => {
      if (line.trim() !== '') {
        try {
          appendFileSync(path, `${line}\n`);
        } catch {
          // History is a convenience: an unwritable file must not stop the shell.
        }
      }
      this.resolve(line);
    });
    this.rl.on('SIGINT', () => {
      process.stdout.write('^C\n');
      // While a command runs, Ctrl-C stops it; at the prompt it abandons the statement being typed.
      if (this.pending || !session.interrupt()) this.resolve(INTERRUPTED);
    });
    this.rl.on('close', () => {
      this.closed = true;
      process.stdout.write('\n');
      this.resolve(undefined);
    });
  }

  private resolve(value: string | undefined | typeof INTERRUPTED): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.(value);
  }

  private async tableNames(): Promise<string[]> {
    if (this.tableCache && performance.now() - this.tableCache.atMs < TABLE_CACHE_MS) return this.tableCache.names;
    const listing = (async () => {
      const tables = await (await this.session.connection()).admin().listTables();
      return tables.map((t) => (t.name.startsWith('default:') ? t.name.slice('default:'.length) : t.name)).sort();
    })();
    const timeout = new Promise<string[]>((resolve) => setTimeout(() => resolve([]), TABLE_LIST_TIMEOUT_MS).unref());
    const names = await Promise.race([listing.catch(() => [] as string[]), timeout]);
    this.tableCache = { names, atMs: performance.now() };
    return names;
  }

  next(continuation: boolean): Promise<string | undefined | typeof INTERRUPTED> {
    if (this.closed) return Promise.resolve(undefined);
    if (!continuation) this.statementNumber++;
    const n = String(this.statementNumber - 1).padStart(3, '0');
    this.rl.setPrompt(continuation ? `basalt:${n}:1* ` : `basalt:${n}:0> `);
    return new Promise((resolve) => {
      this.pending = resolve;
      this.rl.prompt();
    });
  }

  async ask(question: string): Promise<string | undefined> {
    if (this.closed) return undefined;
    this.rl.setPrompt(`${question} `);
    const answer = await new Promise<string | undefined | typeof INTERRUPTED>((resolve) => {
      this.pending = resolve;
      this.rl.prompt();
    });
    return answer === INTERRUPTED ? undefined : answer;
  }

  close(): void {
    if (!this.closed) this.rl.close();
  }
}
