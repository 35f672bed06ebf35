/**
 * The shell's tokenizer: the part of Ruby's literal syntax that HBase shell commands use. Strings
 * follow Ruby: double quotes read escapes (`\xNN`, `\n`, `\t`, `\0`, octal `\NNN`, `\\`, `\"`),
 * single quotes only `\\` and `\'` — so `"r\x00"` is three bytes and `'r\x00'` is six, exactly as in
 * HBase's shell. Strings are bytes (a `\xff` escape need not be UTF-8). `#` starts a comment.
 * Every token carries its position so that an error can point at it.
 */
import { invalidArgument, type BasaltError } from '../common/errors.js';

export interface Position {
  /** 1-based line and column. */
  line: number;
  column: number;
  /** 0-based offset into the source. */
  offset: number;
}

export type Token =
  | { kind: 'string'; bytes: Buffer; pos: Position }
  | { kind: 'number'; value: number; text: string; pos: Position }
  | { kind: 'ident'; name: string; pos: Position }
  | { kind: 'punct'; text: ',' | '=>' | '[' | ']' | '{' | '}' | '(' | ')' | ';'; pos: Position }
  | { kind: 'newline'; pos: Position };

export interface LexResult {
  tokens: Token[];
  /** Set when the source could not be read to its end; `tokens` holds what came before. */
  error?: BasaltError;
}

export function formatPosition(pos: Position): string {
  return `${pos.line}:${pos.column}`;
}

export function syntaxError(message: string, pos: Position): BasaltError {
  return invalidArgument('syntax', `${message} at ${formatPosition(pos)}`, { line: pos.line, column: pos.column });
}

const SIMPLE_ESCAPES: Record<string, number> = { n: 0x0a, t: 0x09, r: 0x0d, e: 0x1b, s: 0x20, a: 0x07, b: 0x08, f: 0x0c, v: 0x0b };

export function tokenize(source: string): LexResult {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const here = (offset = i): Position => ({ line, column: offset - lineStart + 1, offset });

  while (i < source.length) {
    const ch = source[i]!;
    if (ch === '\n') {
      tokens.push({ kind: 'newline', pos: here() });
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      i++;
      continue;
    }
    if (ch === '#') {
      while (i < source.length && source[i] !== '\n') i++;
      continue;
    }
    if (ch === '\\' && source[i + 1] === '\n') {
      // A backslash at the end of a line joins it with the next, as in Ruby.
      i += 2;
      line++;
      lineStart = i;
      continue;
    }
    const start = here();
    if (ch === '"' || ch === "'") {
      const read = readString(source, i, ch);
      if ('error' in read) return { tokens, error: syntaxError(read.error, read.at === undefined ? start : here(read.at)) };
      tokens.push({ kind: 'string', bytes: read.bytes, pos: start });
      // Strings may span lines; keep line numbers right.
      for (let k = i; k < read.end; k++) {
        if (source[k] === '\n') {
          line++;
          lineStart = k + 1;
        }
      }
      i = read.end;
      continue;
    }
    if (ch === '=' && source[i + 1] === '>') {
      tokens.push({ kind: 'punct', text: '=>', pos: start });
      i += 2;
      continue;
    }
    if (',[]{}();'.includes(ch)) {
      tokens.push({ kind: 'punct', text: ch as ',' | '[' | ']' | '{' | '}' | '(' | ')' | ';', pos: start });
      i++;
      continue;
    }
    const number = /^-?(?:0x[0-9a-fA-F]+|\d[\d_]*(?:\.\d+)?(?:[eE][-+]?\d+)?)/.exec(source.slice(i, i + 64));
    if (number && (ch !== '-' || /\d/.test(source[i + 1] ?? ''))) {
      const text = number[0];
      const negative = text.startsWith('-');
      const body = negative ? text.slice(1) : text;
      const value = body.startsWith('0x') ? parseInt(body.slice(2), 16) : Number(body.replace(/_/g, ''));
      tokens.push({ kind: 'number', value: negative ? -value : value, text, pos: start });
      i += text.length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*[?!]?/.exec(source.slice(i, i + 256));
    if (ident) {
      tokens.push({ kind: 'ident', name: ident[0], pos: start });
      i += ident[0].length;
      continue;
    }
    return { tokens, error: syntaxError(`unexpected character ${JSON.stringify(ch)}`, start) };
  }
  return { tokens };
}

type StringRead = { bytes: Buffer; end: number } | { error: string; at?: number };

function readString(source: string, open: number, quote: '"' | "'"): StringRead {
  const out: number[] = [];
  const pushText = (text: string): void => {
    for (const b of Buffer.from(text, 'utf8')) out.push(b);
  };
  let i = open + 1;
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === quote) return { bytes: Buffer.from(out), end: i + 1 };
    if (ch !== '\\') {
      // Copy a whole code point (surrogate pairs included) as UTF-8.
      const cp = source.codePointAt(i)!;
      const text = String.fromCodePoint(cp);
      pushText(text);
      i += text.length;
      continue;
    }
    const next = source[i + 1];
    if (next === undefined) break;
    if (quote === "'") {
      // Single quotes: only \\ and \' are escapes; any other backslash is literal.
      if (next === '\\' || next === "'") {
        out.push(next.charCodeAt(0));
        i += 2;
      } else {
        out.push(0x5c);
        i += 1;
      }
      continue;
    }
    if (next === 'x') {
      const hex = /^[0-9a-fA-F]{1,2}/.exec(source.slice(i + 2, i + 4));
      if (!hex) return { error: 'invalid \\x escape (expected one or two hex digits)', at: i };
      out.push(parseInt(hex[0], 16));
      i += 2 + hex[0].length;
      continue;
    }
    const octal = /^[0-7]{1,3}/.exec(source.slice(i + 1, i + 4));
    if (octal) {
      out.push(parseInt(octal[0], 8) & 0xff);
      i += 1 + octal[0].length;
      continue;
    }
    if (next === 'u') {
      const hex = /^(?:\{([0-9a-fA-F]{1,6})\}|([0-9a-fA-F]{4}))/.exec(source.slice(i + 2, i + 10));
      if (!hex) return { error: 'invalid \\u escape (expected four hex digits or {hex})', at: i };
      const cp = parseInt(hex[1] ?? hex[2]!, 16);
      if (cp > 0x10ffff) return { error: 'invalid \\u escape (past U+10FFFF)', at: i };
      pushText(String.fromCodePoint(cp));
      i += 2 + hex[0].length;
      continue;
    }
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      out.push(simple);
      i += 2;
      continue;
    }
    if (next === '\n') {
      // Backslash-newline inside double quotes joins lines.
      i += 2;
      continue;
    }
    // Any other escaped character stands for itself (\" \\ \# \').
    pushText(next);
    i += 2;
  }
  return { error: `unterminated string (missing closing ${quote})` };
}
