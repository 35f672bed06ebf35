/**
 * Checks a request before anything is written: a bad mutation fails as a whole with a typed error
 * naming the field, and nothing of it reaches the WAL or the memstore.
 */
import { CellType, EVERY_FAMILY, MAX_CELL_TTL_MS, MAX_TIMESTAMP } from '../../common/cell.js';
import { compareBytes } from '../../common/bytes.js';
import type { RegionServerConfig } from '../../common/config.js';
import { BasaltError, ErrorCodes, invalidArgument } from '../../common/errors.js';
import type { AppendRequest, CheckAndMutateRequest, CheckCondition, CompareOp, IncrementRequest, Mutation, MutationCell, RegionInfo } from './api.js';
import type { Cell } from '../../common/cell.js';

const CELL_TYPES: ReadonlySet<number> = new Set([CellType.Put, CellType.Delete, CellType.DeleteColumn, CellType.DeleteFamily, CellType.DeleteFamilyVersion]);

export function containsRow(info: RegionInfo, row: Buffer): boolean {
  return compareBytes(row, info.startKey) >= 0 && (info.endKey.length === 0 || compareBytes(row, info.endKey) < 0);
}

/** Row checks shared by reads and writes. */
export function checkRow(info: RegionInfo, config: RegionServerConfig, row: unknown, field = 'row'): Buffer {
  if (!Buffer.isBuffer(row)) throw invalidArgument(field, 'must be bytes');
  if (row.length === 0) throw invalidArgument(field, 'must not be empty');
  if (row.length > config.maxRowKeyBytes) {
    throw new BasaltError(ErrorCodes.ROW_TOO_LARGE, `${field}: ${row.length} bytes exceeds maxRowKeyBytes ${config.maxRowKeyBytes}`, {
      field,
      size: row.length,
      limit: config.maxRowKeyBytes,
    });
  }
  if (!containsRow(info, row)) {
    throw new BasaltError(ErrorCodes.WRONG_REGION, `row is outside region ${info.encodedName}`, { field, region: info.encodedName });
  }
  return row;
}

export function checkTimestamp(value: unknown, field: string): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_TIMESTAMP) {
    throw invalidArgument(field, `must be an integer in [0, ${MAX_TIMESTAMP}]`, { value: String(value) });
  }
}

export function checkFamily(families: ReadonlyMap<string, unknown>, family: unknown, field: string): string {
  if (typeof family !== 'string' || !families.has(family)) {
    throw new BasaltError(ErrorCodes.NO_SUCH_FAMILY, `${field}: no column family '${String(family)}'`, { field, family: String(family) });
  }
  return family;
}

/** Validates one mutation; returns its size in bytes (for request limits). */
export function validateMutation(
  info: RegionInfo,
  config: RegionServerConfig,
  families: ReadonlyMap<string, unknown>,
  mutation: Mutation,
  field = 'mutation',
): number {
  if (mutation === null || typeof mutation !== 'object') throw invalidArgument(field, 'must be an object');
  checkRow(info, config, mutation.row, `${field}.row`);
  if (!Array.isArray(mutation.cells) || mutation.cells.length === 0) throw invalidArgument(`${field}.cells`, 'must be a non-empty array');
  let total = 0;
  mutation.cells.forEach((cell: MutationCell, i: number) => {
    const f = `${field}.cells[${i}]`;
    if (cell === null || typeof cell !== 'object') throw invalidArgument(f, 'must be an object');
    if (!CELL_TYPES.has(cell.type)) throw invalidArgument(`${f}.type`, `unknown cell type ${String(cell.type)}`);
    // '*' with DeleteFamily: the whole row (every family of the region's descriptor).
    if (cell.family !== EVERY_FAMILY || cell.type !== CellType.DeleteFamily) checkFamily(families, cell.family, `${f}.family`);
    checkTimestamp(cell.timestamp, `${f}.timestamp`);
    checkCellTtl(cell, `${f}.ttlMs`);
    const familyLevel = cell.type === CellType.DeleteFamily || cell.type === CellType.DeleteFamilyVersion;
    if (familyLevel) {
      if (cell.qualifier !== undefined && (!Buffer.isBuffer(cell.qualifier) || cell.qualifier.length > 0)) {
        throw invalidArgument(`${f}.qualifier`, 'must be absent for a family delete');
      }
    } else if (!Buffer.isBuffer(cell.qualifier)) {
      throw invalidArgument(`${f}.qualifier`, 'must be bytes');
    }
    if (cell.value !== undefined && !Buffer.isBuffer(cell.value)) throw invalidArgument(`${f}.value`, 'must be bytes');
    const size = mutation.row.length + cell.family.length + (cell.qualifier?.length ?? 0) + (cell.type === CellType.Put ? (cell.value?.length ?? 0) : 0);
    if (size > config.maxCellBytes) {
      throw new BasaltError(ErrorCodes.CELL_TOO_LARGE, `${f}: ${size} bytes exceeds maxCellBytes ${config.maxCellBytes}`, {
        field: f,
        size,
        limit: config.maxCellBytes,
      });
    }
    total += size;
  });
  if (total > config.maxRequestBytes) {
    throw new BasaltError(ErrorCodes.REQUEST_TOO_LARGE, `${field}: ${total} bytes exceeds maxRequestBytes ${config.maxRequestBytes}`, {
      field,
      size: total,
      limit: config.maxRequestBytes,
    });
  }
  return total;
}

