/**
 * HBase's filter language (reference guide, "Filter Language"), parsed into a FilterSpec:
 *
 *   expression := or
 *   or         := and ('OR' and)*
 *   and        := unary ('AND' unary)*
 *   unary      := ('SKIP' | 'WHILE') unary | '(' expression ')' | Name '(' [argument (',' argument)*] ')'
 *   argument   := 'quoted string' ('' is a quote) | number | true | false | < | <= | = | != | > | >=
 *
 * SKIP and WHILE bind tightest, then AND, then OR (HBase's precedence). A chain `a AND b AND c`
 * becomes one FilterList of three; parentheses keep their grouping as a nested FilterList, which
 * is what makes formatFilter(parseFilter(s)) structure-preserving.
 *
 * Byte arguments accept \xNN escapes (HBase's toStringBinary form) so any byte can be written;
 * regexstring and substring operands are taken literally. Errors are FILTER_PARSE_ERROR with the
 * 0-based `position` of the offending character and `field: 'filter'`.
 */
import { fromStringBinary, toStringBinary } from '../bytes.js';
import { BasaltError, ErrorCodes, isBasaltError } from '../errors.js';
import {
  FILTER_LIMITS,
  type ComparatorSpec,
  type CompareOperator,
  type FilterSpec,
  type RowRange,
} from './spec.js';
import { validateFilterSpec } from './validate.js';

type TokenKind = 'name' | 'string' | 'number' | 'compare' | '(' | ')' | ',' | 'end';

interface Token {
  kind: TokenKind;
  text: string;
  position: number;
}

/** Parse-time nesting guard: keeps recursion far from the stack limit on hostile input. */
const MAX_PARSE_NESTING = 64;

const COMPARE_TOKENS: Record<string, CompareOperator> = {
  '<': 'LESS',
  '<=': 'LESS_OR_EQUAL',
  '=': 'EQUAL',
  '!=': 'NOT_EQUAL',
  '>': 'GREATER',
  '>=': 'GREATER_OR_EQUAL',
};

const OPERATOR_SYMBOLS: Record<Exclude<CompareOperator, 'NO_OP'>, string> = {
  LESS: '<',
  LESS_OR_EQUAL: '<=',
  EQUAL: '=',
  NOT_EQUAL: '!=',
  GREATER: '>',
  GREATER_OR_EQUAL: '>=',
};

export function filterParseError(message: string, position: number): BasaltError {
  return new BasaltError(ErrorCodes.FILTER_PARSE_ERROR, `filter: ${message} at position ${position}`, {
    field: 'filter',
    position,
  });
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: c, text: c, position: i });
      i++;
    } else if (c === "'") {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw filterParseError('unterminated quoted string', start);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i];
        i++;
      }
      tokens.push({ kind: 'string', text: value, position: start });
    } else if (c === '<' || c === '>' || c === '=' || c === '!') {
      const two = text.slice(i, i + 2);
      const op = two in COMPARE_TOKENS ? two : c in COMPARE_TOKENS ? c : undefined;
      if (op === undefined) throw filterParseError(`unexpected character ${JSON.stringify(c)}`, i);
      tokens.push({ kind: 'compare', text: op, position: i });
      i += op.length;
    } else if (/[0-9.+-]/.test(c)) {
      const match = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(i));
      if (!match) throw filterParseError(`unexpected character ${JSON.stringify(c)}`, i);
      tokens.push({ kind: 'number', text: match[0], position: i });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
      tokens.push({ kind: 'name', text: match[0], position: i });
      i += match[0].length;
    } else {
      throw filterParseError(`unexpected character ${JSON.stringify(c)}`, i);
    }
  }
  tokens.push({ kind: 'end', text: '', position: text.length });
  return tokens;
}

/** One argument of a filter call, with where it started (for error positions). */
type Argument = Token;

class Arguments {
  constructor(
    readonly name: Token,
    readonly list: Argument[],
    readonly closePosition: number,
  ) {}

  expectCount(...allowed: number[]): void {
    if (!allowed.includes(this.list.length)) {
      const position = this.list.length > Math.max(...allowed) ? this.list[Math.max(...allowed)]!.position : this.closePosition;
      throw filterParseError(
        `${this.name.text} takes ${allowed.join(' or ')} argument(s), got ${this.list.length}`,
        position,
      );
    }
  }

