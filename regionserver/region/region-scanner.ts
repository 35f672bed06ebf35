/**
 * A region scanner: rows of one region in order (or reversed), at the read point of its creation,
 * over the store files and memstore trees it captured then (files are reference-counted, so a
 * compaction that replaces them does not pull them away). Each `next` call is synchronous inside:
 * it finds the next row from every source, reads it through the read plan (versions, deletes,
 * filter), and stops at maxRows / maxBytes / the limit, remembering where to resume.
 */
import { compareBytes } from '../../common/bytes.js';
import type { Cell } from '../../common/cell.js';
import { BasaltError, ErrorCodes } from '../../common/errors.js';
import { decodeRow, encodeRowPrefix, prefixUpperBound } from '../../common/keycodec.js';
import { prefixEnd } from '../../common/bytes.js';
import type { StoreView } from '../storage/store.js';
import type { RegionInfo, RowResult, ScanRequest } from './api.js';
import { readPlannedRow, resultSize, type ReadPlan } from './read-plan.js';

export interface RegionScanner {
  next(maxRows: number, maxBytes: number): Promise<{ rows: RowResult[]; more: boolean }>;
  close(): void;
}

/** Row-key bounds of a scan as codec key positions: rows whose prefix is in [lower, upper). */
export interface ScanBounds {
  lower: Buffer;
  upper: Buffer | undefined;
}

function maxKey(a: Buffer, b: Buffer): Buffer {
  return compareBytes(a, b) >= 0 ? a : b;
}

function minKey(a: Buffer | undefined, b: Buffer | undefined): Buffer | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return compareBytes(a, b) <= 0 ? a : b;
}

export function scanBounds(info: RegionInfo, request: ScanRequest): ScanBounds {
  let lower = info.startKey.length > 0 ? encodeRowPrefix(info.startKey) : Buffer.alloc(0);
  let upper = info.endKey.length > 0 ? encodeRowPrefix(info.endKey) : undefined;
  // HBase's convention: a scan runs from startRow towards stopRow, so a reversed scan starts at
  // the higher row. Inclusive start and exclusive stop by default, in both directions.
  const reversed = request.reversed === true;
  if (request.startRow && request.startRow.length > 0) {
    const p = encodeRowPrefix(request.startRow);
    const inclusive = request.startInclusive !== false;
    if (reversed) upper = minKey(upper, inclusive ? prefixUpperBound(p) : p);
    else lower = maxKey(lower, inclusive ? p : prefixUpperBound(p));
  }
  if (request.stopRow && request.stopRow.length > 0) {
    const p = encodeRowPrefix(request.stopRow);
    const inclusive = request.stopInclusive === true;
    if (reversed) lower = maxKey(lower, inclusive ? p : prefixUpperBound(p));
    else upper = minKey(upper, inclusive ? prefixUpperBound(p) : p);
  }
  if (request.prefix && request.prefix.length > 0) {
    // Escaping is per byte, so every row starting with the prefix has a key starting with the
    // escaped prefix (without its terminator).
    const escaped = encodeRowPrefix(request.prefix);
    lower = maxKey(lower, escaped.subarray(0, escaped.length - 2));
    const end = prefixEnd(request.prefix);
    if (end) upper = minKey(upper, encodeRowPrefix(end));
  }
  return { lower, upper };
}

function rowPrefixOf(key: string): string {
  return key.slice(0, key.indexOf('\x00\x01') + 2);
}

export interface ScannerContext {
  plan: ReadPlan;
  views: StoreView[];
  readPoint: number;
  bounds: ScanBounds;
  reversed: boolean;
  limit: number;
  batch: number;
  /** Throws when the region can no longer serve (closed). */
  checkOpen(): void;
  onRows(count: number): void;
}

export class RegionScannerImpl implements RegionScanner {
  /** Forward: the next row is at or after this key. Reversed: strictly before it. */
  private position: Buffer | undefined;
  private rowsReturned = 0;
  private done = false;
  private closed = false;
  private pending: RowResult[] = [];

  constructor(private readonly context: ScannerContext) {
    this.position = context.reversed ? context.bounds.upper : context.bounds.lower;
    if (context.limit <= 0) this.done = true;
  }