/** A per-cell TTL: Put only, a whole number of ms in [1, MAX_CELL_TTL_MS]. */
export function checkCellTtl(cell: MutationCell, field: string): void {
  if (cell.ttlMs === undefined) return;
  if (cell.type !== CellType.Put) throw invalidArgument(field, 'only a Put carries a per-cell TTL');
  checkTtlMs(cell.ttlMs, field);
}

function checkTtlMs(value: unknown, field: string): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_CELL_TTL_MS) {
    throw invalidArgument(field, `must be an integer number of ms in [1, ${MAX_CELL_TTL_MS}]`, { value: String(value) });
  }
}

export function requestTooLarge(field: string, size: number, limit: number): BasaltError {
  return new BasaltError(ErrorCodes.REQUEST_TOO_LARGE, `${field}: ${size} bytes exceeds maxRequestBytes ${limit}`, { field, size, limit });
}

export function validateIncrement(families: ReadonlyMap<string, unknown>, request: IncrementRequest): void {
  if (!Array.isArray(request.columns) || request.columns.length === 0) throw invalidArgument('columns', 'must be a non-empty array');
  checkTtlMs(request.ttlMs, 'ttlMs');
  request.columns.forEach((c, i) => {
    checkFamily(families, c.family, `columns[${i}].family`);
    if (!Buffer.isBuffer(c.qualifier)) throw invalidArgument(`columns[${i}].qualifier`, 'must be bytes');
    if (typeof c.amount !== 'bigint') throw invalidArgument(`columns[${i}].amount`, 'must be a bigint');
  });
}

export function validateAppend(families: ReadonlyMap<string, unknown>, request: AppendRequest): void {
  if (!Array.isArray(request.columns) || request.columns.length === 0) throw invalidArgument('columns', 'must be a non-empty array');
  checkTtlMs(request.ttlMs, 'ttlMs');
  request.columns.forEach((c, i) => {
    checkFamily(families, c.family, `columns[${i}].family`);
    if (!Buffer.isBuffer(c.qualifier)) throw invalidArgument(`columns[${i}].qualifier`, 'must be bytes');
    if (!Buffer.isBuffer(c.value)) throw invalidArgument(`columns[${i}].value`, 'must be bytes');
  });
}

export function validateCheckAndMutate(info: RegionInfo, config: RegionServerConfig, families: ReadonlyMap<string, unknown>, request: CheckAndMutateRequest): void {
  const { condition, filter } = request;
  if ((condition === undefined) === (filter === undefined)) throw invalidArgument('condition', 'give exactly one of condition and filter');
  if (!request.mutation || !Buffer.isBuffer(request.mutation.row) || compareBytes(request.mutation.row, request.row) !== 0) {
    throw invalidArgument('mutation.row', 'must equal row');
  }
  validateMutation(info, config, families, request.mutation);
  if (!condition) return;
  checkFamily(families, condition.family, 'condition.family');
  if (!Buffer.isBuffer(condition.qualifier)) throw invalidArgument('condition.qualifier', 'must be bytes');
  if (!['exists', 'not_exists', 'compare'].includes(condition.kind)) throw invalidArgument('condition.kind', 'must be exists, not_exists or compare');
  if (condition.kind === 'compare') {
    if (!condition.op || !(condition.op in COMPARE)) throw invalidArgument('condition.op', 'must be a compare operator');
    if (!Buffer.isBuffer(condition.value)) throw invalidArgument('condition.value', 'must be bytes');
  }
}

/**
 * "cell value OP condition value" on the column's latest visible version (HBase's
 * CheckAndMutate compares the other way round; the natural reading is kept here). A missing column
 * fails every compare.
 */
const COMPARE: Record<CompareOp, (c: number) => boolean> = {
  LESS: (c) => c < 0,
  LESS_OR_EQUAL: (c) => c <= 0,
  EQUAL: (c) => c === 0,
  NOT_EQUAL: (c) => c !== 0,
  GREATER_OR_EQUAL: (c) => c >= 0,
  GREATER: (c) => c > 0,
};

export function conditionHolds(condition: CheckCondition, latest: Cell | undefined): boolean {
  if (condition.kind === 'exists') return latest !== undefined;
  if (condition.kind === 'not_exists') return latest === undefined;
  return latest !== undefined && COMPARE[condition.op!](compareBytes(latest.value, condition.value!));
}
