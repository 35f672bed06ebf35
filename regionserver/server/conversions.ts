/**
 * Wire (basalt.regionserver protos) ⇄ region operations (region/api.ts), with every bound checked
 * on the way in. A malformed or oversized request fails here, before it reaches a region, with
 * INVALID_ARGUMENT naming the field (or REQUEST_TOO_LARGE / ROW_TOO_LARGE / CELL_TOO_LARGE), so
 * a bad request never changes anything.
 */
import { basalt } from '../../proto/generated/basalt.js';
import { CellType, EVERY_FAMILY, MAX_CELL_TTL_MS, MAX_TIMESTAMP, isValidFamilyName } from '../../common/cell.js';
import { BasaltError, ErrorCodes, invalidArgument } from '../../common/errors.js';
import { int64ToNumber as num } from '../../common/proto-numbers.js';
import { validateRegionIdentity } from '../region/identity.js';
import { rowFromProto, rowToProto } from '../../common/rs-wire/rows.js';

export { rowFromProto, rowToProto };
import type { Filter } from '../filter/filter.js';
import type { QualifierCache } from './qualifier-cache.js';
import { FamilyNames, WireMutation, WireReader, emptyWireCell, readWireCell, type WireCell } from './wire-decode.js';
import type {
  AppendRequest,
  BloomType,
  CheckAndMutateRequest,
  CheckCondition,
  ColumnSelector,
  CompareOp,
  FamilyDescriptor,
  GetRequest,
  IncrementRequest,
  KeepDeletedCells,
  Mutation,
  MutationCell,
  RegionInfo,
  RegionLoad,
  RowResult,
  ScanRequest,
  TimeRange,
} from '../region/api.js';

import pb = basalt.regionserver;

/** The request bounds (common/config.ts, regionserver section). */
export interface RequestLimits {
  maxRowKeyBytes: number;
  maxCellBytes: number;
  maxRequestBytes: number;
  maxRowsPerRequest: number;
}

/** Turns an encoded basalt.filter.Filter into a server-side Filter, or throws a typed error. */
export type FilterDecoder = (encoded: Uint8Array, field: string, options: { reversed: boolean }) => Filter;

export const noFilters: FilterDecoder = (_encoded, field) => {
  throw invalidArgument(field, 'filters are not supported by this server');
};

const CELL_TYPES: ReadonlySet<number> = new Set([
  CellType.Put,
  CellType.Delete,
  CellType.DeleteFamilyVersion,
  CellType.DeleteColumn,
  CellType.DeleteFamily,
]);
const COMPARE_OPS: ReadonlySet<string> = new Set(['LESS', 'LESS_OR_EQUAL', 'EQUAL', 'NOT_EQUAL', 'GREATER_OR_EQUAL', 'GREATER']);
const CONDITION_KINDS: ReadonlySet<string> = new Set(['exists', 'not_exists', 'compare']);

/** A 64-bit field as a JS number (common/proto-numbers.ts); dispatcher, admin and the client use it too. */
export { num };

