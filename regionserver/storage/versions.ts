/**
 * The query matcher: which cells of one row of one family a read returns, and which a major
 * compaction keeps. This file is the single definition of the version/delete semantics
 * (DESIGN.md "Data model", HBase's NEW_VERSION_BEHAVIOR as the default); docs/storage.md explains it.
 *
 * The model: apply the writes to each column in sequence-id order.
 * - A Put adds a version at its timestamp (an existing version at that timestamp is replaced: the
 *   later write wins). Then the column keeps its VERSIONS newest versions (by timestamp); a version
 *   pushed out never comes back, even if newer ones are deleted later.
 * - Delete removes the version at exactly its timestamp; DeleteColumn every version ≤ its
 *   timestamp; DeleteFamily every version ≤ its timestamp in every column of the family;
 *   DeleteFamilyVersion every version at exactly its timestamp in every column.
 * - A marker removes only versions that exist when it is applied, so it never hides a later write.
 *   Within one mutation (one sequence id) markers apply before puts: "delete then put".
 * Reads then apply TTL (the newest MIN_VERSIONS survivors stay visible even when expired), the
 * time range, and the requested number of versions.
 *
 * Per-cell TTL (a Put's ttlMs, HBase's Put.setTTL): a survivor whose own TTL has passed is not
 * returned, whatever MIN_VERSIONS says, and does not count towards MIN_VERSIONS; the family TTL
 * still applies to it, so a cell TTL only ever shortens visibility. Until a major compaction drops
 * it, an expired cell keeps its place among the VERSIONS newest (a version it pushed out stays
 * gone, as for any Put); docs/storage.md, "Per-cell TTL", says what a compaction changes there.
 *
 * Stored cells are kept in key order (timestamp ↓) rather than write order, so the read path
 * replays a column's cells in sequence order when any marker is involved. Without markers the
 * replay reduces to "the VERSIONS newest distinct timestamps" (a pushed-out version always has a
 * lower timestamp than the ones that pushed it out), which is read straight off the key order.
 */
import { CellType, isCellTtlExpired, type Cell } from '../../common/cell.js';
import type { FamilyDescriptor, TimeRange } from '../region/api.js';

export type FamilyRules = Pick<FamilyDescriptor, 'maxVersions' | 'minVersions' | 'ttlSeconds' | 'keepDeletedCells'>;

export interface ReadOptions {
  nowMs: number;
  timeRange?: TimeRange | undefined;
  /** Versions per column to return. */
  maxVersions: number;
  /** Raw reads return every stored cell (markers, deleted and pushed-out cells) in the time range. */
  raw: boolean;
  /** Only these qualifiers (latin1 strings); undefined = every column. */
  qualifiers?: ReadonlySet<string> | undefined;
}

export function isFamilyMarker(cell: Cell): boolean {
  return cell.type === CellType.DeleteFamily || cell.type === CellType.DeleteFamilyVersion;
}

/** The outcome of replaying one column. */
export interface ColumnResolution {
  /** Visible-before-TTL versions, timestamp ↓. */
  survivors: Cell[];
  /** Puts removed by a marker. */
  deleted: Cell[];
  /** Column-level markers (Delete, DeleteColumn) of this column. */
  markers: Cell[];
}

function eventOrder(a: Cell, b: Cell): number {
  if (a.sequenceId !== b.sequenceId) return a.sequenceId - b.sequenceId;
  // Same mutation: markers first ("delete then put").
  const am = a.type === CellType.Put ? 1 : 0;
  const bm = b.type === CellType.Put ? 1 : 0;
  return am - bm;
}

/**
 * Replays one column. `column` holds the column's cells in key order (no family markers);
 * `familyMarkers` the row's family-level markers.
 */
export function resolveColumn(column: readonly Cell[], familyMarkers: readonly Cell[], maxVersions: number): ColumnResolution {
  let hasMarkers = familyMarkers.length > 0;
  if (!hasMarkers) {
    for (const c of column) {
      if (c.type !== CellType.Put) {
        hasMarkers = true;
        break;
      }
    }
  }
  if (!hasMarkers) {
    // Key order is timestamp ↓ then sequence id ↓: the first cell of each timestamp is the winner.
    const survivors: Cell[] = [];
    let lastTs = -1;
    for (const c of column) {
      if (c.timestamp === lastTs) continue;
      lastTs = c.timestamp;
      if (survivors.length >= maxVersions) break;
      survivors.push(c);
    }
    return { survivors, deleted: [], markers: [] };
  }

  const events = familyMarkers.length > 0 ? [...column, ...familyMarkers] : [...column];
  events.sort(eventOrder);
  // State: versions, timestamp ↓ (small: at most maxVersions).
  const state: Cell[] = [];
  const deleted: Cell[] = [];
  const markers: Cell[] = [];
  for (const e of events) {
    switch (e.type) {
      case CellType.Put: {
        let i = 0;
        while (i < state.length && state[i]!.timestamp > e.timestamp) i++;
        if (i < state.length && state[i]!.timestamp === e.timestamp) {
          state[i] = e;
        } else {
          state.splice(i, 0, e);
          if (state.length > maxVersions) state.pop();
        }
        break;
      }
      case CellType.Delete:
      case CellType.DeleteFamilyVersion: {
        if (e.type === CellType.Delete) markers.push(e);
        for (let i = 0; i < state.length; i++) {
          if (state[i]!.timestamp === e.timestamp) {
            deleted.push(state[i]!);
            state.splice(i, 1);
            break;
          }
        }
        break;
      }
      case CellType.DeleteColumn:
      case CellType.DeleteFamily: {
        if (e.type === CellType.DeleteColumn) markers.push(e);
        let i = 0;
        while (i < state.length && state[i]!.timestamp > e.timestamp) i++;
        for (let j = i; j < state.length; j++) deleted.push(state[j]!);
        state.length = i;
        break;
      }
    }
  }
  return { survivors: state, deleted, markers };
}

