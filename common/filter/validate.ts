/**
 * Validation of a FilterSpec that came from outside (the wire, a client's plain object): every
 * field is checked, bounded and copied into its canonical form, so everything after this point
 * (the server's createFilter, the formatter) may trust the spec. A bad field throws
 * INVALID_ARGUMENT naming the field by its path, e.g. `filter.filters[1].comparator.pattern`.
 */
import { MAX_TIMESTAMP, isValidFamilyName } from '../cell.js';
import { compareBytes } from '../bytes.js';
import { invalidArgument } from '../errors.js';
import {
  COMPARE_OPERATORS,
  FILTER_LIMITS,
  FILTER_TYPES,
  type ComparatorSpec,
  type CompareOperator,
  type FilterSpec,
  type FilterType,
  type RowRange,
} from './spec.js';

type Input = Record<string, unknown>;

/** Largest count/limit argument: HBase takes Java ints. */
const MAX_INT = 2 ** 31 - 1;

class Validator {
  private nodes = 0;

  filter(value: unknown, field: string, depth: number): FilterSpec {
    if (depth > FILTER_LIMITS.maxDepth) {
      throw invalidArgument(field, `filters nest deeper than ${FILTER_LIMITS.maxDepth}`);
    }
    if (++this.nodes > FILTER_LIMITS.maxNodes) {
      throw invalidArgument(field, `more than ${FILTER_LIMITS.maxNodes} filters in one tree`);
    }
    const input = object(value, field);
    const type = input['type'];
    if (typeof type !== 'string' || !(FILTER_TYPES as readonly string[]).includes(type)) {
      throw invalidArgument(`${field}.type`, `unknown filter type ${JSON.stringify(type)}`);
    }
    const f = (name: string): string => `${field}.${name}`;
    switch (type as FilterType) {
      case 'PrefixFilter':
        return { type: 'PrefixFilter', prefix: bytes(input['prefix'], f('prefix')) };
      case 'RowFilter':
      case 'FamilyFilter':
      case 'QualifierFilter':
      case 'ValueFilter':
        return {
          type: type as 'RowFilter',
          op: operator(input['op'], f('op')),
          comparator: comparator(input['comparator'], f('comparator')),
        };
      case 'SingleColumnValueFilter':
      case 'SingleColumnValueExcludeFilter':
        return {
          type: type as 'SingleColumnValueFilter',
          family: family(input['family'], f('family')),
          qualifier: bytes(input['qualifier'], f('qualifier')),
          op: operator(input['op'], f('op')),
          comparator: comparator(input['comparator'], f('comparator')),
          filterIfMissing: bool(input['filterIfMissing'], f('filterIfMissing'), false),
          latestVersionOnly: bool(input['latestVersionOnly'], f('latestVersionOnly'), true),
        };
      case 'ColumnPrefixFilter':
        return { type: 'ColumnPrefixFilter', prefix: bytes(input['prefix'], f('prefix')) };
      case 'MultipleColumnPrefixFilter': {
        const prefixes = list(input['prefixes'], f('prefixes'), 1).map((p, i) => bytes(p, `${f('prefixes')}[${i}]`));
        return { type: 'MultipleColumnPrefixFilter', prefixes };
      }
      case 'ColumnRangeFilter':
        return {
          type: 'ColumnRangeFilter',
          minColumn: bytes(input['minColumn'] ?? Buffer.alloc(0), f('minColumn')),
          minColumnInclusive: bool(input['minColumnInclusive'], f('minColumnInclusive'), true),
          maxColumn: bytes(input['maxColumn'] ?? Buffer.alloc(0), f('maxColumn')),
          maxColumnInclusive: bool(input['maxColumnInclusive'], f('maxColumnInclusive'), false),
        };
      case 'ColumnPaginationFilter': {
        const limit = integer(input['limit'], f('limit'), 0, MAX_INT);
        if (input['columnOffset'] !== undefined) {
          const offset = integer(input['offset'] ?? 0, f('offset'), 0, 0);
          return { type: 'ColumnPaginationFilter', limit, offset, columnOffset: bytes(input['columnOffset'], f('columnOffset')) };
        }
        return { type: 'ColumnPaginationFilter', limit, offset: integer(input['offset'], f('offset'), 0, MAX_INT) };
      }
      case 'ColumnCountGetFilter':
        return { type: 'ColumnCountGetFilter', limit: integer(input['limit'], f('limit'), 0, MAX_INT) };
      case 'TimestampsFilter': {
        const timestamps = list(input['timestamps'], f('timestamps'), 0).map((t, i) =>
          integer(t, `${f('timestamps')}[${i}]`, 0, MAX_TIMESTAMP),
        );
        return { type: 'TimestampsFilter', timestamps };
      }
      case 'PageFilter':
        return { type: 'PageFilter', pageSize: integer(input['pageSize'], f('pageSize'), 0, MAX_INT) };
      case 'FirstKeyOnlyFilter':
        return { type: 'FirstKeyOnlyFilter' };
      case 'KeyOnlyFilter':
        return { type: 'KeyOnlyFilter', lenAsVal: bool(input['lenAsVal'], f('lenAsVal'), false) };
      case 'InclusiveStopFilter':
        return { type: 'InclusiveStopFilter', stopRow: bytes(input['stopRow'], f('stopRow')) };
      case 'MultiRowRangeFilter': {
        const ranges = list(input['ranges'], f('ranges'), 1).map((r, i) => rowRange(r, `${f('ranges')}[${i}]`));
        return { type: 'MultiRowRangeFilter', ranges };
      }
      case 'RandomRowFilter': {
        const chance = input['chance'];
        if (typeof chance !== 'number' || !Number.isFinite(chance)) {
          throw invalidArgument(f('chance'), 'must be a finite number');
        }
        // -0 and 0 filter alike; one canonical zero keeps specs comparable after a text round trip.
        return { type: 'RandomRowFilter', chance: chance === 0 ? 0 : chance };
      }
      case 'DependentColumnFilter': {
        const spec: FilterSpec = {
          type: 'DependentColumnFilter',
          family: family(input['family'], f('family')),
          qualifier: bytes(input['qualifier'], f('qualifier')),
          dropDependentColumn: bool(input['dropDependentColumn'], f('dropDependentColumn'), false),
        };
        if ((input['op'] === undefined) !== (input['comparator'] === undefined)) {
          throw invalidArgument(input['op'] === undefined ? f('op') : f('comparator'), 'op and comparator go together');
        }
        if (input['op'] !== undefined) {
          spec.op = operator(input['op'], f('op'));
          spec.comparator = comparator(input['comparator'], f('comparator'));
        }
        return spec;
      }
      case 'WhileMatchFilter':
      case 'SkipFilter':
        return { type: type as 'SkipFilter', filter: this.filter(input['filter'], f('filter'), depth + 1) };
      case 'FilterList': {
        const op = input['operator'];
        if (op !== 'MUST_PASS_ALL' && op !== 'MUST_PASS_ONE') {
          throw invalidArgument(f('operator'), 'must be MUST_PASS_ALL or MUST_PASS_ONE');
        }
        const members = list(input['filters'], f('filters'), 1, FILTER_LIMITS.maxListMembers);
        const filters = members.map((m, i) => this.filter(m, `${f('filters')}[${i}]`, depth + 1));
        return { type: 'FilterList', operator: op, filters };
      }
    }
  }
}

