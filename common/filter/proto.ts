/**
 * FilterSpec ⇄ basalt.filter.Filter (proto/filter.proto). The data plane carries an encoded
 * Filter in a bytes field; decodeFilterSpec is the one entry point for such bytes: it never
 * throws anything but INVALID_ARGUMENT (naming the field), whatever the bytes are.
 */
import { basalt } from '../../proto/generated/basalt.js';
import { invalidArgument, isBasaltError } from '../errors.js';
import { int64Value } from '../proto-numbers.js';
import { FILTER_LIMITS, type ComparatorSpec, type CompareOperator, type FilterSpec } from './spec.js';
import { validateFilterSpec } from './validate.js';

const pb = basalt.filter;
type ProtoFilter = basalt.filter.IFilter;
type ProtoComparator = basalt.filter.IComparator;

const OP_TO_PROTO: Record<CompareOperator, basalt.filter.CompareOp> = {
  LESS: pb.CompareOp.LESS,
  LESS_OR_EQUAL: pb.CompareOp.LESS_OR_EQUAL,
  EQUAL: pb.CompareOp.EQUAL,
  NOT_EQUAL: pb.CompareOp.NOT_EQUAL,
  GREATER_OR_EQUAL: pb.CompareOp.GREATER_OR_EQUAL,
  GREATER: pb.CompareOp.GREATER,
  NO_OP: pb.CompareOp.NO_OP,
};

const OP_FROM_PROTO = new Map<number, CompareOperator>(
  Object.entries(OP_TO_PROTO).map(([name, value]) => [value as number, name as CompareOperator]),
);

function comparatorToProto(comparator: ComparatorSpec): ProtoComparator {
  switch (comparator.type) {
    case 'binary':
      return { binary: comparator.value };
    case 'binaryPrefix':
      return { binaryPrefix: comparator.value };
    case 'regexString':
      return { regexString: comparator.pattern };
    case 'substring':
      return { substring: comparator.substring };
    case 'null':
      return { nullComparator: true };
  }
}

/** The plain protobuf properties of a spec (the caller trusts its own spec; no validation). */
export function filterSpecToProto(spec: FilterSpec): ProtoFilter {
  switch (spec.type) {
    case 'PrefixFilter':
      return { prefixFilter: { value: spec.prefix } };
    case 'RowFilter':
      return { rowFilter: { op: OP_TO_PROTO[spec.op], comparator: comparatorToProto(spec.comparator) } };
    case 'FamilyFilter':
      return { familyFilter: { op: OP_TO_PROTO[spec.op], comparator: comparatorToProto(spec.comparator) } };
    case 'QualifierFilter':
      return { qualifierFilter: { op: OP_TO_PROTO[spec.op], comparator: comparatorToProto(spec.comparator) } };
    case 'ValueFilter':
      return { valueFilter: { op: OP_TO_PROTO[spec.op], comparator: comparatorToProto(spec.comparator) } };
    case 'SingleColumnValueFilter':
    case 'SingleColumnValueExcludeFilter': {
      const body = {
        family: spec.family,
        qualifier: spec.qualifier,
        op: OP_TO_PROTO[spec.op],
        comparator: comparatorToProto(spec.comparator),
        filterIfMissing: spec.filterIfMissing,
        latestVersionOnly: spec.latestVersionOnly,
      };
      return spec.type === 'SingleColumnValueFilter'
        ? { singleColumnValueFilter: body }
        : { singleColumnValueExcludeFilter: body };
    }
    case 'ColumnPrefixFilter':
      return { columnPrefixFilter: { value: spec.prefix } };
    case 'MultipleColumnPrefixFilter':
      return { multipleColumnPrefixFilter: { prefixes: spec.prefixes } };
    case 'ColumnRangeFilter':
      return {
        columnRangeFilter: {
          minColumn: spec.minColumn,
          minColumnInclusive: spec.minColumnInclusive,
          maxColumn: spec.maxColumn,
          maxColumnInclusive: spec.maxColumnInclusive,
        },
      };
    case 'ColumnPaginationFilter':
      return {
        columnPaginationFilter: spec.columnOffset
          ? { limit: spec.limit, columnOffset: spec.columnOffset }
          : { limit: spec.limit, offset: spec.offset },
      };
    case 'ColumnCountGetFilter':
      return { columnCountGetFilter: { count: spec.limit } };
    case 'TimestampsFilter':
      return { timestampsFilter: { timestamps: spec.timestamps } };
    case 'PageFilter':
      return { pageFilter: { count: spec.pageSize } };
    case 'FirstKeyOnlyFilter':
      return { firstKeyOnlyFilter: {} };
    case 'KeyOnlyFilter':
      return { keyOnlyFilter: { lenAsVal: spec.lenAsVal } };
    case 'InclusiveStopFilter':
      return { inclusiveStopFilter: { value: spec.stopRow } };
    case 'MultiRowRangeFilter':
      return { multiRowRangeFilter: { ranges: spec.ranges.map((r) => ({ ...r })) } };
    case 'RandomRowFilter':
      return { randomRowFilter: { chance: spec.chance } };
    case 'DependentColumnFilter':
      return {
        dependentColumnFilter: {
          family: spec.family,
          qualifier: spec.qualifier,
          dropDependentColumn: spec.dropDependentColumn,
          ...(spec.op !== undefined && spec.comparator !== undefined
            ? { op: OP_TO_PROTO[spec.op], comparator: comparatorToProto(spec.comparator) }
            : {}),
        },
      };
    case 'WhileMatchFilter':
      return { whileMatchFilter: filterSpecToProto(spec.filter) };
    case 'SkipFilter':
      return { skipFilter: filterSpecToProto(spec.filter) };
    case 'FilterList':
      return {
        filterList: {
          operator: spec.operator === 'MUST_PASS_ALL' ? pb.FilterListOperator.MUST_PASS_ALL : pb.FilterListOperator.MUST_PASS_ONE,
          filters: spec.filters.map(filterSpecToProto),
        },
      };
  }
}

