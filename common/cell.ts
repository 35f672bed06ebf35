/**
 * The data model's cell and its order (DESIGN.md, "Data model"):
 * row ↑ (unsigned bytes), family ↑, qualifier ↑, timestamp ↓, type ↓, sequence id ↓.
 * Type codes are HBase's, so a delete marker sorts before a Put at the same timestamp.
 */
import { compareBytes } from './bytes.js';

export enum CellType {
  Put = 4,
  Delete = 8,
  DeleteFamilyVersion = 10,
  DeleteColumn = 12,
  DeleteFamily = 14,
}

export function isDeleteType(type: CellType): boolean {
  return type !== CellType.Put;
}

/** Largest timestamp a client may set; also "latest" for reads. */
export const MAX_TIMESTAMP = Number.MAX_SAFE_INTEGER;

export interface Cell {
  row: Buffer;
  /** Column family name (printable, [A-Za-z0-9_.-]+, validated at the edge). */
  family: string;
  qualifier: Buffer;
  /** Milliseconds since the epoch, 0 ≤ ts ≤ MAX_TIMESTAMP. */
  timestamp: number;
  type: CellType;
  value: Buffer;
  /** Write order inside a region; assigned by the region, 0 before that. */
  sequenceId: number;
  /**
   * Per-cell TTL of a Put (HBase's Put.setTTL, a cell tag there), in ms: the cell expires once the
   * clock passes timestamp + ttlMs. It only shortens what the family's TTL allows. Absent: none
   * (cells written before per-cell TTL existed, and every marker).
   */
  ttlMs?: number;
}

/**
 * The family name of HBase's Delete without columns in a mutation: a DeleteFamily cell with this
 * family is turned by the region into one DeleteFamily marker per family of its descriptor. Not a
 * valid family name, so it cannot be mistaken for one.
 */
export const EVERY_FAMILY = '*';

/** Largest per-cell TTL (ms): keeps timestamp + ttl exact in a double. */
export const MAX_CELL_TTL_MS = 2 ** 48;

/** True when the cell's own TTL has passed at `nowMs` (visible up to and including timestamp + ttl, as HBase). */
export function isCellTtlExpired(cell: Cell, nowMs: number): boolean {
  return cell.ttlMs !== undefined && cell.timestamp + cell.ttlMs < nowMs;
}

function compareFamily(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

/** Total cell order. The key codec must produce byte strings that sort exactly like this. */
export function compareCells(a: Cell, b: Cell): number {
  return (
    compareBytes(a.row, b.row) ||
    compareFamily(a.family, b.family) ||
    compareBytes(a.qualifier, b.qualifier) ||
    (a.timestamp === b.timestamp ? 0 : a.timestamp > b.timestamp ? -1 : 1) ||
    (a.type === b.type ? 0 : a.type > b.type ? -1 : 1) ||
    (a.sequenceId === b.sequenceId ? 0 : a.sequenceId > b.sequenceId ? -1 : 1)
  );
}

/** Same row, family and qualifier. */
export function sameColumn(a: Cell, b: Cell): boolean {
  return compareBytes(a.row, b.row) === 0 && a.family === b.family && compareBytes(a.qualifier, b.qualifier) === 0;
}

const FAMILY_NAME = /^[A-Za-z0-9_.-]{1,255}$/;

export function isValidFamilyName(name: string): boolean {
  return FAMILY_NAME.test(name) && name !== '.' && name !== '..';
}

/** Approximate heap/wire size of a cell, for memstore accounting and request bounds. */
export function cellSize(cell: Cell): number {
  return cell.row.length + cell.family.length + cell.qualifier.length + cell.value.length + (cell.ttlMs === undefined ? 24 : 32);
}