  private at(index: number): Argument {
    const arg = this.list[index];
    if (!arg) throw filterParseError(`${this.name.text} is missing argument ${index + 1}`, this.closePosition);
    return arg;
  }

  quoted(index: number): string {
    const arg = this.at(index);
    if (arg.kind !== 'string') throw filterParseError(`expected a quoted string`, arg.position);
    return arg.text;
  }

  bytes(index: number): Buffer {
    return fromStringBinary(this.quoted(index));
  }

  isQuoted(index: number): boolean {
    return this.at(index).kind === 'string';
  }

  integer(index: number): number {
    const arg = this.at(index);
    const value = Number(arg.text);
    if (arg.kind !== 'number' || !Number.isSafeInteger(value)) throw filterParseError('expected an integer', arg.position);
    return value;
  }

  number(index: number): number {
    const arg = this.at(index);
    const value = Number(arg.text);
    if (arg.kind !== 'number' || !Number.isFinite(value)) throw filterParseError('expected a number', arg.position);
    return value;
  }

  boolean(index: number): boolean {
    const arg = this.at(index);
    const text = arg.text.toLowerCase();
    if (arg.kind !== 'name' || (text !== 'true' && text !== 'false')) {
      throw filterParseError('expected true or false', arg.position);
    }
    return text === 'true';
  }

  compareOperator(index: number): CompareOperator {
    const arg = this.at(index);
    if (arg.kind !== 'compare') throw filterParseError('expected a compare operator (<, <=, =, !=, >, >=)', arg.position);
    return COMPARE_TOKENS[arg.text]!;
  }

  comparator(index: number): ComparatorSpec {
    const arg = this.at(index);
    const text = this.quoted(index);
    const colon = text.indexOf(':');
    if (colon < 0) throw filterParseError("expected a comparator 'type:value'", arg.position);
    const operand = text.slice(colon + 1);
    switch (text.slice(0, colon).toLowerCase()) {
      case 'binary':
        return { type: 'binary', value: fromStringBinary(operand) };
      case 'binaryprefix':
        return { type: 'binaryPrefix', value: fromStringBinary(operand) };
      case 'regexstring':
        return { type: 'regexString', pattern: operand };
      case 'substring':
        return { type: 'substring', substring: operand };
      case 'null':
        return { type: 'null' };
      default:
        throw filterParseError(
          `unknown comparator ${JSON.stringify(text.slice(0, colon))} (binary, binaryprefix, regexstring, substring, null)`,
          arg.position,
        );
    }
  }
}

type FilterBuilder = (args: Arguments) => FilterSpec;

function compareFilter(type: 'RowFilter' | 'FamilyFilter' | 'QualifierFilter' | 'ValueFilter'): FilterBuilder {
  return (args) => {
    args.expectCount(2);
    return { type, op: args.compareOperator(0), comparator: args.comparator(1) } as FilterSpec;
  };
}

function singleColumnValueFilter(type: 'SingleColumnValueFilter' | 'SingleColumnValueExcludeFilter'): FilterBuilder {
  return (args) => {
    args.expectCount(4, 6);
    return {
      type,
      family: args.quoted(0),
      qualifier: args.bytes(1),
      op: args.compareOperator(2),
      comparator: args.comparator(3),
      filterIfMissing: args.list.length === 6 ? args.boolean(4) : false,
      latestVersionOnly: args.list.length === 6 ? args.boolean(5) : true,
    };
  };
}