/** Names of the oneof members of Filter, in field order. */
const FILTER_FIELDS = [
  'prefixFilter',
  'rowFilter',
  'familyFilter',
  'qualifierFilter',
  'valueFilter',
  'singleColumnValueFilter',
  'singleColumnValueExcludeFilter',
  'columnPrefixFilter',
  'multipleColumnPrefixFilter',
  'columnRangeFilter',
  'columnPaginationFilter',
  'columnCountGetFilter',
  'timestampsFilter',
  'pageFilter',
  'firstKeyOnlyFilter',
  'keyOnlyFilter',
  'inclusiveStopFilter',
  'multiRowRangeFilter',
  'randomRowFilter',
  'dependentColumnFilter',
  'whileMatchFilter',
  'skipFilter',
  'filterList',
] as const satisfies ReadonlyArray<keyof ProtoFilter>;

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** The one member that is set, read from the fields rather than the (decode-only) oneof getter. */
function setMember<K extends string>(message: object, names: readonly K[], field: string): K {
  const set = names.filter((name) => isSet((message as Record<string, unknown>)[name]));
  if (set.length === 0) throw invalidArgument(field, 'no filter set');
  if (set.length > 1) throw invalidArgument(field, `more than one member set (${set.join(', ')})`);
  return set[0]!;
}

function operatorFromProto(value: unknown, field: string): CompareOperator {
  const op = typeof value === 'number' ? OP_FROM_PROTO.get(value) : undefined;
  if (op === undefined) throw invalidArgument(field, 'missing or unknown compare operator');
  return op;
}

function comparatorFromProto(message: ProtoComparator | null | undefined, field: string): ComparatorSpec {
  if (!message) throw invalidArgument(field, 'missing comparator');
  const kind = setMember(message, ['binary', 'binaryPrefix', 'regexString', 'substring', 'nullComparator'] as const, field);
  switch (kind) {
    case 'binary':
      return { type: 'binary', value: message.binary as Buffer };
    case 'binaryPrefix':
      return { type: 'binaryPrefix', value: message.binaryPrefix as Buffer };
    case 'regexString':
      return { type: 'regexString', pattern: message.regexString as string };
    case 'substring':
      return { type: 'substring', substring: message.substring as string };
    case 'nullComparator':
      return { type: 'null' };
  }
}

