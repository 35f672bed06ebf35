/**
 * HBase REST's JSON filter representation (ScannerModel.FilterModel in hbase-rest) mapped onto
 * Basalt's FilterSpec: `{"type":"PrefixFilter","value":b64}`, `{"type":"RowFilter","op":"EQUAL",
 * "comparator":{"type":"BinaryComparator","value":b64}}`, `{"type":"FilterList","op":"MUST_PASS_ALL",
 * "filters":[...]}` and so on. Byte operands are base64; regex and substring comparators are plain
 * strings, as HBase writes them. The result goes through validateFilterSpec, so every bound of the
 * filter catalogue (depth, size, pattern length) applies to REST clients too.
 */
import { validateFilterSpec, type ComparatorSpec, type CompareOperator, type FilterSpec, type RowRange } from '../common/filter-spec.js';
import { isBasaltError } from '../common/errors.js';
import { badRequest } from './http-error.js';
import { base64, bool, integer, list, object, requiredBase64, string, type JsonObject } from './json-input.js';

const OPERATORS: readonly string[] = ['LESS', 'LESS_OR_EQUAL', 'EQUAL', 'NOT_EQUAL', 'GREATER_OR_EQUAL', 'GREATER', 'NO_OP'];
const MAX_INT = 2 ** 31 - 1;
const MAX_DEPTH = 16;

/** Parses the scanner's `filter` (a JSON string, as HBase sends it, or the object itself). */
export function parseFilterJson(value: unknown): FilterSpec {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value) as unknown;
    } catch (err) {
      throw badRequest(`filter is not valid JSON (${(err as Error).message})`);
    }
  }
  const spec = filter(parsed, 'filter', 0);
  try {
    return validateFilterSpec(spec);
  } catch (err) {
    if (isBasaltError(err)) throw badRequest(err.message);
    throw err;
  }
}

function op(value: unknown, field: string): CompareOperator {
  if (typeof value !== 'string' || !OPERATORS.includes(value)) {
    throw badRequest(`${field} must be one of ${OPERATORS.join(', ')}`);
  }
  return value as CompareOperator;
}

function comparator(value: unknown, field: string): ComparatorSpec {
  const c = object(value, field);
  const type = c['type'];
  switch (type) {
    case 'BinaryComparator':
      return { type: 'binary', value: requiredBase64(c['value'], `${field}.value`) };
    case 'BinaryPrefixComparator':
      return { type: 'binaryPrefix', value: requiredBase64(c['value'], `${field}.value`) };
    case 'RegexStringComparator':
      return { type: 'regexString', pattern: required(string(c['value'], `${field}.value`), `${field}.value`) };
    case 'SubstringComparator':
      return { type: 'substring', substring: required(string(c['value'], `${field}.value`), `${field}.value`) };
    case 'NullComparator':
      return { type: 'null' };
    default:
      throw badRequest(`${field}.type: unsupported comparator ${JSON.stringify(type)}`);
  }
}

function required<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw badRequest(`${field} is required`);
  return value;
}

function familyName(value: unknown, field: string): string {
  return requiredBase64(value, field).toString('utf8');
}

function children(f: JsonObject, field: string, depth: number): FilterSpec[] {
  return list(f['filters'], `${field}.filters`).map((child, i) => filter(child, `${field}.filters[${i}]`, depth + 1));
}

function single(f: JsonObject, field: string, depth: number): FilterSpec {
  const inner = children(f, field, depth);
  if (inner.length !== 1) throw badRequest(`${field}.filters must hold exactly one filter`);
  return inner[0]!;
}