function buf(bytes: Uint8Array | null | undefined): Buffer {
  if (!bytes) return Buffer.alloc(0);
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The name of a field of a mutation's cell (error paths only). */
function cellField(parent: string, index: number, suffix: string): string {
  return `${parent}.cells[${index}]${suffix}`;
}

/** A field's name, built only when an error needs it (the hot path validates thousands of cells). */
type Field = string | (() => string);

function nameOf(field: Field): string {
  return typeof field === 'string' ? field : field();
}

/**
 * Decodes one request with its limits. Counts the bytes a request carries so that the whole item
 * stays under maxRequestBytes even when its frame holds many items.
 */
export class RequestDecoder {
  private bytes = 0;
  private readonly families = new Set<string>();

  constructor(
    private readonly limits: RequestLimits,
    private readonly filters: FilterDecoder,
    /** Interns the qualifiers of written cells (qualifier-cache.ts); none: each keeps its own bytes. */
    private readonly qualifiers?: QualifierCache,
  ) {}

  private count(n: number): void {
    this.bytes += n;
    if (this.bytes > this.limits.maxRequestBytes) {
      throw new BasaltError(ErrorCodes.REQUEST_TOO_LARGE, `request carries more than ${this.limits.maxRequestBytes} bytes`, {
        limit: this.limits.maxRequestBytes,
      });
    }
  }

  region(name: string | null | undefined, field = 'region'): string {
    if (!name) throw invalidArgument(field, 'a region encoded name is required');
    if (name.length > 512) throw invalidArgument(field, 'too long');
    return name;
  }

  row(bytes: Uint8Array | null | undefined, field: string): Buffer {
    const row = buf(bytes);
    if (row.length === 0) throw invalidArgument(field, 'a row key is required');
    if (row.length > this.limits.maxRowKeyBytes) {
      throw new BasaltError(ErrorCodes.ROW_TOO_LARGE, `${field}: row key longer than ${this.limits.maxRowKeyBytes} bytes`, {
        field,
        limit: this.limits.maxRowKeyBytes,
      });
    }
    this.count(row.length);
    return row;
  }

  /** A scan bound: may be empty (open), bounded like a row key. */
  optionalKey(bytes: Uint8Array | null | undefined, field: string): Buffer | undefined {
    const key = buf(bytes);
    if (key.length === 0) return undefined;
    if (key.length > this.limits.maxRowKeyBytes) throw invalidArgument(field, `longer than ${this.limits.maxRowKeyBytes} bytes`);
    this.count(key.length);
    return key;
  }

  family(name: string | null | undefined, field: Field): string {
    // A request names few families over many cells: check each name once.
    if (name && this.families.has(name)) {
      this.count(name.length);
      return name;
    }
    if (!name || !isValidFamilyName(name)) throw invalidArgument(nameOf(field), 'not a valid column family name');
    this.families.add(name);
    this.count(name.length);
    return name;
  }

  qualifier(bytes: Uint8Array | null | undefined, field: Field): Buffer {
    const q = buf(bytes);
    if (q.length > this.limits.maxCellBytes) throw invalidArgument(nameOf(field), 'qualifier too long');
    this.count(q.length);
    return q;
  }

  /** A per-cell TTL in ms: a whole number in [1, MAX_CELL_TTL_MS]. */
  ttlMs(raw: number, field: string): number {
    const ttlMs = num(raw);
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_CELL_TTL_MS) throw invalidArgument(field, `must be in [1, ${MAX_CELL_TTL_MS}] ms`);
    return ttlMs;
  }

  timestamp(raw: number | null | undefined, field: Field): number | undefined {
    if (raw === null || raw === undefined) return undefined;
    const value = num(raw);
    if (!Number.isSafeInteger(value) || value < 0 || value > MAX_TIMESTAMP) throw invalidArgument(nameOf(field), 'timestamp out of range');
    return value;
  }

  smallCount(raw: number | null | undefined, field: string, max: number): number | undefined {
    const value = num(raw);
    if (!value) return undefined;
    if (!Number.isSafeInteger(value) || value < 0 || value > max) throw invalidArgument(field, `must be in [0, ${max}]`);
    return value;
  }

  timeRange(range: pb.ITimeRange | null | undefined, field: string): TimeRange | undefined {
    if (!range) return undefined;
    const min = this.timestamp(range.min ?? 0, `${field}.min`) ?? 0;
    const max = num(range.max) ? this.timestamp(range.max, `${field}.max`)! : MAX_TIMESTAMP;
    if (max < min) throw invalidArgument(field, 'max is below min');
    return { min, max };
  }

  columns(columns: pb.IColumn[] | null | undefined, field: string): ColumnSelector[] | undefined {
    if (!columns || columns.length === 0) return undefined;
    if (columns.length > this.limits.maxRowsPerRequest) throw invalidArgument(field, 'too many columns');
    return columns.map((c, i) => {
      const family = this.family(c.family, `${field}[${i}].family`);
      return c.qualifier === null || c.qualifier === undefined
        ? { family }
        : { family, qualifier: this.qualifier(c.qualifier, `${field}[${i}].qualifier`) };
    });
  }

  filter(bytes: Uint8Array | null | undefined, field: string, reversed = false): Filter | undefined {
    if (!bytes || bytes.length === 0) return undefined;
    this.count(bytes.length);
    return this.filters(bytes, field, { reversed });
  }

  get(get: pb.IGet | null | undefined, field: string): GetRequest {
    if (!get) throw invalidArgument(field, 'required');
    const out: GetRequest = { row: this.row(get.row, `${field}.row`) };
    const columns = this.columns(get.columns, `${field}.columns`);
    if (columns) out.columns = columns;
    const timeRange = this.timeRange(get.timeRange, `${field}.timeRange`);
    if (timeRange) out.timeRange = timeRange;
    const maxVersions = this.smallCount(get.maxVersions, `${field}.maxVersions`, 1 << 30);
    if (maxVersions) out.maxVersions = maxVersions;
    const filter = this.filter(get.filter, `${field}.filter`);
    if (filter) out.filter = filter;
    if (get.raw) out.raw = true;
    this.perFamilyLimits(get, out, field);
    return out;
  }

  scan(scan: pb.IScanSpec | null | undefined, field: string): ScanRequest {
    if (!scan) throw invalidArgument(field, 'required to open a scanner');
    const out: ScanRequest = {};
    const start = this.optionalKey(scan.startRow, `${field}.startRow`);
    if (start) out.startRow = start;
    if (scan.startInclusive === false) out.startInclusive = false;
    const stop = this.optionalKey(scan.stopRow, `${field}.stopRow`);
    if (stop) out.stopRow = stop;
    if (scan.stopInclusive === true) out.stopInclusive = true;
    const prefix = this.optionalKey(scan.prefix, `${field}.prefix`);
    if (prefix) out.prefix = prefix;
    if (scan.reversed) out.reversed = true;
    const limit = this.smallCount(scan.limit, `${field}.limit`, Number.MAX_SAFE_INTEGER);
    if (limit) out.limit = limit;
    const batch = this.smallCount(scan.batch, `${field}.batch`, 1 << 30);
    if (batch) out.batch = batch;
    const columns = this.columns(scan.columns, `${field}.columns`);
    if (columns) out.columns = columns;
    const timeRange = this.timeRange(scan.timeRange, `${field}.timeRange`);
    if (timeRange) out.timeRange = timeRange;
    const maxVersions = this.smallCount(scan.maxVersions, `${field}.maxVersions`, 1 << 30);
    if (maxVersions) out.maxVersions = maxVersions;
    const filter = this.filter(scan.filter, `${field}.filter`, scan.reversed === true);
    if (filter) out.filter = filter;
    if (scan.raw) out.raw = true;
    this.perFamilyLimits(scan, out, field);
    return out;
  }

  private perFamilyLimits(
    from: { maxResultsPerColumnFamily?: number | null; rowOffsetPerColumnFamily?: number | null },
    out: { maxResultsPerColumnFamily?: number; rowOffsetPerColumnFamily?: number },
    field: string,
  ): void {
    const max = this.smallCount(from.maxResultsPerColumnFamily, `${field}.maxResultsPerColumnFamily`, 1 << 30);
    if (max) out.maxResultsPerColumnFamily = max;
    const offset = this.smallCount(from.rowOffsetPerColumnFamily, `${field}.rowOffsetPerColumnFamily`, 1 << 30);
    if (offset) out.rowOffsetPerColumnFamily = offset;
  }

  mutation(mutation: pb.IMutation | null | undefined, field: string): Mutation {
    if (mutation instanceof WireMutation) return this.wireMutation(mutation.bytes, field);
    if (!mutation) throw invalidArgument(field, 'required');
    const row = this.row(mutation.row, `${field}.row`);
    const cells = mutation.cells ?? [];
    if (cells.length === 0) throw invalidArgument(`${field}.cells`, 'a mutation needs at least one cell');
    const out: MutationCell[] = new Array(cells.length);
    for (let i = 0; i < cells.length; i++) out[i] = this.mutationCell(row, cells[i]!, field, i);
    return { row, cells: out };
  }

  /**
   * A Mutation read from its wire bytes (wire-decode.ts) into the region's layout: the same checks
   * and results as `mutation` on the decoded message, without the message objects in between.
   */
  private wireMutation(bytes: Buffer, field: string): Mutation {
    const r = new WireReader(bytes);
    let rowBytes: Buffer | undefined;
    const cellBounds: number[] = [];
    while (!r.done) {
      const tag = r.varint();
      if (tag === 10) {
        const end = r.lengthDelimited();
        rowBytes = bytes.subarray(r.pos, end);
        r.pos = end;
      } else if (tag === 18) {
        const end = r.lengthDelimited();
        cellBounds.push(r.pos, end);
        r.pos = end;
      } else if (tag >>> 3 === 1 || tag >>> 3 === 2 || tag >>> 3 === 0) {
        throw invalidArgument(field, 'malformed message: wrong wire type');
      } else {
        r.skip(tag & 7);
      }
    }
    const row = this.row(rowBytes, `${field}.row`);
    const n = cellBounds.length / 2;
    if (n === 0) throw invalidArgument(`${field}.cells`, 'a mutation needs at least one cell');
    const out: MutationCell[] = new Array(n);
    const cell = this.scratchCell;
    for (let i = 0; i < n; i++) {
      readWireCell(bytes, cellBounds[2 * i]!, cellBounds[2 * i + 1]!, cell, this.wireFamilies, field, this.qualifiers);
      out[i] = this.mutationCell(row, cell, field, i);
    }
    return { row, cells: out };
  }

  private readonly scratchCell: WireCell = emptyWireCell();
  private readonly wireFamilies = new FamilyNames();

  private mutationCell(row: Buffer, cell: pb.IMutationCell, parent: string, index: number): MutationCell {
    // This runs for every cell of every write: no closures, and field names are built only when
    // an error names them (cellField).
    const type = cell.type ?? 0;
    if (!CELL_TYPES.has(type)) throw invalidArgument(cellField(parent, index, '.type'), `unknown cell type ${type}`);
    // '*' with DeleteFamily: the whole row; the region names the families (write-path.ts).
    const wholeRow = type === CellType.DeleteFamily && cell.family === EVERY_FAMILY;
    const name = cell.family;
    let family: string;
    if (wholeRow) family = EVERY_FAMILY;
    else if (name && this.families.has(name)) {
      this.count(name.length);
      family = name;
    } else family = this.family(name, cellField(parent, index, '.family'));
    const wholeFamily = type === CellType.DeleteFamily || type === CellType.DeleteFamilyVersion;
    const out: MutationCell = { family, type: type as CellType };
    if (cell.ttlMs !== null && cell.ttlMs !== undefined) {
      if (type !== CellType.Put) throw invalidArgument(cellField(parent, index, '.ttlMs'), 'only a Put carries a per-cell TTL');
      out.ttlMs = this.ttlMs(cell.ttlMs, cellField(parent, index, '.ttlMs'));
    }
    if (cell.qualifier !== null && cell.qualifier !== undefined) {
      if (wholeFamily) throw invalidArgument(cellField(parent, index, '.qualifier'), 'a family delete takes no qualifier');
      const qualifier = buf(cell.qualifier);
      if (qualifier.length > this.limits.maxCellBytes) throw invalidArgument(cellField(parent, index, '.qualifier'), 'qualifier too long');
      this.count(qualifier.length);
      out.qualifier = this.qualifiers && !(cell as Partial<WireCell>).interned ? this.qualifiers.intern(qualifier) : qualifier;
    } else if (!wholeFamily) {
      throw invalidArgument(cellField(parent, index, '.qualifier'), 'required for this cell type');
    }
    const raw = cell.timestamp;
    if (raw !== null && raw !== undefined) {
      const timestamp = num(raw);
      if (!Number.isSafeInteger(timestamp) || timestamp < 0 || timestamp > MAX_TIMESTAMP) throw invalidArgument(cellField(parent, index, '.timestamp'), 'timestamp out of range');
      out.timestamp = timestamp;
    } else if (type === CellType.DeleteFamilyVersion) {
      throw invalidArgument(cellField(parent, index, '.timestamp'), 'DeleteFamilyVersion needs a timestamp');
    }
    const value = buf(cell.value);
    if (type === CellType.Put) out.value = value;
    else if (value.length > 0) throw invalidArgument(cellField(parent, index, '.value'), 'a delete carries no value');
    const size = row.length + family.length + (out.qualifier?.length ?? 0) + value.length;
    if (size > this.limits.maxCellBytes) {
      const at = cellField(parent, index, '');
      throw new BasaltError(ErrorCodes.CELL_TOO_LARGE, `${at}: cell larger than ${this.limits.maxCellBytes} bytes`, { field: at, limit: this.limits.maxCellBytes });
    }
    this.count(value.length + 16);
    return out;
  }

  /** The row and the non-empty, bounded column list of an Increment or Append. */
  private rowAndColumns<C>(message: { row?: Uint8Array | null; columns?: C[] | null } | null | undefined, field: string): { row: Buffer; columns: C[] } {
    if (!message) throw invalidArgument(field, 'required');
    const row = this.row(message.row, `${field}.row`);
    const columns = message.columns ?? [];
    if (columns.length === 0) throw invalidArgument(`${field}.columns`, 'at least one column');
    if (columns.length > this.limits.maxRowsPerRequest) throw invalidArgument(`${field}.columns`, 'too many columns');
    return { row, columns };
  }

  /** A nonce as `group:nonce`, or undefined when the nonce is 0 (none). */
  nonce(group: number | null | undefined, nonce: number | null | undefined, field: string): string | undefined {
    const g = num(group);
    const n = num(nonce);
    if (!Number.isSafeInteger(g) || g < 0) throw invalidArgument(`${field}.nonceGroup`, 'must be an integer in [0, 2^53)');
    if (!Number.isSafeInteger(n) || n < 0) throw invalidArgument(`${field}.nonce`, 'must be an integer in [0, 2^53)');
    return n === 0 ? undefined : `${g}:${n}`;
  }

  /** Nonce, timestamp, returnResults and per-cell TTL of an increment or append. */
  private readModifyWriteOptions(m: pb.IIncrement | pb.IAppend, field: string): { nonce?: string; timestamp?: number; returnResults?: boolean; ttlMs?: number } {
    const out: { nonce?: string; timestamp?: number; returnResults?: boolean; ttlMs?: number } = {};
    const nonce = this.nonce(m.nonceGroup, m.nonce, field);
    if (nonce !== undefined) out.nonce = nonce;
    const timestamp = this.timestamp(m.timestamp, `${field}.timestamp`);
    if (timestamp !== undefined) out.timestamp = timestamp;
    if (m.returnResults === false) out.returnResults = false;
    if (m.ttlMs !== null && m.ttlMs !== undefined) out.ttlMs = this.ttlMs(m.ttlMs, `${field}.ttlMs`);
    return out;
  }

  increment(inc: pb.IIncrement | null | undefined, field: string): IncrementRequest {
    const { row, columns } = this.rowAndColumns(inc, field);
    return {
      ...this.readModifyWriteOptions(inc!, field),
      row,
      columns: columns.map((c, i) => {
        const amount = num(c.amount);
        if (!Number.isSafeInteger(amount)) throw invalidArgument(`${field}.columns[${i}].amount`, 'not a safe integer');
        return {
          family: this.family(c.family, `${field}.columns[${i}].family`),
          qualifier: this.qualifier(c.qualifier, `${field}.columns[${i}].qualifier`),
          amount: BigInt(amount),
        };
      }),
    };
  }

  append(app: pb.IAppend | null | undefined, field: string): AppendRequest {
    const { row, columns } = this.rowAndColumns(app, field);
    return {
      ...this.readModifyWriteOptions(app!, field),
      row,
      columns: columns.map((c, i) => {
        const value = buf(c.value);
        if (value.length > this.limits.maxCellBytes) {
          throw new BasaltError(ErrorCodes.CELL_TOO_LARGE, `${field}.columns[${i}].value: too large`, { field: `${field}.columns[${i}].value` });
        }
        this.count(value.length);
        return {
          family: this.family(c.family, `${field}.columns[${i}].family`),
          qualifier: this.qualifier(c.qualifier, `${field}.columns[${i}].qualifier`),
          value,
        };
      }),
    };
  }

  checkAndMutate(req: pb.ICheckAndMutateRequest, field: string): CheckAndMutateRequest {
    const row = this.row(req.row, `${field}.row`);
    const mutation = this.mutation(req.mutation, `${field}.mutation`);
    if (!mutation.row.equals(row)) throw invalidArgument(`${field}.mutation.row`, 'must be the checked row');
    const out: CheckAndMutateRequest = { row, mutation };
    const filter = this.filter(req.filter, `${field}.filter`);
    if (req.condition && filter) throw invalidArgument(`${field}.condition`, 'give a condition or a filter, not both');
    if (filter) out.filter = filter;
    else if (req.condition) out.condition = this.condition(req.condition, `${field}.condition`);
    else throw invalidArgument(`${field}.condition`, 'a condition or a filter is required');
    const nonce = this.nonce(req.nonceGroup, req.nonce, field);
    if (nonce !== undefined) out.nonce = nonce;
    const timeRange = this.timeRange(req.timeRange, `${field}.timeRange`);
    if (timeRange) {
      if (!filter) throw invalidArgument(`${field}.timeRange`, 'a time range goes with a filter (a condition has its own)');
      out.timeRange = timeRange;
    }
    return out;
  }

  private condition(c: pb.ICondition, field: string): CheckCondition {
    const kind = c.kind ?? '';
    if (!CONDITION_KINDS.has(kind)) throw invalidArgument(`${field}.kind`, 'exists | not_exists | compare');
    const out: CheckCondition = {
      family: this.family(c.family, `${field}.family`),
      qualifier: this.qualifier(c.qualifier, `${field}.qualifier`),
      kind: kind as CheckCondition['kind'],
    };
    if (kind === 'compare') {
      if (!COMPARE_OPS.has(c.op ?? '')) throw invalidArgument(`${field}.op`, 'LESS … GREATER');
      out.op = c.op as CompareOp;
      out.value = buf(c.value);
      this.count(out.value.length);
    }
    const timeRange = this.timeRange(c.timeRange, `${field}.timeRange`);
    if (timeRange) out.timeRange = timeRange;
    return out;
  }
}