function required<T>(value: T | null | undefined, field: string): T {
  if (value === undefined || value === null) throw invalidArgument(field, 'missing');
  return value;
}

/** Proto → unvalidated spec-shaped object; the validator then checks every value. */
function fromProto(message: ProtoFilter, field: string, depth: number): unknown {
  if (depth > FILTER_LIMITS.maxDepth) throw invalidArgument(field, `filters nest deeper than ${FILTER_LIMITS.maxDepth}`);
  const member = setMember(message, FILTER_FIELDS, field);
  const f = `${field}.${member}`;
  switch (member) {
    case 'prefixFilter':
      return { type: 'PrefixFilter', prefix: required(message.prefixFilter, f).value ?? Buffer.alloc(0) };
    case 'columnPrefixFilter':
      return { type: 'ColumnPrefixFilter', prefix: required(message.columnPrefixFilter, f).value ?? Buffer.alloc(0) };
    case 'inclusiveStopFilter':
      return { type: 'InclusiveStopFilter', stopRow: required(message.inclusiveStopFilter, f).value ?? Buffer.alloc(0) };
    case 'rowFilter':
    case 'familyFilter':
    case 'qualifierFilter':
    case 'valueFilter': {
      const body = required(message[member], f);
      const type = (member.charAt(0).toUpperCase() + member.slice(1)) as 'RowFilter';
      return { type, op: operatorFromProto(body.op, `${f}.op`), comparator: comparatorFromProto(body.comparator, `${f}.comparator`) };
    }
    case 'singleColumnValueFilter':
    case 'singleColumnValueExcludeFilter': {
      const body = required(message[member], f);
      return {
        type: member === 'singleColumnValueFilter' ? 'SingleColumnValueFilter' : 'SingleColumnValueExcludeFilter',
        family: body.family ?? '',
        qualifier: body.qualifier ?? Buffer.alloc(0),
        op: operatorFromProto(body.op, `${f}.op`),
        comparator: comparatorFromProto(body.comparator, `${f}.comparator`),
        filterIfMissing: body.filterIfMissing ?? false,
        latestVersionOnly: body.latestVersionOnly ?? false,
      };
    }
    case 'multipleColumnPrefixFilter':
      return { type: 'MultipleColumnPrefixFilter', prefixes: required(message.multipleColumnPrefixFilter, f).prefixes ?? [] };
    case 'columnRangeFilter': {
      const body = required(message.columnRangeFilter, f);
      return {
        type: 'ColumnRangeFilter',
        minColumn: body.minColumn ?? Buffer.alloc(0),
        minColumnInclusive: body.minColumnInclusive ?? false,
        maxColumn: body.maxColumn ?? Buffer.alloc(0),
        maxColumnInclusive: body.maxColumnInclusive ?? false,
      };
    }
    case 'columnPaginationFilter': {
      const body = required(message.columnPaginationFilter, f);
      if (isSet(body.columnOffset)) {
        if (isSet(body.offset)) throw invalidArgument(`${f}.offset`, 'offset and columnOffset are exclusive');
        return { type: 'ColumnPaginationFilter', limit: body.limit ?? 0, offset: 0, columnOffset: body.columnOffset };
      }
      return { type: 'ColumnPaginationFilter', limit: body.limit ?? 0, offset: body.offset ?? 0 };
    }
    case 'columnCountGetFilter':
      return { type: 'ColumnCountGetFilter', limit: required(message.columnCountGetFilter, f).count ?? 0 };
    case 'pageFilter':
      return { type: 'PageFilter', pageSize: required(message.pageFilter, f).count ?? 0 };
    case 'timestampsFilter':
      return { type: 'TimestampsFilter', timestamps: (required(message.timestampsFilter, f).timestamps ?? []).map(int64Value) };
    case 'firstKeyOnlyFilter':
      return { type: 'FirstKeyOnlyFilter' };
    case 'keyOnlyFilter':
      return { type: 'KeyOnlyFilter', lenAsVal: required(message.keyOnlyFilter, f).lenAsVal ?? false };
    case 'multiRowRangeFilter': {
      const ranges = required(message.multiRowRangeFilter, f).ranges ?? [];
      return {
        type: 'MultiRowRangeFilter',
        ranges: ranges.map((r) => ({
          startRow: r.startRow ?? Buffer.alloc(0),
          startRowInclusive: r.startRowInclusive ?? false,
          stopRow: r.stopRow ?? Buffer.alloc(0),
          stopRowInclusive: r.stopRowInclusive ?? false,
        })),
      };
    }
    case 'randomRowFilter':
      return { type: 'RandomRowFilter', chance: required(message.randomRowFilter, f).chance ?? 0 };
    case 'dependentColumnFilter': {
      const body = required(message.dependentColumnFilter, f);
      const spec: Record<string, unknown> = {
        type: 'DependentColumnFilter',
        family: body.family ?? '',
        qualifier: body.qualifier ?? Buffer.alloc(0),
        dropDependentColumn: body.dropDependentColumn ?? false,
      };
      // proto3 cannot tell an absent enum from 0: UNSPECIFIED means "no value test".
      if (isSet(body.op) && body.op !== pb.CompareOp.COMPARE_OP_UNSPECIFIED) {
        spec['op'] = operatorFromProto(body.op, `${f}.op`);
        spec['comparator'] = comparatorFromProto(body.comparator, `${f}.comparator`);
      } else if (isSet(body.comparator)) {
        throw invalidArgument(`${f}.op`, 'a comparator needs a compare operator');
      }
      return spec;
    }
    case 'whileMatchFilter':
      return { type: 'WhileMatchFilter', filter: fromProto(required(message.whileMatchFilter, f), f, depth + 1) };
    case 'skipFilter':
      return { type: 'SkipFilter', filter: fromProto(required(message.skipFilter, f), f, depth + 1) };
    case 'filterList': {
      const body = required(message.filterList, f);
      const operator =
        body.operator === pb.FilterListOperator.MUST_PASS_ALL
          ? 'MUST_PASS_ALL'
          : body.operator === pb.FilterListOperator.MUST_PASS_ONE
            ? 'MUST_PASS_ONE'
            : undefined;
      if (!operator) throw invalidArgument(`${f}.operator`, 'must be MUST_PASS_ALL or MUST_PASS_ONE');
      const members = body.filters ?? [];
      if (members.length > FILTER_LIMITS.maxListMembers) {
        throw invalidArgument(`${f}.filters`, `has more than ${FILTER_LIMITS.maxListMembers} entries`);
      }
      return {
        type: 'FilterList',
        operator,
        filters: members.map((m, i) => fromProto(m, `${f}.filters[${i}]`, depth + 1)),
      };
    }
  }
}

