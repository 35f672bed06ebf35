/**
 * The shell's parser: statements of the form `command arg, arg, …` (or `command(arg, …)`), with
 * Ruby literals as arguments — strings, numbers, true/false/nil, arrays, `{KEY => value}` hashes and
 * HBase's bare constants (NAME, VERSIONS, …). Trailing `KEY => value` pairs without braces form one
 * hash, as in Ruby (`create 't', {NAME => 'f'}, SPLITS => ['a']`). Statements end at `;` or at a
 * line end outside brackets (a trailing `,` or `=>` continues the statement on the next line).
 *
 * A statement that does not parse becomes an error item in the list instead of stopping the
 * others, so a script or a line with several commands reports it and goes on.
 */
import type { BasaltError } from '../common/errors.js';
import { formatPosition, syntaxError, tokenize, type Position, type Token } from './lexer.js';
import { isKnownConstant, nearestConstant } from './constants.js';

export type Value =
  | { kind: 'string'; bytes: Buffer; pos: Position }
  | { kind: 'number'; value: number; pos: Position }
  | { kind: 'boolean'; value: boolean; pos: Position }
  | { kind: 'nil'; pos: Position }
  | { kind: 'constant'; name: string; pos: Position }
  | { kind: 'array'; items: Value[]; pos: Position }
  | { kind: 'hash'; entries: HashEntry[]; pos: Position };

export interface HashEntry {
  /** The key as text: a constant's name or a string key's content (HBase treats them alike). */
  key: string;
  keyPos: Position;
  value: Value;
}

export interface Statement {
  command: string;
  pos: Position;
  args: Value[];
  /** The statement's source text (for history and messages). */
  text: string;
}

export type ParsedItem = { statement: Statement } | { error: BasaltError };

/** Parses a whole source (a line, an -e argument, a file) into statements and per-statement errors. */
export function parseSource(source: string): ParsedItem[] {
  const { tokens, error } = tokenize(source);
  const items: ParsedItem[] = [];
  const groups = splitStatements(tokens);
  const last = tokens[tokens.length - 1];
  const endsOpen = last !== undefined && last.kind !== 'newline' && !(last.kind === 'punct' && last.text === ';');
  // The statement the input broke off in is not run: only its error is reported.
  if (error && endsOpen) groups.pop();
  for (const group of groups) {
    try {
      items.push({ statement: new StatementParser(group, source).parse() });
    } catch (err) {
      if (!isBasaltErrorLike(err)) throw err;
      items.push({ error: err });
    }
  }
  if (error) items.push({ error });
  return items;
}

/**
 * True when the source stops inside an open bracket, an unterminated string, or after a trailing
 * `,` / `=>`: the interactive shell then reads a continuation line instead of running it.
 */
export function isIncomplete(source: string): boolean {
  const { tokens, error } = tokenize(source);
  if (error && /unterminated string/.test(error.message)) return true;
  let depth = 0;
  let last: Token | undefined;
  for (const token of tokens) {
    if (token.kind === 'punct' && (token.text === '[' || token.text === '{' || token.text === '(')) depth++;
    if (token.kind === 'punct' && (token.text === ']' || token.text === '}' || token.text === ')')) depth--;
    if (token.kind !== 'newline') last = token;
  }
  if (depth > 0) return true;
  return last?.kind === 'punct' && (last.text === ',' || last.text === '=>');
}

function isBasaltErrorLike(err: unknown): err is BasaltError {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string';
}