  async next(maxRows: number, maxBytes: number): Promise<{ rows: RowResult[]; more: boolean }> {
    if (this.closed) throw new BasaltError(ErrorCodes.UNKNOWN_SCANNER, 'scanner is closed');
    this.context.checkOpen();
    const rows: RowResult[] = [];
    let bytes = 0;
    const wantRows = Math.max(1, maxRows);
    while (this.pending.length > 0 && rows.length < wantRows && (rows.length === 0 || bytes < maxBytes)) {
      const r = this.pending.shift()!;
      bytes += resultSize(r.cells);
      rows.push(r);
    }
    const filter = this.context.plan.filter;
    while (!this.done && rows.length < wantRows && (rows.length === 0 || bytes < maxBytes)) {
      if (filter?.filterAllRemaining()) {
        this.done = true;
        break;
      }
      const row = this.context.reversed ? this.previousRow() : this.nextRow();
      if (row === undefined) {
        this.done = true;
        break;
      }
      const rowPrefix = encodeRowPrefix(row);
      this.position = this.context.reversed ? rowPrefix : prefixUpperBound(rowPrefix);
      const { cells, seekRow } = readPlannedRow(this.context.plan, row, this.context.readPoint, this.context.views);
      if (seekRow && !this.context.reversed) {
        const target = encodeRowPrefix(seekRow);
        if (compareBytes(target, this.position) > 0) this.position = target;
      }
      if (cells.length === 0) continue;
      this.rowsReturned++;
      for (const chunk of this.chunks(row, cells)) {
        if (rows.length < wantRows && (rows.length === 0 || bytes < maxBytes)) {
          bytes += resultSize(chunk.cells);
          rows.push(chunk);
        } else {
          this.pending.push(chunk);
        }
      }
      if (this.rowsReturned >= this.context.limit) this.done = true;
    }
    this.context.onRows(rows.length);
    const more = !this.done || this.pending.length > 0;
    if (!more) this.close();
    return { rows, more };
  }

  private chunks(row: Buffer, cells: Cell[]): RowResult[] {
    const batch = this.context.batch;
    if (batch <= 0 || cells.length <= batch) return [{ row, cells }];
    const out: RowResult[] = [];
    for (let i = 0; i < cells.length; i += batch) {
      const part = cells.slice(i, i + batch);
      out.push(i + batch < cells.length ? { row, cells: part, partial: true } : { row, cells: part });
    }
    return out;
  }

  /** The smallest row with any cell at or after `position`, within the bounds. */
  private nextRow(): Buffer | undefined {
    const from = this.position!;
    const upper = this.context.bounds.upper;
    const fromString = from.toString('latin1');
    let best: string | undefined;
    for (const view of this.context.views) {
      for (const tree of view.trees) {
        const pair = tree.getPairOrNextHigher(fromString);
        if (pair && (best === undefined || pair[0] < best)) best = pair[0];
      }
      for (const file of view.files) {
        if (compareBytes(file.lastKey, from) < 0) continue;
        if (upper && compareBytes(file.firstKey, upper) >= 0) continue;
        const key = file.firstKeyAtOrAfter(from, upper);
        if (key) {
          const s = key.toString('latin1');
          if (best === undefined || s < best) best = s;
        }
      }
    }
    if (best === undefined) return undefined;
    const prefix = Buffer.from(rowPrefixOf(best), 'latin1');
    if (upper && compareBytes(prefix, upper) >= 0) return undefined;
    return decodeRow(prefix);
  }

  /** The greatest row strictly before `position` (or the region's end), within the bounds. */
  private previousRow(): Buffer | undefined {
    const before = this.position;
    const beforeString = before?.toString('latin1');
    let best: string | undefined;
    for (const view of this.context.views) {
      for (const tree of view.trees) {
        const pair = beforeString === undefined ? (tree.size > 0 ? tree.maxKey() : undefined) : tree.nextLowerPair(beforeString)?.[0];
        if (pair !== undefined && (best === undefined || pair > best)) best = pair;
      }
      for (const file of view.files) {
        const key = before === undefined ? file.lastKey : file.lastKeyBefore(before);
        if (key && key.length > 0) {
          const s = key.toString('latin1');
          if (best === undefined || s > best) best = s;
        }
      }
    }
    if (best === undefined) return undefined;
    const prefix = Buffer.from(rowPrefixOf(best), 'latin1');
    if (compareBytes(prefix, this.context.bounds.lower) < 0) return undefined;
    return decodeRow(prefix);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.done = true;
    for (const view of this.context.views) for (const f of view.files) f.release();
    this.context.views.length = 0;
  }
}
