// Proves the wire forms of filters: every valid FilterSpec survives protobuf encode/decode (and JSON) unchanged,
// malformed messages are rejected with INVALID_ARGUMENT naming the field, and no byte string
// makes the decoder throw anything else.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isBasaltError } from '../../../common/errors.js';
import { decodeFilterSpec, encodeFilterSpec, filterSpecFromProto, filterSpecToProto, validateFilterSpec } from '../../../common/filter-spec.js';
import type { FilterSpec } from '../../../common/filter/spec.js';
import { basalt } from '../../../proto/generated/basalt.js';
import { decodeFilter } from '../../../regionserver/filter/create-filter.js';
import { filterSpecArbitrary } from './arbitraries.js';
import { b } from './fixtures.js';

const pb = basalt.filter;

function invalidField(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    if (isBasaltError(err, ErrorCodes.INVALID_ARGUMENT)) return err.details['field'];
    throw err;
  }
  throw new Error('expected INVALID_ARGUMENT');
}

const encodeMessage = (message: basalt.filter.IFilter): Uint8Array => pb.Filter.encode(pb.Filter.create(message)).finish();

describe('filter protobuf round trip', () => {
  it('decodeFilterSpec(encodeFilterSpec(spec)) equals spec for random specs', () => {
    fc.assert(
      fc.property(filterSpecArbitrary(true), (spec) => {
        expect(decodeFilterSpec(encodeFilterSpec(spec))).toEqual(spec);
      }),
      { numRuns: 300 },
    );
  });

  it('converts in memory without encoding too', () => {
    const spec: FilterSpec = {
      type: 'FilterList',
      operator: 'MUST_PASS_ONE',
      filters: [
        { type: 'DependentColumnFilter', family: 'cf', qualifier: b('q'), dropDependentColumn: true },
        { type: 'ColumnPaginationFilter', limit: 3, offset: 0 },
      ],
    };
    expect(filterSpecFromProto(filterSpecToProto(spec))).toEqual(spec);
  });
});