/** Checks a Filter message and converts it; INVALID_ARGUMENT naming the field when malformed. */
export function filterSpecFromProto(message: ProtoFilter, field = 'filter'): FilterSpec {
  return validateFilterSpec(fromProto(message, field, 1), field);
}

export function encodeFilterSpec(spec: FilterSpec): Uint8Array {
  return pb.Filter.encode(pb.Filter.create(filterSpecToProto(spec))).finish();
}

/**
 * Decodes the bytes of a data-plane request's filter field. Any malformed input, including
 * truncated or hostile bytes that make protobufjs throw, becomes INVALID_ARGUMENT on `field`.
 */
export function decodeFilterSpec(bytes: Uint8Array, field = 'filter'): FilterSpec {
  if (bytes.length > FILTER_LIMITS.maxFilterStringLength * 4) {
    throw invalidArgument(field, 'encoded filter too large');
  }
  let message: basalt.filter.Filter;
  try {
    message = pb.Filter.decode(bytes);
  } catch (err) {
    throw invalidArgument(field, `malformed filter message: ${(err as Error).message}`);
  }
  try {
    return filterSpecFromProto(message, field);
  } catch (err) {
    if (isBasaltError(err)) throw err;
    throw invalidArgument(field, `malformed filter message: ${(err as Error).message}`);
  }
}
