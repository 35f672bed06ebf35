/**
 * Typed access to a command's parsed arguments. A wrong type, a missing argument or an unknown
 * option is an INVALID_ARGUMENT naming the argument and pointing at its position, before anything
 * is sent to the cluster.
 */
import { invalidArgument, type BasaltError } from '../common/errors.js';
import { formatPosition, type Position } from './lexer.js';
import type { HashEntry, Value } from './parser.js';

export function describeValue(value: Value): string {
  switch (value.kind) {
    case 'string':
      return 'a string';
    case 'number':
      return `number ${value.value}`;
    case 'boolean':
      return String(value.value);
    case 'nil':
      return 'nil';
    case 'constant':
      return `constant ${value.name}`;
    case 'array':
      return 'an array';
    case 'hash':
      return 'a hash';
  }
}

export function wrongType(name: string, expected: string, value: Value): BasaltError {
  return invalidArgument(name, `expected ${expected}, got ${describeValue(value)} at ${formatPosition(value.pos)}`);
}

export function asString(value: Value, name: string): string {
  return asBytes(value, name).toString('utf8');
}

export function asBytes(value: Value, name: string): Buffer {
  if (value.kind === 'string') return value.bytes;
  if (value.kind === 'number') return Buffer.from(String(value.value), 'utf8'); // Ruby's to_s, as HBase's put does.
  throw wrongType(name, 'a string', value);
}

export function asInteger(value: Value, name: string, min = -Number.MAX_SAFE_INTEGER): number {
  let n: number | undefined;
  if (value.kind === 'number') n = value.value;
  else if (value.kind === 'string' && /^-?\d+$/.test(value.bytes.toString('utf8'))) n = Number(value.bytes.toString('utf8'));
  if (n === undefined) throw wrongType(name, 'an integer', value);
  if (!Number.isSafeInteger(n)) throw invalidArgument(name, `expected an integer, got ${n} at ${formatPosition(value.pos)}`);
  if (n < min) throw invalidArgument(name, `must be at least ${min}, got ${n} at ${formatPosition(value.pos)}`);
  return n;
}

export function asBoolean(value: Value, name: string): boolean {
  if (value.kind === 'boolean') return value.value;
  if (value.kind === 'string') {
    const text = value.bytes.toString('utf8').toLowerCase();
    if (text === 'true' || text === 'false') return text === 'true';
  }
  throw wrongType(name, 'true or false', value);
}

/** A string or an array of strings (HBase accepts both for COLUMNS, SPLITS, …). */
export function asStringList(value: Value, name: string): string[] {
  if (value.kind === 'array') return value.items.map((item, k) => asString(item, `${name}[${k}]`));
  return [asString(value, name)];
}

export function asBytesList(value: Value, name: string): Buffer[] {
  if (value.kind === 'array') return value.items.map((item, k) => asBytes(item, `${name}[${k}]`));
  return [asBytes(value, name)];
}

/** A hash's entries by key, with typed getters and a check for keys the command does not know. */
export class Options {
  private readonly byKey = new Map<string, HashEntry>();

  constructor(
    readonly entries: HashEntry[],
    readonly pos: Position,
  ) {
    for (const entry of entries) this.byKey.set(entry.key, entry);
  }

  static empty(): Options {
    return new Options([], { line: 1, column: 1, offset: 0 });
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  value(key: string): Value | undefined {
    return this.byKey.get(key)?.value;
  }

  string(key: string): string | undefined {
    const v = this.value(key);
    return v === undefined || v.kind === 'nil' ? undefined : asString(v, key);
  }

  bytes(key: string): Buffer | undefined {
    const v = this.value(key);
    return v === undefined || v.kind === 'nil' ? undefined : asBytes(v, key);
  }

  integer(key: string, min?: number): number | undefined {
    const v = this.value(key);
    return v === undefined || v.kind === 'nil' ? undefined : asInteger(v, key, min);
  }

  boolean(key: string): boolean | undefined {
    const v = this.value(key);
    return v === undefined || v.kind === 'nil' ? undefined : asBoolean(v, key);
  }

  stringList(key: string): string[] | undefined {
    const v = this.value(key);
    return v === undefined || v.kind === 'nil' ? undefined : asStringList(v, key);
  }

  /** Fails on the first key not in `allowed`, suggesting none (the list is short and printed). */
  only(allowed: readonly string[], what: string): this {
    for (const entry of this.entries) {
      if (!allowed.includes(entry.key)) {
        throw invalidArgument(entry.key, `not an option of ${what} at ${formatPosition(entry.keyPos)} (known: ${allowed.join(', ')})`);
      }
    }
    return this;
  }
}

export function asOptions(value: Value, name: string): Options {
  if (value.kind !== 'hash') throw wrongType(name, 'a hash ({KEY => value})', value);
  return new Options(value.entries, value.pos);
}

/** A command's positional arguments. */
export class Args {
  constructor(
    readonly command: string,
    readonly values: Value[],
    /** Where the command name stands (for "missing argument" errors). */
    readonly pos: Position,
  ) {}

  get length(): number {
    return this.values.length;
  }

  at(i: number): Value | undefined {
    return this.values[i];
  }

  /** Fails unless the count of arguments is within [min, max]. */
  count(min: number, max: number, usage: string): this {
    if (this.values.length < min || this.values.length > max) {
      const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
      throw invalidArgument('arguments', `${this.command} takes ${expected} argument(s), got ${this.values.length} (usage: ${usage})`);
    }
    return this;
  }

  string(i: number, name: string): string {
    return asString(this.required(i, name), name);
  }

  bytes(i: number, name: string): Buffer {
    return asBytes(this.required(i, name), name);
  }

  optionalString(i: number, name: string): string | undefined {
    const v = this.values[i];
    return v === undefined || v.kind === 'nil' ? undefined : asString(v, name);
  }

  /** The argument at `i` when it is a hash, else undefined. */
  optionsAt(i: number): Options | undefined {
    const v = this.values[i];
    return v?.kind === 'hash' ? new Options(v.entries, v.pos) : undefined;
  }

  /** The last argument when it is a hash (HBase's trailing options), else an empty set. */
  trailingOptions(): Options {
    const last = this.values[this.values.length - 1];
    return last?.kind === 'hash' ? new Options(last.entries, last.pos) : Options.empty();
  }

  required(i: number, name: string): Value {
    const v = this.values[i];
    if (v === undefined) throw invalidArgument(name, `missing argument ${i + 1} (${name}) of ${this.command}`);
    return v;
  }
}