/** The oldest timestamp that is not expired, or -Infinity without a TTL. */
export function oldestUnexpired(rules: FamilyRules, nowMs: number): number {
  return rules.ttlSeconds > 0 ? nowMs - rules.ttlSeconds * 1000 : -Infinity;
}

function inRange(ts: number, range: TimeRange | undefined): boolean {
  return range === undefined || (ts >= range.min && ts < range.max);
}

/**
 * Splits a row-family's cells (key order, one row, one family) into family markers and columns,
 * calling `onColumn` for each column in qualifier order.
 */
function forEachColumn(cells: readonly Cell[], onColumn: (column: Cell[], familyMarkers: Cell[]) => void): Cell[] {
  const familyMarkers: Cell[] = [];
  // Family markers carry the empty qualifier, so they come first in the family.
  for (const c of cells) {
    if (c.qualifier.length !== 0) break;
    if (isFamilyMarker(c)) familyMarkers.push(c);
  }
  let start = 0;
  while (start < cells.length) {
    const q = cells[start]!.qualifier;
    let end = start + 1;
    while (end < cells.length && cells[end]!.qualifier.equals(q)) end++;
    let column = cells.slice(start, end);
    if (q.length === 0 && familyMarkers.length > 0) column = column.filter((c) => !isFamilyMarker(c));
    if (column.length > 0) onColumn(column, familyMarkers);
    start = end;
  }
  return familyMarkers;
}

/**
 * The cells a read returns for one row of one family, in key order.
 *
 * Raw reads return markers and every stored Put in the time range, at most `maxVersions` Puts per
 * column (markers do not count), as HBase's raw scans do.
 *
 * KEEP_DELETED_CELLS=TRUE is for reading the past: a read whose time range ends at or before a
 * delete marker's timestamp ignores that marker, so it sees the cells the marker hides, as they
 * were before the delete. In the sequence-ordered model this means: replay the column without the
 * markers stamped at or after the range's end. Versions pushed out by newer Puts stay gone
 * (VERSIONS bounds what exists), and compaction keeps what such reads need (deleted cells, and
 * every marker that would hide one of them). KEEP_DELETED_CELLS=TTL does not time-travel: its
 * deleted cells expire by TTL while MIN_VERSIONS may keep an expired newest version visible, so a
 * compaction could change what such a read returns (docs/storage.md).
 */
export function resolveRowFamily(cells: readonly Cell[], rules: FamilyRules, options: ReadOptions): Cell[] {
  const out: Cell[] = [];
  if (options.raw) {
    let column: Buffer | undefined;
    let puts = 0;
    for (const c of cells) {
      if (!inRange(c.timestamp, options.timeRange)) continue;
      if (options.qualifiers && !isFamilyMarker(c) && !options.qualifiers.has(c.qualifier.toString('latin1'))) continue;
      if (c.type === CellType.Put) {
        if (column === undefined || !sameBytes(column, c.qualifier)) {
          column = c.qualifier;
          puts = 0;
        }
        if (puts >= options.maxVersions) continue;
        puts++;
      }
      out.push(c);
    }
    return out;
  }
  const oldest = oldestUnexpired(rules, options.nowMs);
  const range = options.timeRange;
  if (rules.keepDeletedCells === 'TRUE' && range !== undefined) {
    // Time travel: markers at or after the range's end did not exist yet at the time read.
    const past = cells.filter((c) => c.type === CellType.Put || c.timestamp < range.max);
    if (past.length !== cells.length) cells = past;
  }
  let onlyPuts = true;
  for (let i = 0; i < cells.length; i++) {
    if (cells[i]!.type !== CellType.Put) {
      onlyPuts = false;
      break;
    }
  }
  if (onlyPuts) return resolvePutsOnly(cells, rules, options, oldest);
  forEachColumn(cells, (column, familyMarkers) => {
    if (options.qualifiers && !options.qualifiers.has(column[0]!.qualifier.toString('latin1'))) return;
    const { survivors } = resolveColumn(column, familyMarkers, rules.maxVersions);
    let returned = 0;
    let live = 0; // survivors not expired by their own TTL: the ones MIN_VERSIONS counts
    for (let i = 0; i < survivors.length && returned < options.maxVersions; i++) {
      const c = survivors[i]!;
      if (c.ttlMs !== undefined && isCellTtlExpired(c, options.nowMs)) continue;
      if (live >= rules.minVersions && c.timestamp < oldest) break; // older ones are expired too
      live++;
      if (!inRange(c.timestamp, options.timeRange)) continue;
      out.push(c);
      returned++;
    }
  });
  return out;
}

