/**
 * A scan across regions, in key order (or reversed), as an async iterator. The client walks the
 * regions one at a time: it opens a server-side scanner in the region holding the next key, reads
 * its batches, and moves to the next region (forward: the one starting at this region's end key;
 * reversed: the one just before this region's start key) until the scan's bounds or limit.
 *
 * Resume, without gaps or duplicates: the client remembers the position after the last row it
 * returned (the server's resume row; a row cut by `batch` resumes at that row, and the cells
 * already returned are skipped). When a region moves, its server dies, or the scanner's lease
 * expires while the caller is slow, the client drops the stale location, finds the region that
 * now holds the position, and opens a new scanner from there. Each batch (open or next) has its
 * own deadline (operationTimeoutMs) with the usual backoff; the scan as a whole has none.
 */
import { basalt } from '../proto/generated/basalt.js';
import { compareBytes } from '../common/bytes.js';
import { BasaltError, ErrorCodes } from '../common/errors.js';
import { int64ToNumber as num } from '../common/proto-numbers.js';
import { rowFromProto } from '../common/rs-wire/rows.js';
import type { RowResult } from '../common/rs-wire/types.js';
import type { Result, Scan } from './api.js';
import { scanPlan, type ScanPlan } from './convert.js';
import type { LocateKey, RegionLocation } from './location-cache.js';
import { classify, toBasaltError } from './retry.js';
import { RowResultView } from './result.js';
import type { TableClient } from './table.js';

import pb = basalt.regionserver;

/** Where the scan continues: rows after `row` (or from it, when inclusive) in the scan's direction. */
interface Position {
  row: Buffer;
  inclusive: boolean;
}

interface OpenScanner {
  loc: RegionLocation;
  id: number;
  callSeq: number;
}

/** The region that holds the next rows at `position` (or the scan's first region). */
function keyFor(plan: ScanPlan, position: Position | undefined): LocateKey {
  if (position) {
    if (!plan.reversed) return { row: position.row };
    return position.inclusive ? { row: position.row } : { before: position.row };
  }
  if (!plan.reversed) return { row: plan.low ?? Buffer.alloc(0) };
  if (!plan.high) return { last: true };
  return plan.highInclusive ? { row: plan.high } : { before: plan.high };
}

/** True when no region past `loc` (in the scan's direction) can hold rows of the scan. */
function lastRegion(plan: ScanPlan, loc: RegionLocation): boolean {
  if (!plan.reversed) return loc.endKey.length === 0 || (plan.high !== undefined && compareBytes(loc.endKey, plan.high) >= 0);
  // Reversed: the previous region holds rows below this start key, all outside the scan once start ≤ low.
  return loc.startKey.length === 0 || (plan.low !== undefined && compareBytes(loc.startKey, plan.low) <= 0);
}