function filter(value: unknown, field: string, depth: number): FilterSpec {
  if (depth > MAX_DEPTH) throw badRequest(`${field}: filters nest deeper than ${MAX_DEPTH}`);
  const f = object(value, field);
  const type = f['type'];
  const at = (name: string): string => `${field}.${name}`;
  switch (type) {
    case 'PrefixFilter':
      return { type, prefix: requiredBase64(f['value'], at('value')) };
    case 'RowFilter':
    case 'FamilyFilter':
    case 'QualifierFilter':
    case 'ValueFilter':
      return { type: type as 'RowFilter', op: op(f['op'], at('op')), comparator: comparator(f['comparator'], at('comparator')) };
    case 'SingleColumnValueFilter':
    case 'SingleColumnValueExcludeFilter':
      return {
        type: type as 'SingleColumnValueFilter',
        family: familyName(f['family'], at('family')),
        qualifier: base64(f['qualifier'], at('qualifier')) ?? Buffer.alloc(0),
        op: op(f['op'], at('op')),
        comparator: comparator(f['comparator'], at('comparator')),
        filterIfMissing: bool(f['ifMissing'], at('ifMissing')) ?? false,
        // HBase's SingleColumnValueFilter tests only the newest version unless told otherwise.
        latestVersionOnly: bool(f['latestVersion'], at('latestVersion')) ?? true,
      };
    case 'ColumnPrefixFilter':
      return { type, prefix: requiredBase64(f['value'], at('value')) };
    case 'MultipleColumnPrefixFilter':
      return { type, prefixes: list(f['prefixes'], at('prefixes')).map((p, i) => requiredBase64(p, `${at('prefixes')}[${i}]`)) };
    case 'ColumnRangeFilter':
      return {
        type,
        minColumn: base64(f['minColumn'], at('minColumn')) ?? Buffer.alloc(0),
        minColumnInclusive: bool(f['minColumnInclusive'], at('minColumnInclusive')) ?? true,
        maxColumn: base64(f['maxColumn'], at('maxColumn')) ?? Buffer.alloc(0),
        maxColumnInclusive: bool(f['maxColumnInclusive'], at('maxColumnInclusive')) ?? false,
      };
    case 'ColumnPaginationFilter':
      return { type, limit: required(integer(f['limit'], at('limit'), 0, MAX_INT), at('limit')), offset: integer(f['offset'], at('offset'), 0, MAX_INT) ?? 0 };
    case 'ColumnCountGetFilter':
      return { type, limit: required(integer(f['limit'], at('limit'), 0, MAX_INT), at('limit')) };
    case 'PageFilter':
      return { type, pageSize: required(integer(f['value'], at('value'), 0, Number.MAX_SAFE_INTEGER), at('value')) };
    case 'FirstKeyOnlyFilter':
      return { type };
    case 'KeyOnlyFilter':
      return { type, lenAsVal: false };
    case 'InclusiveStopFilter':
      return { type, stopRow: requiredBase64(f['value'], at('value')) };
    case 'TimestampsFilter':
      return { type, timestamps: list(f['timestamps'], at('timestamps')).map((t, i) => required(integer(t, `${at('timestamps')}[${i}]`, 0, Number.MAX_SAFE_INTEGER), at('timestamps'))) };
    case 'RandomRowFilter': {
      const chance = f['chance'];
      if (typeof chance !== 'number' || !(chance >= 0 && chance <= 1)) throw badRequest(`${at('chance')} must be a number in [0, 1]`);
      return { type, chance };
    }
    case 'MultiRowRangeFilter':
      return { type, ranges: list(f['ranges'], at('ranges')).map((r, i) => rowRange(r, `${at('ranges')}[${i}]`)) };
    case 'DependentColumnFilter': {
      const spec: Extract<FilterSpec, { type: 'DependentColumnFilter' }> = {
        type,
        family: familyName(f['family'], at('family')),
        qualifier: base64(f['qualifier'], at('qualifier')) ?? Buffer.alloc(0),
        dropDependentColumn: bool(f['dropDependentColumn'], at('dropDependentColumn')) ?? false,
      };
      if (f['op'] !== undefined || f['comparator'] !== undefined) {
        spec.op = op(f['op'], at('op'));
        spec.comparator = comparator(f['comparator'], at('comparator'));
      }
      return spec;
    }
    case 'FilterList': {
      const operator = f['op'] ?? 'MUST_PASS_ALL';
      if (operator !== 'MUST_PASS_ALL' && operator !== 'MUST_PASS_ONE') throw badRequest(`${at('op')} must be MUST_PASS_ALL or MUST_PASS_ONE`);
      return { type, operator, filters: children(f, field, depth) };
    }
    case 'SkipFilter':
    case 'WhileMatchFilter':
      return { type: type as 'SkipFilter', filter: single(f, field, depth) };
    default:
      throw badRequest(`${at('type')}: unsupported filter type ${JSON.stringify(type)}`);
  }
}

function rowRange(value: unknown, field: string): RowRange {
  const r = object(value, field);
  return {
    startRow: base64(r['startRow'], `${field}.startRow`) ?? Buffer.alloc(0),
    startRowInclusive: bool(r['startRowInclusive'], `${field}.startRowInclusive`) ?? true,
    stopRow: base64(r['stopRow'], `${field}.stopRow`) ?? Buffer.alloc(0),
    stopRowInclusive: bool(r['stopRowInclusive'], `${field}.stopRowInclusive`) ?? false,
  };
}