/**
 * The common case, without any delete marker in the row: each column's survivors are its VERSIONS
 * newest distinct timestamps (see the file comment), read in one pass without grouping.
 */
function resolvePutsOnly(cells: readonly Cell[], rules: FamilyRules, options: ReadOptions, oldest: number): Cell[] {
  const out: Cell[] = [];
  const wanted = options.qualifiers;
  let i = 0;
  while (i < cells.length) {
    const q = cells[i]!.qualifier;
    let end = i + 1;
    while (end < cells.length && sameBytes(cells[end]!.qualifier, q)) end++;
    if (!wanted || wanted.has(q.toString('latin1'))) {
      let survivors = 0;
      let live = 0;
      let returned = 0;
      let lastTs = -1;
      for (let j = i; j < end && survivors < rules.maxVersions && returned < options.maxVersions; j++) {
        const c = cells[j]!;
        if (c.timestamp === lastTs) continue;
        lastTs = c.timestamp;
        // An expired cell still takes its VERSIONS slot (see the file comment), but is not returned.
        if (c.ttlMs !== undefined && isCellTtlExpired(c, options.nowMs)) {
          survivors++;
          continue;
        }
        if (live >= rules.minVersions && c.timestamp < oldest) break;
        survivors++;
        live++;
        if (!inRange(c.timestamp, options.timeRange)) continue;
        out.push(c);
        returned++;
      }
    }
    i = end;
  }
  return out;
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/**
 * The cells a major compaction keeps for one row of one family (key order). Faithful to reads:
 * every pushed-out version is dropped (it can never return); deleted cells and markers are
 * dropped (KEEP_DELETED_CELLS=FALSE), kept (TRUE), or kept until they expire (TTL); expired
 * survivors are dropped only when MIN_VERSIONS is 0 — with MIN_VERSIONS > 0 a later delete of a
 * newer version could make an expired one the newest again, so they stay (up to VERSIONS). Cells
 * whose own TTL has passed are dropped in every case: no read can return them again.
 */
export function compactRowFamily(cells: readonly Cell[], rules: FamilyRules, nowMs: number): Cell[] {
  const oldest = oldestUnexpired(rules, nowMs);
  const keepDeleted = (c: Cell): boolean =>
    rules.keepDeletedCells === 'TRUE' || (rules.keepDeletedCells === 'TTL' && c.timestamp >= oldest);
  const kept: Cell[] = [];
  /** Deleted cells that are kept: a marker stays only while it hides one of them. */
  const keptDeleted: Cell[] = [];
  const columnMarkers: Cell[] = [];
  const familyMarkers = forEachColumn(cells, (column, markers) => {
    const r = resolveColumn(column, markers, rules.maxVersions);
    for (const c of r.survivors) if ((rules.minVersions > 0 || c.timestamp >= oldest) && !isCellTtlExpired(c, nowMs)) kept.push(c);
    for (const c of r.deleted) {
      if (!keepDeleted(c) || isCellTtlExpired(c, nowMs)) continue;
      kept.push(c);
      keptDeleted.push(c);
    }
    for (const c of r.markers) if (keepDeleted(c)) columnMarkers.push(c);
  });
  // A marker that hides nothing kept (every cell it removed is gone, or it never removed one) can
  // never hide anything again — markers never reach later writes — so it goes, under every
  // KEEP_DELETED_CELLS setting.
  for (const m of [...columnMarkers, ...familyMarkers]) if (keepDeleted(m) && keptDeleted.some((c) => markerHides(m, c))) kept.push(m);
  kept.sort(compareInFamily);
  return kept;
}

/** Whether marker `m` (applied after `c` was written) removes `c`. */
function markerHides(m: Cell, c: Cell): boolean {
  if (c.sequenceId >= m.sequenceId) return false; // one mutation: delete, then put
  switch (m.type) {
    case CellType.Delete:
      return c.timestamp === m.timestamp && sameBytes(c.qualifier, m.qualifier);
    case CellType.DeleteColumn:
      return c.timestamp <= m.timestamp && sameBytes(c.qualifier, m.qualifier);
    case CellType.DeleteFamily:
      return c.timestamp <= m.timestamp;
    case CellType.DeleteFamilyVersion:
      return c.timestamp === m.timestamp;
    default:
      return false;
  }
}

/** Key order within one row and family: qualifier ↑, timestamp ↓, type ↓, sequence id ↓. */
export function compareInFamily(a: Cell, b: Cell): number {
  return (
    Buffer.compare(a.qualifier, b.qualifier) ||
    (a.timestamp === b.timestamp ? 0 : a.timestamp > b.timestamp ? -1 : 1) ||
    (a.type === b.type ? 0 : a.type > b.type ? -1 : 1) ||
    (a.sequenceId === b.sequenceId ? 0 : a.sequenceId > b.sequenceId ? -1 : 1)
  );
}
