/**
 * Builds the server-side Filter for a FilterSpec. A filter holds per-scan state (page counts, the
 * current row's decision), so build a fresh one for every scan and every region.
 */
import { decodeFilterSpec } from '../../common/filter/proto.js';
import type { FilterSpec } from '../../common/filter/spec.js';
import { validateFilterSpec } from '../../common/filter/validate.js';
import { systemRandom, type Random } from '../../common/random.js';
import {
  ColumnCountGetFilter,
  ColumnPaginationFilter,
  ColumnPrefixFilter,
  ColumnRangeFilter,
  FamilyFilter,
  FirstKeyOnlyFilter,
  KeyOnlyFilter,
  MultipleColumnPrefixFilter,
  QualifierFilter,
  TimestampsFilter,
} from './column-filters.js';
import { createComparator } from './comparators.js';
import type { Filter } from './filter.js';
import { createFilterList } from './filter-list.js';
import { FilterWrapper } from './filter-wrapper.js';
import { InclusiveStopFilter, MultiRowRangeFilter, PageFilter, PrefixFilter, RandomRowFilter, RowFilter } from './row-filters.js';
import { DependentColumnFilter, SingleColumnValueExcludeFilter, SingleColumnValueFilter, ValueFilter } from './value-filters.js';
import { SkipFilter, WhileMatchFilter } from './wrappers.js';

export interface CreateFilterOptions {
  /** The scan runs from the last row to the first (PrefixFilter, InclusiveStopFilter and MultiRowRangeFilter care). */
  reversed?: boolean;
  /** RandomRowFilter's source; tests pass a SeededRandom. Defaults to Math.random. */
  random?: Random;
}

function build(spec: FilterSpec, options: Required<CreateFilterOptions>): Filter {
  switch (spec.type) {
    case 'PrefixFilter':
      return new PrefixFilter(spec.prefix, options.reversed);
    case 'RowFilter':
      return new RowFilter(spec.op, createComparator(spec.comparator));
    case 'FamilyFilter':
      return new FamilyFilter(spec.op, createComparator(spec.comparator));
    case 'QualifierFilter':
      return new QualifierFilter(spec.op, createComparator(spec.comparator));
    case 'ValueFilter':
      return new ValueFilter(spec.op, createComparator(spec.comparator));
    case 'SingleColumnValueFilter':
    case 'SingleColumnValueExcludeFilter': {
      const filterOptions = {
        family: spec.family,
        qualifier: spec.qualifier,
        op: spec.op,
        comparator: createComparator(spec.comparator),
        filterIfMissing: spec.filterIfMissing,
        latestVersionOnly: spec.latestVersionOnly,
      };
      return spec.type === 'SingleColumnValueFilter'
        ? new SingleColumnValueFilter(filterOptions)
        : new SingleColumnValueExcludeFilter(filterOptions);
    }
    case 'ColumnPrefixFilter':
      return new ColumnPrefixFilter(spec.prefix);
    case 'MultipleColumnPrefixFilter':
      return new MultipleColumnPrefixFilter(spec.prefixes);
    case 'ColumnRangeFilter':
      return new ColumnRangeFilter(spec.minColumn, spec.minColumnInclusive, spec.maxColumn, spec.maxColumnInclusive);
    case 'ColumnPaginationFilter':
      return new ColumnPaginationFilter(spec.limit, spec.offset, spec.columnOffset);
    case 'ColumnCountGetFilter':
      return new ColumnCountGetFilter(spec.limit);
    case 'TimestampsFilter':
      return new TimestampsFilter(spec.timestamps);
    case 'PageFilter':
      return new PageFilter(spec.pageSize);
    case 'FirstKeyOnlyFilter':
      return new FirstKeyOnlyFilter();
    case 'KeyOnlyFilter':
      return new KeyOnlyFilter(spec.lenAsVal);
    case 'InclusiveStopFilter':
      return new InclusiveStopFilter(spec.stopRow, options.reversed);
    case 'MultiRowRangeFilter':
      return new MultiRowRangeFilter(spec.ranges, options.reversed);
    case 'RandomRowFilter':
      return new RandomRowFilter(spec.chance, options.random);
    case 'DependentColumnFilter':
      return new DependentColumnFilter(
        spec.family,
        spec.qualifier,
        spec.dropDependentColumn,
        spec.op !== undefined && spec.comparator !== undefined
          ? { op: spec.op, comparator: createComparator(spec.comparator) }
          : undefined,
      );
    case 'WhileMatchFilter':
      return new WhileMatchFilter(build(spec.filter, options));
    case 'SkipFilter':
      return new SkipFilter(build(spec.filter, options));
    case 'FilterList':
      return createFilterList(
        spec.operator,
        spec.filters.map((member) => build(member, options)),
      );
  }
}

/**
 * Validates the spec (INVALID_ARGUMENT naming the field) and builds its Filter, wrapped in the
 * FilterWrapper a scan talks to. Specs decoded with decodeFilterSpec are already valid;
 * validating again is cheap and keeps in-process callers honest. Build one per scan per region.
 */
export function createFilter(spec: FilterSpec, options: CreateFilterOptions = {}): Filter {
  const valid = validateFilterSpec(spec);
  return new FilterWrapper(build(valid, { reversed: options.reversed ?? false, random: options.random ?? systemRandom }));
}

/**
 * The data plane's entry point: the encoded basalt.filter.Filter of a request's `filter` bytes
 * field to a ready Filter. Any malformed input is INVALID_ARGUMENT naming `field`. Matches the
 * server's FilterDecoder signature.
 */
export function decodeFilter(encoded: Uint8Array, field: string, options: CreateFilterOptions = {}): Filter {
  return createFilter(decodeFilterSpec(encoded, field), options);
}