const BUILDERS: Record<string, FilterBuilder> = {
  PrefixFilter: (args) => (args.expectCount(1), { type: 'PrefixFilter', prefix: args.bytes(0) }),
  RowFilter: compareFilter('RowFilter'),
  FamilyFilter: compareFilter('FamilyFilter'),
  QualifierFilter: compareFilter('QualifierFilter'),
  ValueFilter: compareFilter('ValueFilter'),
  SingleColumnValueFilter: singleColumnValueFilter('SingleColumnValueFilter'),
  SingleColumnValueExcludeFilter: singleColumnValueFilter('SingleColumnValueExcludeFilter'),
  ColumnPrefixFilter: (args) => (args.expectCount(1), { type: 'ColumnPrefixFilter', prefix: args.bytes(0) }),
  MultipleColumnPrefixFilter: (args) => ({
    type: 'MultipleColumnPrefixFilter',
    prefixes: args.list.map((_, i) => args.bytes(i)),
  }),
  ColumnRangeFilter: (args) => {
    args.expectCount(4);
    return {
      type: 'ColumnRangeFilter',
      minColumn: args.bytes(0),
      minColumnInclusive: args.boolean(1),
      maxColumn: args.bytes(2),
      maxColumnInclusive: args.boolean(3),
    };
  },
  ColumnPaginationFilter: (args) => {
    args.expectCount(2);
    // Basalt extension: a quoted second argument is HBase's columnOffset constructor.
    if (args.isQuoted(1)) {
      return { type: 'ColumnPaginationFilter', limit: args.integer(0), offset: 0, columnOffset: args.bytes(1) };
    }
    return { type: 'ColumnPaginationFilter', limit: args.integer(0), offset: args.integer(1) };
  },
  ColumnCountGetFilter: (args) => (args.expectCount(1), { type: 'ColumnCountGetFilter', limit: args.integer(0) }),
  TimestampsFilter: (args) => ({ type: 'TimestampsFilter', timestamps: args.list.map((_, i) => args.integer(i)) }),
  PageFilter: (args) => (args.expectCount(1), { type: 'PageFilter', pageSize: args.integer(0) }),
  FirstKeyOnlyFilter: (args) => (args.expectCount(0), { type: 'FirstKeyOnlyFilter' }),
  KeyOnlyFilter: (args) => {
    args.expectCount(0, 1);
    return { type: 'KeyOnlyFilter', lenAsVal: args.list.length === 1 ? args.boolean(0) : false };
  },
  InclusiveStopFilter: (args) => (args.expectCount(1), { type: 'InclusiveStopFilter', stopRow: args.bytes(0) }),
  MultiRowRangeFilter: (args) => {
    if (args.list.length === 0 || args.list.length % 4 !== 0) {
      throw filterParseError(
        'MultiRowRangeFilter takes groups of 4 arguments (startRow, startInclusive, stopRow, stopInclusive)',
        args.list[args.list.length - (args.list.length % 4)]?.position ?? args.closePosition,
      );
    }
    const ranges: RowRange[] = [];
    for (let i = 0; i < args.list.length; i += 4) {
      ranges.push({
        startRow: args.bytes(i),
        startRowInclusive: args.boolean(i + 1),
        stopRow: args.bytes(i + 2),
        stopRowInclusive: args.boolean(i + 3),
      });
    }
    return { type: 'MultiRowRangeFilter', ranges };
  },
  RandomRowFilter: (args) => (args.expectCount(1), { type: 'RandomRowFilter', chance: args.number(0) }),
  DependentColumnFilter: (args) => {
    args.expectCount(2, 3, 5);
    const spec: FilterSpec = {
      type: 'DependentColumnFilter',
      family: args.quoted(0),
      qualifier: args.bytes(1),
      dropDependentColumn: args.list.length >= 3 ? args.boolean(2) : false,
    };
    if (args.list.length === 5) {
      spec.op = args.compareOperator(3);
      spec.comparator = args.comparator(4);
    }
    return spec;
  },
};

/** The filter names the language knows (for the shell's completion and help). */
export const FILTER_LANGUAGE_NAMES: readonly string[] = Object.keys(BUILDERS);

class Parser {
  private index = 0;
  private nesting = 0;

  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private next(): Token {
    return this.tokens[this.index++]!;
  }

  private isKeyword(token: Token, word: string): boolean {
    return token.kind === 'name' && token.text === word;
  }

  parseAll(): FilterSpec {
    if (this.peek().kind === 'end') throw filterParseError('empty filter string', 0);
    const spec = this.or();
    const rest = this.peek();
    if (rest.kind !== 'end') throw filterParseError(`unexpected ${describe(rest)}, expected AND, OR or the end`, rest.position);
    return spec;
  }

  private enter(position: number): void {
    if (++this.nesting > MAX_PARSE_NESTING) throw filterParseError(`nesting deeper than ${MAX_PARSE_NESTING}`, position);
  }

  private or(): FilterSpec {
    const members = [this.and()];
    while (this.isKeyword(this.peek(), 'OR')) {
      this.next();
      members.push(this.and());
    }
    return members.length === 1 ? members[0]! : { type: 'FilterList', operator: 'MUST_PASS_ONE', filters: members };
  }