function object(value: unknown, field: string): Input {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Buffer.isBuffer(value)) {
    throw invalidArgument(field, 'must be an object');
  }
  return value as Input;
}

function list(value: unknown, field: string, min: number, max: number = FILTER_LIMITS.maxListEntries): unknown[] {
  if (!Array.isArray(value)) throw invalidArgument(field, 'must be a list');
  if (value.length < min) throw invalidArgument(field, `needs at least ${min} entr${min === 1 ? 'y' : 'ies'}`);
  if (value.length > max) throw invalidArgument(field, `has more than ${max} entries`);
  return value;
}

/** JSON.stringify writes a Buffer as { type: 'Buffer', data: [...] }; accept that form back. */
function fromJsonBuffer(value: unknown): Buffer | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { type, data } = value as { type?: unknown; data?: unknown };
  if (type !== 'Buffer' || !Array.isArray(data) || data.length > FILTER_LIMITS.maxBytesLength) return undefined;
  if (!data.every((byte) => Number.isInteger(byte) && byte >= 0 && byte <= 255)) return undefined;
  return Buffer.from(data as number[]);
}

function bytes(value: unknown, field: string): Buffer {
  const json = value instanceof Uint8Array ? undefined : fromJsonBuffer(value);
  if (json) return json;
  if (!(value instanceof Uint8Array)) throw invalidArgument(field, 'must be bytes');
  if (value.length > FILTER_LIMITS.maxBytesLength) {
    throw invalidArgument(field, `longer than ${FILTER_LIMITS.maxBytesLength} bytes`);
  }
  // A copy: the spec must not alias a network buffer that is reused later.
  return Buffer.from(value);
}

