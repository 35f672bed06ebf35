/**
 * Where the shell's lines come from, and the loop that feeds them to a Session. A statement left
 * open (an open bracket or string, a trailing comma) reads more lines before it runs, so scripts and
 * the prompt accept the same multi-line input. Confirmations (drop_all) read the next line from the
 * same source, as HBase's shell does when a script is piped in.
 */
import { isIncomplete } from './parser.js';
import type { Session } from './session.js';
import type { Output } from './format.js';

/** Returned by an interactive source when Ctrl-C abandoned the statement being typed. */
export const INTERRUPTED = Symbol('interrupted');

export interface LineSource {
  /** The next line; undefined at the end of input. */
  next(continuation: boolean): Promise<string | undefined | typeof INTERRUPTED>;
  /** Prints a question and reads its answer line. */
  ask(question: string): Promise<string | undefined>;
}

/** Lines of a script (-e, a file, or standard input read to its end). */
export class ScriptSource implements LineSource {
  private readonly lines: string[];
  private index = 0;

  constructor(
    text: string,
    private readonly out: Output,
  ) {
    this.lines = text.split(/\r?\n/);
    if (this.lines.length > 0 && this.lines[this.lines.length - 1] === '') this.lines.pop();
  }

  async next(): Promise<string | undefined> {
    return this.index < this.lines.length ? this.lines[this.index++] : undefined;
  }

  async ask(question: string): Promise<string | undefined> {
    this.out.write(`${question}\n`);
    return this.next();
  }
}

export interface LoopOptions {
  /** Scripted: stop at the first failed statement (unless continueOnError) and report it in the exit status. */
  scripted: boolean;
  continueOnError: boolean;
}

/** Runs lines from `source` until its end or `exit`; resolves with the process exit status. */
export async function runLoop(session: Session, source: LineSource, options: LoopOptions): Promise<number> {
  let buffer: string | undefined;
  let status = 0;
  for (;;) {
    const line = await source.next(buffer !== undefined);
    if (line === INTERRUPTED) {
      buffer = undefined;
      continue;
    }
    if (line === undefined) {
      // End of input inside an open statement: run it, so its syntax error is reported.
      if (buffer !== undefined && buffer.trim() !== '') {
        const result = await session.execute(buffer);
        if (!result.ok && options.scripted) status = options.continueOnError ? status : 1;
      }
      return status;
    }
    buffer = buffer === undefined ? line : `${buffer}\n${line}`;
    if (isIncomplete(buffer)) continue;
    const source_ = buffer;
    buffer = undefined;
    if (source_.trim() === '') continue;
    const result = await session.execute(source_);
    if (result.exit) return status;
    if (!result.ok && options.scripted && !options.continueOnError) return 1;
  }
}