// ---- admin vocabulary ----

export function regionInfoFromProto(info: pb.IRegionInfo | null | undefined, field = 'info'): RegionInfo {
  if (!info) throw invalidArgument(field, 'required');
  // The table and region names become directories: HBase's names only (region/identity.ts).
  const identity = { table: info.table ?? '', encodedName: info.encodedName ?? '', regionId: num(info.regionId) };
  validateRegionIdentity(identity, field);
  const startKey = buf(info.startKey);
  const endKey = buf(info.endKey);
  if (endKey.length > 0 && Buffer.compare(startKey, endKey) >= 0) throw invalidArgument(`${field}.endKey`, 'must be above startKey');
  return { ...identity, startKey: Buffer.from(startKey), endKey: Buffer.from(endKey) };
}

export function regionInfoToProto(info: RegionInfo): pb.IRegionInfo {
  return { table: info.table, startKey: info.startKey, endKey: info.endKey, regionId: info.regionId, encodedName: info.encodedName };
}

const KEEP_DELETED: ReadonlySet<string> = new Set(['FALSE', 'TRUE', 'TTL']);
const BLOOMS: ReadonlySet<string> = new Set(['NONE', 'ROW', 'ROWCOL']);

export function familyFromProto(f: pb.IFamilyDescriptor, field: string): FamilyDescriptor {
  if (!f.name || !isValidFamilyName(f.name)) throw invalidArgument(`${field}.name`, 'not a valid column family name');
  const keep = f.keepDeletedCells || 'FALSE';
  if (!KEEP_DELETED.has(keep)) throw invalidArgument(`${field}.keepDeletedCells`, 'FALSE | TRUE | TTL');
  const bloom = f.bloomFilter || 'ROW';
  if (!BLOOMS.has(bloom)) throw invalidArgument(`${field}.bloomFilter`, 'NONE | ROW | ROWCOL');
  return {
    name: f.name,
    maxVersions: f.maxVersions || 1,
    minVersions: f.minVersions ?? 0,
    ttlSeconds: num(f.ttlSeconds),
    keepDeletedCells: keep as KeepDeletedCells,
    bloomFilter: bloom as BloomType,
    inMemory: f.inMemory ?? false,
  };
}

export function familyToProto(f: FamilyDescriptor): pb.IFamilyDescriptor {
  return {
    name: f.name,
    maxVersions: f.maxVersions,
    minVersions: f.minVersions,
    ttlSeconds: f.ttlSeconds,
    keepDeletedCells: f.keepDeletedCells,
    bloomFilter: f.bloomFilter,
    inMemory: f.inMemory,
  };
}

export function regionLoadToProto(load: RegionLoad): pb.IRegionLoad {
  return { ...load };
}

// ---- results ----

/** Size of a row on the wire, roughly: for the bytes bound of scanner batches and frames. */
export function rowWireBytes(result: RowResult): number {
  let n = result.row.length + 8;
  for (const c of result.cells) n += c.family.length + c.qualifier.length + c.value.length + 24;
  return n;
}