describe('malformed filter messages', () => {
  it('rejects a message with no filter set', () => {
    expect(invalidField(() => decodeFilterSpec(new Uint8Array()))).toBe('filter');
  });

  it('names the member that is missing its comparator', () => {
    const bytes = encodeMessage({ valueFilter: { op: pb.CompareOp.EQUAL } });
    expect(invalidField(() => decodeFilterSpec(bytes))).toBe('filter.valueFilter.comparator');
  });

  it('rejects an unspecified or unknown compare operator', () => {
    expect(invalidField(() => decodeFilterSpec(encodeMessage({ rowFilter: { comparator: { binary: b('x') } } })))).toBe('filter.rowFilter.op');
    expect(invalidField(() => decodeFilterSpec(encodeMessage({ rowFilter: { op: 42 as basalt.filter.CompareOp, comparator: { binary: b('x') } } })))).toBe(
      'filter.rowFilter.op',
    );
  });

  it('names a nested member by its path', () => {
    const bytes = encodeMessage({
      filterList: { operator: pb.FilterListOperator.MUST_PASS_ALL, filters: [{ firstKeyOnlyFilter: {} }, { valueFilter: { op: 1, comparator: { regexString: '(' } } }] },
    });
    expect(invalidField(() => decodeFilterSpec(bytes))).toBe('filter.filters[1].comparator.pattern');
  });

  it('rejects an empty FilterList and one without an operator', () => {
    expect(invalidField(() => decodeFilterSpec(encodeMessage({ filterList: { operator: pb.FilterListOperator.MUST_PASS_ONE } })))).toBe(
      'filter.filters',
    );
    expect(invalidField(() => decodeFilterSpec(encodeMessage({ filterList: { filters: [{ firstKeyOnlyFilter: {} }] } })))).toBe(
      'filter.filterList.operator',
    );
  });

  it('rejects nesting deeper than the bound', () => {
    let message: basalt.filter.IFilter = { firstKeyOnlyFilter: {} };
    for (let i = 0; i < 40; i++) message = { skipFilter: message };
    expect(String(invalidField(() => decodeFilterSpec(encodeMessage(message))))).toMatch(/^filter(\.skipFilter)+$/);
  });

  it('rejects a FilterList with too many members', () => {
    const filters = Array.from({ length: 300 }, () => ({ firstKeyOnlyFilter: {} }));
    expect(invalidField(() => decodeFilterSpec(encodeMessage({ filterList: { operator: 1, filters } })))).toBe('filter.filterList.filters');
  });

  it('rejects bad values: family names, negative-free counts, reversed ranges, comparator without operator', () => {
    expect(
      invalidField(() =>
        decodeFilterSpec(encodeMessage({ singleColumnValueFilter: { family: 'no spaces', qualifier: b('q'), op: 3, comparator: { binary: b('') } } })),
      ),
    ).toBe('filter.family');
    expect(
      invalidField(() =>
        decodeFilterSpec(encodeMessage({ multiRowRangeFilter: { ranges: [{ startRow: b('z'), stopRow: b('a') }] } })),
      ),
    ).toBe('filter.ranges[0]');
    expect(
      invalidField(() =>
        decodeFilterSpec(encodeMessage({ dependentColumnFilter: { family: 'cf', qualifier: b('q'), comparator: { binary: b('x') } } })),
      ),
    ).toBe('filter.dependentColumnFilter.op');
    expect(invalidField(() => decodeFilterSpec(encodeMessage({ timestampsFilter: { timestamps: [2 ** 60] } })))).toBe('filter.timestamps[0]');
  });

  it('rejects truncated bytes', () => {
    const bytes = encodeFilterSpec({ type: 'PrefixFilter', prefix: b('abcdef') });
    expect(invalidField(() => decodeFilterSpec(bytes.subarray(0, bytes.length - 2)))).toBe('filter');
  });

  it('random bytes never crash the decoder: a valid spec or INVALID_ARGUMENT', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        try {
          decodeFilterSpec(bytes);
        } catch (err) {
          expect(isBasaltError(err, ErrorCodes.INVALID_ARGUMENT), String(err)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('corrupted encodings of valid specs never crash the decoder', () => {
    fc.assert(
      fc.property(filterSpecArbitrary(true), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (spec, flips) => {
        const bytes = Buffer.from(encodeFilterSpec(spec));
        if (bytes.length === 0) return;
        for (const [at, value] of flips) bytes[at % bytes.length] = value;
        try {
          decodeFilterSpec(bytes);
        } catch (err) {
          expect(isBasaltError(err, ErrorCodes.INVALID_ARGUMENT), String(err)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('decodeFilter (the data plane entry point)', () => {
  it('builds a working filter from encoded bytes', () => {
    const filter = decodeFilter(encodeFilterSpec({ type: 'PrefixFilter', prefix: b('ab') }), 'scan.filter', { reversed: false });
    filter.reset();
    expect(filter.filterRowKey(b('abc'))).toBe(false);
    filter.reset();
    expect(filter.filterRowKey(b('b'))).toBe(true);
    expect(filter.filterAllRemaining()).toBe(true);
  });

  it('names the request field in its errors', () => {
    expect(invalidField(() => decodeFilter(new Uint8Array([0xff, 0xff]), 'scan.filter'))).toBe('scan.filter');
    expect(invalidField(() => decodeFilter(new Uint8Array(), 'get.filter'))).toBe('get.filter');
  });
});

describe('FilterSpec as JSON', () => {
  it('validateFilterSpec(JSON.parse(JSON.stringify(spec))) equals spec for random specs', () => {
    fc.assert(
      fc.property(filterSpecArbitrary(true), (spec) => {
        expect(validateFilterSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects a value that only looks like a JSON Buffer', () => {
    expect(invalidField(() => validateFilterSpec({ type: 'PrefixFilter', prefix: { type: 'Buffer', data: [1, 256] } }))).toBe('filter.prefix');
  });
});