  private and(): FilterSpec {
    const members = [this.unary()];
    while (this.isKeyword(this.peek(), 'AND')) {
      this.next();
      members.push(this.unary());
    }
    return members.length === 1 ? members[0]! : { type: 'FilterList', operator: 'MUST_PASS_ALL', filters: members };
  }

  private unary(): FilterSpec {
    const token = this.peek();
    this.enter(token.position);
    try {
      if (this.isKeyword(token, 'SKIP') || this.isKeyword(token, 'WHILE')) {
        this.next();
        const filter = this.unary();
        return token.text === 'SKIP' ? { type: 'SkipFilter', filter } : { type: 'WhileMatchFilter', filter };
      }
      if (token.kind === '(') {
        this.next();
        const inner = this.or();
        const close = this.next();
        if (close.kind !== ')') throw filterParseError(`expected ')' but found ${describe(close)}`, close.position);
        return inner;
      }
      return this.call();
    } finally {
      this.nesting--;
    }
  }

  private call(): FilterSpec {
    const name = this.next();
    if (name.kind !== 'name' || ['AND', 'OR'].includes(name.text)) {
      throw filterParseError(`expected a filter but found ${describe(name)}`, name.position);
    }
    const builder = Object.hasOwn(BUILDERS, name.text) ? BUILDERS[name.text] : undefined;
    if (!builder) throw filterParseError(`unknown filter ${JSON.stringify(name.text)}`, name.position);
    const open = this.next();
    if (open.kind !== '(') throw filterParseError(`expected '(' after ${name.text}`, open.position);
    const list: Argument[] = [];
    if (this.peek().kind !== ')') {
      for (;;) {
        const arg = this.next();
        if (!['string', 'number', 'name', 'compare'].includes(arg.kind)) {
          throw filterParseError(`expected an argument but found ${describe(arg)}`, arg.position);
        }
        if (list.length >= FILTER_LIMITS.maxListEntries) throw filterParseError('too many arguments', arg.position);
        list.push(arg);
        const sep = this.peek();
        if (sep.kind === ',') {
          this.next();
          continue;
        }
        if (sep.kind === ')') break;
        throw filterParseError(`expected ',' or ')' but found ${describe(sep)}`, sep.position);
      }
    }
    const close = this.next();
    const spec = builder(new Arguments(name, list, close.position));
    // Check the leaf's values (family names, ranges, regular expressions) where it was written.
    try {
      return validateFilterSpec(spec);
    } catch (err) {
      if (isBasaltError(err, ErrorCodes.INVALID_ARGUMENT)) {
        throw filterParseError(`${name.text}: ${err.message.replace(/^filter\./, '')}`, name.position);
      }
      throw err;
    }
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end';
    case 'string':
      return 'a quoted string';
    default:
      return JSON.stringify(token.text);
  }
}

/**
 * Parses a filter string into a validated FilterSpec. Throws FILTER_PARSE_ERROR with `position`
 * for bad syntax or bad arguments.
 */