/** Groups tokens into statements at top-level `;` and line ends that do not continue. */
function splitStatements(tokens: Token[]): Token[][] {
  const groups: Token[][] = [];
  let current: Token[] = [];
  let depth = 0;
  for (const token of tokens) {
    if (token.kind === 'punct' && (token.text === '[' || token.text === '{' || token.text === '(')) depth++;
    if (token.kind === 'punct' && (token.text === ']' || token.text === '}' || token.text === ')')) depth = Math.max(0, depth - 1);
    const separator = (token.kind === 'punct' && token.text === ';') || token.kind === 'newline';
    if (separator) {
      const last = current[current.length - 1];
      const continues = token.kind === 'newline' && (depth > 0 || (last?.kind === 'punct' && (last.text === ',' || last.text === '=>')));
      if (continues) continue;
      if (token.kind === 'punct' && depth > 0) {
        // A `;` inside brackets is an error the statement parser reports with its position.
        current.push(token);
        continue;
      }
      if (current.length > 0) groups.push(current);
      current = [];
      depth = 0;
      continue;
    }
    current.push(token);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

function describe(token: Token | undefined): string {
  if (!token) return 'end of input';
  switch (token.kind) {
    case 'string':
      return 'a string';
    case 'number':
      return `number ${token.text}`;
    case 'ident':
      return `'${token.name}'`;
    case 'punct':
      return `'${token.text}'`;
    case 'newline':
      return 'end of line';
  }
}

class StatementParser {
  private i = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
  ) {}

  parse(): Statement {
    const first = this.tokens[0]!;
    if (first.kind !== 'ident') throw syntaxError(`expected a command name, found ${describe(first)}`, first.pos);
    this.i = 1;
    const args: Value[] = [];
    const parenthesised = this.peekPunct('(');
    if (parenthesised) this.i++;
    const closer = parenthesised ? ')' : undefined;
    if (!(closer && this.peekPunct(closer)) && !this.atEnd()) {
      this.parseArguments(args, closer);
    }
    if (closer) this.expectPunct(closer);
    if (!this.atEnd()) {
      const token = this.tokens[this.i]!;
      throw syntaxError(`expected ',' between arguments, found ${describe(token)}`, token.pos);
    }
    const last = this.tokens[this.tokens.length - 1]!;
    const end = last.pos.offset + tokenLength(last, this.source);
    return { command: first.name, pos: first.pos, args, text: this.source.slice(first.pos.offset, end).trim() };
  }

  private parseArguments(into: Value[], closer: ')' | ']' | undefined): void {
    for (;;) {
      const value = this.parseValue();
      if (this.peekPunct('=>')) {
        into.push(this.parseBareHash(value));
        return;
      }
      into.push(value);
      if (!this.peekPunct(',')) return;
      this.i++;
      // A trailing comma before the closing bracket is fine in Ruby.
      if (closer && this.peekPunct(closer)) return;
    }
  }

  /** `KEY => v, KEY2 => v2` without braces, ending the argument list. */
  private parseBareHash(firstKey: Value): Value {
    const entries: HashEntry[] = [];
    let key: Value = firstKey;
    for (;;) {
      this.expectPunct('=>');
      entries.push({ key: hashKey(key), keyPos: key.pos, value: this.parseValue() });
      if (!this.peekPunct(',')) break;
      this.i++;
      if (this.atEnd() || this.peekPunct(')')) break;
      key = this.parseValue();
      if (!this.peekPunct('=>')) throw syntaxError('expected => after a hash key (positional arguments cannot follow KEY => value pairs)', this.current()?.pos ?? key.pos);
    }
    return { kind: 'hash', entries, pos: firstKey.pos };
  }

  private parseValue(): Value {
    const token = this.tokens[this.i];
    if (!token) throw syntaxError('expected a value, found end of input', this.endPos());
    this.i++;
    switch (token.kind) {
      case 'string':
        return { kind: 'string', bytes: token.bytes, pos: token.pos };
      case 'number':
        return { kind: 'number', value: token.value, pos: token.pos };
      case 'ident':
        return identValue(token.name, token.pos);
      case 'punct':
        if (token.text === '[') return this.parseArray(token.pos);
        if (token.text === '{') return this.parseHash(token.pos);
        throw syntaxError(`expected a value, found ${describe(token)}`, token.pos);
      case 'newline':
        throw syntaxError('expected a value, found end of line', token.pos);
    }
  }

  private parseArray(pos: Position): Value {
    const items: Value[] = [];
    while (!this.peekPunct(']')) {
      items.push(this.parseValue());
      if (this.peekPunct(',')) this.i++;
      else if (!this.peekPunct(']')) throw this.unexpected(`expected ',' or ']' in the array opened at ${formatPosition(pos)}`);
    }
    this.i++;
    return { kind: 'array', items, pos };
  }

  private parseHash(pos: Position): Value {
    const entries: HashEntry[] = [];
    while (!this.peekPunct('}')) {
      const key = this.parseValue();
      this.expectPunct('=>');
      entries.push({ key: hashKey(key), keyPos: key.pos, value: this.parseValue() });
      if (this.peekPunct(',')) this.i++;
      else if (!this.peekPunct('}')) throw this.unexpected(`expected ',' or '}' in the hash opened at ${formatPosition(pos)}`);
    }
    this.i++;
    return { kind: 'hash', entries, pos };
  }

  private current(): Token | undefined {
    return this.tokens[this.i];
  }

  private atEnd(): boolean {
    return this.i >= this.tokens.length;
  }

  private peekPunct(text: string): boolean {
    const token = this.tokens[this.i];
    return token?.kind === 'punct' && token.text === text;
  }

  private expectPunct(text: string): void {
    if (!this.peekPunct(text)) throw this.unexpected(`expected '${text}'`);
    this.i++;
  }

  private unexpected(expectation: string): BasaltError {
    const token = this.tokens[this.i];
    return syntaxError(`${expectation}, found ${describe(token)}`, token?.pos ?? this.endPos());
  }

  private endPos(): Position {
    const last = this.tokens[this.tokens.length - 1]!;
    const offset = last.pos.offset + tokenLength(last, this.source);
    return { line: last.pos.line, column: last.pos.column + (offset - last.pos.offset), offset };
  }
}

function tokenLength(token: Token, source: string): number {
  switch (token.kind) {
    case 'ident':
      return token.name.length;
    case 'number':
      return token.text.length;
    case 'punct':
      return token.text.length;
    case 'newline':
      return 1;
    case 'string': {
      // Find the closing quote of the same kind, honouring escapes.
      const quote = source[token.pos.offset]!;
      let k = token.pos.offset + 1;
      while (k < source.length && source[k] !== quote) k += source[k] === '\\' ? 2 : 1;
      return k + 1 - token.pos.offset;
    }
  }
}

function identValue(name: string, pos: Position): Value {
  if (name === 'true' || name === 'false') return { kind: 'boolean', value: name === 'true', pos };
  if (name === 'nil') return { kind: 'nil', pos };
  if (/^[A-Z][A-Z0-9_]*$/.test(name)) {
    if (isKnownConstant(name)) return { kind: 'constant', name, pos };
    const near = nearestConstant(name);
    throw syntaxError(`unknown constant ${name}${near ? ` (did you mean ${near}?)` : ''}`, pos);
  }
  throw syntaxError(`unknown name '${name}' (quote strings: '${name}')`, pos);
}

function hashKey(value: Value): string {
  if (value.kind === 'constant') return value.name;
  if (value.kind === 'string') return value.bytes.toString('utf8');
  throw syntaxError('a hash key must be a constant (NAME) or a string', value.pos);
}
