/** Proves the shell reads HBase shell syntax — Ruby strings with escapes, numbers, arrays, hashes, bare constants, several statements — and reports bad input with its position. */
import { describe, expect, it } from 'vitest';
import { isIncomplete, parseSource, type Statement, type Value } from '../../shell/parser.js';

function statements(source: string): Statement[] {
  return parseSource(source).map((item) => {
    if ('error' in item) throw item.error;
    return item.statement;
  });
}

/** A parsed value as plain data, for readable expectations. */
function plain(value: Value): unknown {
  switch (value.kind) {
    case 'string':
      return value.bytes.toString('latin1');
    case 'number':
    case 'boolean':
      return value.value;
    case 'nil':
      return null;
    case 'constant':
      return `#${value.name}`;
    case 'array':
      return value.items.map(plain);
    case 'hash':
      return Object.fromEntries(value.entries.map((e) => [e.key, plain(e.value)]));
  }
}

function errorOf(source: string): string {
  const items = parseSource(source);
  const failure = items.find((i) => 'error' in i);
  if (!failure || !('error' in failure)) throw new Error(`expected an error for ${source}`);
  return `${failure.error.code}: ${failure.error.message}`;
}

describe('shell parser', () => {
  it('reads the quick-start commands with their arguments', () => {
    const [create, put] = statements("create 'test', 'cf'; put 'test', 'row1', 'cf:a', 'value1'");
    expect(create!.command).toBe('create');
    expect(create!.args.map(plain)).toEqual(['test', 'cf']);
    expect(put!.args.map(plain)).toEqual(['test', 'row1', 'cf:a', 'value1']);
  });

  it('reads double-quoted escapes as bytes and leaves single-quoted backslashes literal, as Ruby does', () => {
    const [s] = statements(`put 't', "r\\x00\\xff\\n\\t\\101", 'c\\x00', 'it\\'s'`);
    const [, row, column, value] = s!.args;
    expect((row as { bytes: Buffer }).bytes).toEqual(Buffer.from([0x72, 0x00, 0xff, 0x0a, 0x09, 0x41]));
    expect((column as { bytes: Buffer }).bytes.toString('latin1')).toBe('c\\x00');
    expect(plain(value!)).toBe("it's");
  });

  it('encodes non-ASCII text in strings as UTF-8', () => {
    const [s] = statements(`put 't', 'é', "\\u00e9", 'x'`);
    expect((s!.args[1] as { bytes: Buffer }).bytes).toEqual(Buffer.from('é', 'utf8'));
    expect((s!.args[2] as { bytes: Buffer }).bytes).toEqual(Buffer.from('é', 'utf8'));
  });

  it('reads numbers, booleans, nil, arrays and hashes with constants and string keys', () => {
    const [s] = statements(`scan 't', {COLUMNS => ['cf:a', 'cf:b'], LIMIT => 10, 'STARTROW' => 'r', REVERSED => true, TIMERANGE => [-1, 1_000], X => nil}`.replace(', X => nil', ', RAW => nil'));
    expect(plain(s!.args[1]!)).toEqual({ COLUMNS: ['cf:a', 'cf:b'], LIMIT: 10, STARTROW: 'r', REVERSED: true, TIMERANGE: [-1, 1000], RAW: null });
  });

  it('gathers trailing KEY => value pairs without braces into one hash, as Ruby does', () => {
    const [s] = statements(`create 't', {NAME => 'f', VERSIONS => 3}, SPLITS => ['g', 'p'], NUMREGIONS => 2`);
    expect(s!.args.map(plain)).toEqual(['t', { NAME: 'f', VERSIONS: 3 }, { SPLITS: ['g', 'p'], NUMREGIONS: 2 }]);
  });

  it('accepts parenthesised calls, comments, and statements continued after a trailing comma', () => {
    const list = statements(`get('t', 'r') # a comment\nscan 't',\n  {LIMIT => 1}\nlist`);
    expect(list.map((s) => s.command)).toEqual(['get', 'scan', 'list']);
    expect(plain(list[1]!.args[1]!)).toEqual({ LIMIT: 1 });
  });

  it('reports an unterminated string at its opening quote and does not run that statement', () => {
    const items = parseSource("list; scan 't1");
    expect(items).toHaveLength(2);
    expect('statement' in items[0]! && items[0].statement.command).toBe('list');
    expect(errorOf("list; scan 't1")).toBe("INVALID_ARGUMENT: syntax: unterminated string (missing closing ') at 1:12");
  });

  it('reports unbalanced brackets, missing commas and stray characters with their positions', () => {
    expect(errorOf("scan 't', {LIMIT => 1")).toBe("INVALID_ARGUMENT: syntax: expected ',' or '}' in the hash opened at 1:11, found end of input at 1:22");
    expect(errorOf("get 't' 'r'")).toBe("INVALID_ARGUMENT: syntax: expected ',' between arguments, found a string at 1:9");
    expect(errorOf("scan 't', {LIMIT => 1]")).toBe("INVALID_ARGUMENT: syntax: expected ',' or '}' in the hash opened at 1:11, found ']' at 1:22");
    expect(errorOf('list @')).toBe('INVALID_ARGUMENT: syntax: unexpected character "@" at 1:6');
    expect(errorOf('put "a\\xZZ"')).toBe('INVALID_ARGUMENT: syntax: invalid \\x escape (expected one or two hex digits) at 1:7');
  });

  it('rejects unknown constants with the nearest one, and unquoted names', () => {
    expect(errorOf("get 't', 'r', {VERSION => 2}")).toBe('INVALID_ARGUMENT: syntax: unknown constant VERSION (did you mean VERSIONS?) at 1:16');
    expect(errorOf('describe t1')).toBe("INVALID_ARGUMENT: syntax: unknown name 't1' (quote strings: 't1') at 1:10");
  });

  it('keeps parsing the statements after one that fails', () => {
    const items = parseSource("get 't' 'r'; list");
    expect('error' in items[0]!).toBe(true);
    expect('statement' in items[1]! && items[1].statement.command).toBe('list');
  });

  it('knows when a line leaves a statement open (for the prompt to read more)', () => {
    expect(isIncomplete("create 't', {NAME => 'f',")).toBe(true);
    expect(isIncomplete("put 't', 'r', 'c', 'multi")).toBe(true);
    expect(isIncomplete("scan 't',")).toBe(true);
    expect(isIncomplete("scan 't'")).toBe(false);
    expect(isIncomplete("scan 't']")).toBe(false);
  });
});