export function parseFilter(text: string): FilterSpec {
  if (text.length > FILTER_LIMITS.maxFilterStringLength) {
    throw filterParseError(`filter string longer than ${FILTER_LIMITS.maxFilterStringLength} characters`, FILTER_LIMITS.maxFilterStringLength);
  }
  const spec = new Parser(tokenize(text)).parseAll();
  try {
    // Whole-tree bounds (depth, node count) are checked once the tree exists.
    return validateFilterSpec(spec);
  } catch (err) {
    if (isBasaltError(err, ErrorCodes.INVALID_ARGUMENT)) throw filterParseError(err.message, 0);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting

function quote(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function quoteBytes(bytes: Buffer): string {
  return quote(toStringBinary(bytes));
}

function formatComparator(comparator: ComparatorSpec): string {
  switch (comparator.type) {
    case 'binary':
      return quote(`binary:${toStringBinary(comparator.value)}`);
    case 'binaryPrefix':
      return quote(`binaryprefix:${toStringBinary(comparator.value)}`);
    case 'regexString':
      return quote(`regexstring:${comparator.pattern}`);
    case 'substring':
      return quote(`substring:${comparator.substring}`);
    case 'null':
      return quote('null:');
  }
}

function formatOperator(op: CompareOperator): string {
  if (op === 'NO_OP') {
    // The language has no symbol for NO_OP; a spec carrying it cannot be written as text.
    throw new BasaltError(ErrorCodes.INVALID_ARGUMENT, 'filter: NO_OP has no filter-language form', { field: 'filter.op' });
  }
  return OPERATOR_SYMBOLS[op];
}

/** Removes single-member FilterLists: they filter exactly like their member. */
export function normalizeFilterSpec(spec: FilterSpec): FilterSpec {
  switch (spec.type) {
    case 'FilterList': {
      const filters = spec.filters.map(normalizeFilterSpec);
      return filters.length === 1 ? filters[0]! : { ...spec, filters };
    }
    case 'WhileMatchFilter':
    case 'SkipFilter':
      return { ...spec, filter: normalizeFilterSpec(spec.filter) };
    default:
      return spec;
  }
}

function formatNode(spec: FilterSpec): string {
  const call = (args: string[]): string => `${spec.type}(${args.join(', ')})`;
  switch (spec.type) {
    case 'PrefixFilter':
    case 'ColumnPrefixFilter':
      return call([quoteBytes(spec.prefix)]);
    case 'RowFilter':
    case 'FamilyFilter':
    case 'QualifierFilter':
    case 'ValueFilter':
      return call([formatOperator(spec.op), formatComparator(spec.comparator)]);
    case 'SingleColumnValueFilter':
    case 'SingleColumnValueExcludeFilter':
      return call([
        quote(spec.family),
        quoteBytes(spec.qualifier),
        formatOperator(spec.op),
        formatComparator(spec.comparator),
        String(spec.filterIfMissing),
        String(spec.latestVersionOnly),
      ]);
    case 'MultipleColumnPrefixFilter':
      return call(spec.prefixes.map(quoteBytes));
    case 'ColumnRangeFilter':
      return call([
        quoteBytes(spec.minColumn),
        String(spec.minColumnInclusive),
        quoteBytes(spec.maxColumn),
        String(spec.maxColumnInclusive),
      ]);
    case 'ColumnPaginationFilter':
      return call([String(spec.limit), spec.columnOffset ? quoteBytes(spec.columnOffset) : String(spec.offset)]);
    case 'ColumnCountGetFilter':
      return call([String(spec.limit)]);
    case 'TimestampsFilter':
      return call(spec.timestamps.map(String));
    case 'PageFilter':
      return call([String(spec.pageSize)]);
    case 'FirstKeyOnlyFilter':
      return call([]);
    case 'KeyOnlyFilter':
      return call(spec.lenAsVal ? ['true'] : []);
    case 'InclusiveStopFilter':
      return call([quoteBytes(spec.stopRow)]);
    case 'MultiRowRangeFilter':
      return call(
        spec.ranges.flatMap((r) => [
          quoteBytes(r.startRow),
          String(r.startRowInclusive),
          quoteBytes(r.stopRow),
          String(r.stopRowInclusive),
        ]),
      );
    case 'RandomRowFilter':
      return call([String(spec.chance)]);
    case 'DependentColumnFilter': {
      const args = [quote(spec.family), quoteBytes(spec.qualifier), String(spec.dropDependentColumn)];
      if (spec.op !== undefined && spec.comparator !== undefined) {
        args.push(formatOperator(spec.op), formatComparator(spec.comparator));
      }
      return call(args);
    }
    case 'WhileMatchFilter':
    case 'SkipFilter':
      return `${spec.type === 'SkipFilter' ? 'SKIP' : 'WHILE'} ${formatOperand(spec.filter)}`;
    case 'FilterList':
      return spec.filters.map(formatOperand).join(spec.operator === 'MUST_PASS_ALL' ? ' AND ' : ' OR ');
  }
}

/** A list inside a list or under SKIP/WHILE is parenthesized so the grouping survives a parse. */
function formatOperand(spec: FilterSpec): string {
  return spec.type === 'FilterList' ? `(${formatNode(spec)})` : formatNode(spec);
}

/**
 * Writes a FilterSpec in the filter language. parseFilter(formatFilter(spec)) equals
 * normalizeFilterSpec(spec). Throws INVALID_ARGUMENT for NO_OP, which the language cannot express.
 */
export function formatFilter(spec: FilterSpec): string {
  return formatNode(normalizeFilterSpec(spec));
}