export async function* scanTable(table: TableClient, scan: Scan | undefined): AsyncGenerator<Result, void, undefined> {
  const plan = scanPlan(scan);
  // An empty range (start past stop) returns nothing without a round trip.
  if (plan.low && plan.high) {
    const c = compareBytes(plan.low, plan.high);
    if (c > 0 || (c === 0 && !(plan.lowInclusive && plan.highInclusive))) return;
  }
  const { conn } = table;
  let remaining = plan.limit;
  let position: Position | undefined;
  /** Cells of a row cut by `batch` already returned (skipped when a new scanner restarts that row). */
  let partialCellsSeen = 0;
  /** Cells to drop from the first row of a scanner reopened inside a cut row. */
  let skipCells = 0;
  let scanner: OpenScanner | undefined;

  const spec = (): pb.IScanSpec => {
    const out: pb.IScanSpec = { ...plan.spec };
    if (position) {
      out.startRow = position.row;
      out.startInclusive = position.inclusive;
    }
    if (Number.isFinite(remaining)) out.limit = remaining;
    return out;
  };

  /** One batch: open a scanner (when none) or continue it, retrying on stale locations and lost scanners. */
  const nextBatch = async (): Promise<{ rows: RowResult[]; more: boolean; loc: RegionLocation; resume?: Position }> => {
    const budget = conn.retrier.budget(`scan of ${table.name}`);
    let lostScanners = 0;
    for (;;) {
      const timeoutMs = budget.rpcTimeoutMs();
      let loc: RegionLocation | undefined = scanner?.loc;
      try {
        let response: pb.IResponseItem;
        if (scanner) {
          const current = scanner;
          response = await table.send(current.loc, { scan: { region: current.loc.encodedName, scannerId: current.id, callSeq: current.callSeq, maxRows: plan.caching } }, timeoutMs);
          current.callSeq++;
        } else {
          loc = await conn.locator.locate(table.name, keyFor(plan, position), timeoutMs);
          skipCells = position?.inclusive ? partialCellsSeen : 0;
          response = await table.send(loc, { scan: { region: loc.encodedName, scan: spec(), maxRows: plan.caching } }, timeoutMs);
          scanner = { loc, id: 0, callSeq: 1 };
        }
        const r = response.scan ?? {};
        const id = num(r.scannerId);
        scanner!.id = id;
        const batch = { rows: (r.rows ?? []).map(rowFromProto), more: r.moreResults === true && id !== 0, loc: scanner!.loc };
        if (!batch.more) scanner = undefined;
        return r.hasResume ? { ...batch, resume: { row: Buffer.from(r.resumeRow ?? []), inclusive: r.resumeInclusive === true } } : batch;
      } catch (raw) {
        const err = toBasaltError(raw);
        scanner = undefined;
        if (conn.isClosed) throw new BasaltError(ErrorCodes.CLOSED, 'the connection is closed');
        // A lost scanner (lease expired while the caller was slow, or the server forgot it): reopen at once.
        // (Twice in a row at most without a pause: a new scanner cannot have expired already.)
        if (err.code === ErrorCodes.SCANNER_EXPIRED || err.code === ErrorCodes.UNKNOWN_SCANNER || err.code === ErrorCodes.OUT_OF_ORDER_SCANNER_NEXT) {
          if (++lostScanners > 2) await budget.pause(err);
          continue;
        }
        // Reads are safe to resend: an in-doubt failure is one more reason to relocate.
        if (classify(err) === 'final') throw err;
        if (loc) conn.locator.onError(loc, err);
        await budget.pause(err);
      }
    }
  };

  try {
    while (remaining > 0) {
      const batch = await nextBatch();
      for (const row of batch.rows) {
        let cells = row.cells;
        if (skipCells > 0 && position && row.row.equals(position.row)) {
          // A new scanner restarted a row that was cut by `batch`: skip the cells already returned.
          const skip = Math.min(skipCells, cells.length);
          cells = cells.slice(skip);
          skipCells -= skip;
        } else {
          skipCells = 0;
        }
        if (row.partial) {
          partialCellsSeen += cells.length;
          position = { row: row.row, inclusive: true };
        } else {
          partialCellsSeen = 0;
          position = { row: row.row, inclusive: false };
          remaining--;
        }
        if (cells.length > 0) yield RowResultView.from({ row: row.row, cells, ...(row.partial ? { partial: true } : {}) }, row.row);
        if (remaining <= 0) return;
      }
      if (!batch.more) {
        if (lastRegion(plan, batch.loc)) return;
        // The next region: from its first key (forward) or below this region's start (reversed).
        position = plan.reversed ? { row: batch.loc.startKey, inclusive: false } : { row: batch.loc.endKey, inclusive: true };
        partialCellsSeen = 0;
      }
    }
  } finally {
    const open = scanner as OpenScanner | undefined;
    if (open && open.id) {
      // The caller stopped early: release the server-side scanner (best effort).
      await table
        .send(open.loc, { scan: { region: open.loc.encodedName, scannerId: open.id, closeScanner: true } }, 5_000)
        .catch(() => undefined);
    }
  }
}