function bool(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidArgument(field, 'must be true or false');
  return value;
}

function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalidArgument(field, `must be an integer in [${min}, ${max}]`);
  }
  return value;
}

function family(value: unknown, field: string): string {
  if (typeof value !== 'string' || !isValidFamilyName(value)) {
    throw invalidArgument(field, 'must be a column family name ([A-Za-z0-9_.-]+)');
  }
  return value;
}

function operator(value: unknown, field: string): CompareOperator {
  if (typeof value !== 'string' || !(COMPARE_OPERATORS as readonly string[]).includes(value)) {
    throw invalidArgument(field, `must be one of ${COMPARE_OPERATORS.join(', ')}`);
  }
  return value as CompareOperator;
}

/** Compiles a regexString pattern the way the filter will (dotAll), or throws INVALID_ARGUMENT. */
export function compileFilterPattern(pattern: string, field: string): RegExp {
  if (pattern.length > FILTER_LIMITS.maxPatternLength) {
    throw invalidArgument(field, `regular expression longer than ${FILTER_LIMITS.maxPatternLength} characters`);
  }
  try {
    return new RegExp(pattern, 's');
  } catch (err) {
    throw invalidArgument(field, `invalid regular expression: ${(err as Error).message}`);
  }
}

function comparator(value: unknown, field: string): ComparatorSpec {
  const input = object(value, field);
  const type = input['type'];
  switch (type) {
    case 'binary':
    case 'binaryPrefix':
      return { type, value: bytes(input['value'], `${field}.value`) };
    case 'regexString': {
      const pattern = input['pattern'];
      if (typeof pattern !== 'string') throw invalidArgument(`${field}.pattern`, 'must be a string');
      compileFilterPattern(pattern, `${field}.pattern`);
      return { type, pattern };
    }
    case 'substring': {
      const substring = input['substring'];
      if (typeof substring !== 'string' || substring.length > FILTER_LIMITS.maxBytesLength) {
        throw invalidArgument(`${field}.substring`, 'must be a string of bounded length');
      }
      return { type, substring };
    }
    case 'null':
      return { type };
    default:
      throw invalidArgument(`${field}.type`, `unknown comparator ${JSON.stringify(type)}`);
  }
}

function rowRange(value: unknown, field: string): RowRange {
  const input = object(value, field);
  const range: RowRange = {
    startRow: bytes(input['startRow'] ?? Buffer.alloc(0), `${field}.startRow`),
    startRowInclusive: bool(input['startRowInclusive'], `${field}.startRowInclusive`, true),
    stopRow: bytes(input['stopRow'] ?? Buffer.alloc(0), `${field}.stopRow`),
    stopRowInclusive: bool(input['stopRowInclusive'], `${field}.stopRowInclusive`, false),
  };
  if (range.stopRow.length > 0 && compareBytes(range.startRow, range.stopRow) > 0) {
    throw invalidArgument(field, 'startRow is after stopRow');
  }
  return range;
}

/**
 * Checks and copies an untrusted filter description into its canonical FilterSpec (booleans the
 * caller left out take HBase's defaults; bytes may be Buffers, Uint8Arrays or the JSON form of a
 * Buffer, so JSON.parse(JSON.stringify(spec)) validates back to the spec). Throws
 * INVALID_ARGUMENT naming the bad field.
 */
export function validateFilterSpec(value: unknown, field = 'filter'): FilterSpec {
  return new Validator().filter(value, field, 1);
}
