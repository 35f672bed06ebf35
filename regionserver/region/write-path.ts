/**
 * A region's write path for rows whose locks the caller holds (HBase's doMiniBatchMutate,
 * simplified): pass the updates gate, take a sequence id per row mutation, insert into the
 * memstore (invisible: above the read point), ONE WAL append of the whole batch, await the WAL
 * sync that covers it — concurrent writers share syncs through the WAL's group commit — then
 * complete the MVCC entries and wait for the read point to pass them. Visible ⇒ durable.
 *
 * Row locks, flushing and aborting stay with the Region (region.ts); this module asks for them
 * through WritePathDeps.
 */
import { CellType, EVERY_FAMILY, type Cell } from '../../common/cell.js';
import { assert, BasaltError, ErrorCodes } from '../../common/errors.js';
import type { WalEntry } from '../wal/wal.js';
import type { Store } from '../storage/store.js';
import type { MutationCell, TimeRange } from './api.js';
import { walRegionKey } from './identity.js';
import { nonceCell } from './nonces.js';
import type { RegionWriteCore } from './region-options.js';

/** Reads under a row lock see everything written to the row, including the caller's own batch. */
export const LATEST = Number.MAX_SAFE_INTEGER;

export interface RowWrite {
  row: Buffer;
  cells: MutationCell[];
  /** Logged with the write (one extra WAL cell, never in the memstore): nonces.ts. */
  nonce?: string;
}

export interface WritePathDeps extends RegionWriteCore {
  openEpoch: number;
  /** Starts a background flush if the memstore is past its flush size (and none is running). */
  maybeRequestFlush(): void;
  /** A WAL sync failed: the region must stop serving and be reopened from the log. */
  abort(cause: unknown): void;
  /** The server's global memstore bound (SERVER_BUSY above it); none: only the region's own. */
  checkServerMemstore?: () => void;
  /**
   * Records the nonce of an applied write, before the write leaves the updates gate: a flush
   * snapshots behind the gate, so the manifest of any flush covering the write lists its nonce.
   */
  recordNonce?: (nonce: string) => void;
}

export function memstoreSizeBytes(stores: ReadonlyMap<string, Store>): number {
  let n = 0;
  for (const s of stores.values()) n += s.memstore.sizeBytes;
  return n;
}

export class WritePath {
  /** Row mutations applied (RegionLoad.writeRequests). */
  writeRequests = 0;
  /** Monotonic time of the last applied write (the housekeeper flushes idle memstores). */
  lastWriteMs: number;

  constructor(private readonly deps: WritePathDeps) {
    this.lastWriteMs = deps.clock.monotonic();
  }

  /**
   * Writes row mutations whose row locks the caller holds: sequence ids, memstore (invisible: above
   * the read point), ONE WAL append of the whole batch, one WAL sync, then visibility.
   *
   * Failure paths (nothing is visible that is not durable; a failed write is never left applied):
   * - the WAL refuses the batch (SERVER_BUSY, WAL_CLOSED, INVALID_ARGUMENT): `appendBatch` is all or
   *   nothing, so none of it is in the log; the memstore adds are removed before any became visible,
   *   and the write fails cleanly (the client may retry).
   * - the sync fails: the entries were handed to the log and may or may not be on disk, so the
   *   write's outcome is unknown. As in HBase (a failed WAL sync aborts the server), the region is
   *   aborted: it removes the batch from its memstore, stops serving reads and writes, closes without
   *   flushing, and must be reopened from the log, where replay decides what was written.
   */
  async writeLocked(writes: RowWrite[]): Promise<Cell[][]> {
    const { info, openEpoch, stores, wal, gate, mvcc } = this.deps;
    const walKey = walRegionKey(info);
    this.checkMemstorePressure();
    if (!gate.tryEnter()) await gate.enter();
    const sequenceIds: number[] = [];
    const applied: Cell[][] = [];
    const entries: WalEntry[] = [];
    const rollback = (): void => {
      for (const cells of applied) for (const c of cells) stores.get(c.family)!.memstore.remove(c);
      for (const id of sequenceIds) mvcc.complete(id);
    };
    let position: number;
    try {
      // Each row goes into the memstore as it is stamped (still invisible), so that a one-version
      // Delete later in the batch finds an earlier row's Put as "latest", as before.
      for (const write of writes) {
        const cells = this.stampCells(write);
        const sequenceId = mvcc.begin();
        sequenceIds.push(sequenceId);
        for (const c of cells) c.sequenceId = sequenceId;
        const logged = write.nonce === undefined ? cells : [...cells, nonceCell(write.row, write.nonce, cells[0]?.timestamp ?? 0, sequenceId)];
        entries.push({ regionId: walKey, sequenceId, openEpoch, cells: logged });
        applied.push(cells);
        for (const c of cells) stores.get(c.family)!.memstore.add(c);
      }
      position = wal.appendBatch(entries);
    } catch (err) {
      rollback();
      gate.exit();
      throw err;
    }
    try {
      await wal.sync(position);
    } catch (err) {
      rollback();
      gate.exit();
      this.deps.abort(err);
      // The entries were handed to the log and may be on disk: the write may have happened.
      throw new BasaltError(ErrorCodes.OUTCOME_UNKNOWN, `region ${info.encodedName}: the WAL sync failed; the write may or may not be applied`, {
        region: info.encodedName,
        cause: err instanceof Error ? err.message : String(err),
      });
    }
    assert(sequenceIds.every((id, i) => i === 0 || id > sequenceIds[i - 1]!), 'a batch takes increasing sequence ids');
    assert(entries.every((e) => e.openEpoch === openEpoch && e.regionId === walKey), 'every entry carries this open epoch and region key');
    for (const id of sequenceIds) mvcc.complete(id);
    const wait = mvcc.waitFor(sequenceIds[sequenceIds.length - 1]!);
    if (wait) await wait;
    for (const write of writes) if (write.nonce !== undefined) this.deps.recordNonce?.(write.nonce);
    gate.exit();
    this.writeRequests += writes.length;
    this.lastWriteMs = this.deps.clock.monotonic();
    this.deps.maybeRequestFlush();
    return applied;
  }

  /**
   * Turns mutation cells into cells: default timestamps, "latest" for a one-version Delete, and a
   * whole-row delete (DeleteFamily of EVERY_FAMILY, HBase's Delete without columns) into one
   * DeleteFamily marker per family of the region's descriptor at the delete's timestamp, as
   * HBase's prepareDelete does; they share the mutation's sequence id and WAL entry.
   */
  private stampCells(write: RowWrite): Cell[] {
    if (write.cells.some((m) => m.family === EVERY_FAMILY && m.type === CellType.DeleteFamily)) {
      const expanded: typeof write.cells = [];
      for (const m of write.cells) {
        if (m.family !== EVERY_FAMILY || m.type !== CellType.DeleteFamily) expanded.push(m);
        else for (const family of this.deps.stores.keys()) expanded.push({ ...m, family });
      }
      return this.stampCells({ ...write, cells: expanded });
    }
    const now = this.deps.clock.now();
    // "Latest" for a one-version Delete: the newest visible version's timestamp (with none, now).
    // Several such markers for one column in one mutation take the newest, second newest, … in
    // turn, as HBase's prepareDeleteTimestamps does.
    let latest: Map<string, { versions: Cell[]; used: number }> | undefined;
    return write.cells.map((m) => {
      let timestamp = m.timestamp;
      if (timestamp === undefined) {
        timestamp = now;
        if (m.type === CellType.Delete) {
          latest ??= new Map();
          const key = `${m.family}\u0000${m.qualifier!.toString('latin1')}`;
          let entry = latest.get(key);
          if (!entry) {
            const maxVersions = this.deps.stores.get(m.family)!.family.maxVersions;
            entry = { versions: this.latestCells(write.row, m.family, m.qualifier!, undefined, maxVersions), used: 0 };
            latest.set(key, entry);
          }
          const version = entry.versions[entry.used++];
          if (version) timestamp = version.timestamp;
        }
      }
      const familyLevel = m.type === CellType.DeleteFamily || m.type === CellType.DeleteFamilyVersion;
      const cell: Cell = {
        row: write.row,
        family: m.family,
        qualifier: familyLevel ? Buffer.alloc(0) : m.qualifier!,
        timestamp,
        type: m.type,
        value: m.type === CellType.Put ? (m.value ?? Buffer.alloc(0)) : Buffer.alloc(0),
        sequenceId: 0,
      };
      if (m.ttlMs !== undefined && m.type === CellType.Put) cell.ttlMs = m.ttlMs;
      return cell;
    });
  }

  /** The newest visible version of one column, including the caller's own pending writes (row lock held). */
  latestCell(row: Buffer, family: string, qualifier: Buffer, timeRange: TimeRange | undefined): Cell | undefined {
    return this.latestCells(row, family, qualifier, timeRange, 1)[0];
  }

  /** The newest visible versions of one column, including the caller's own pending writes (row lock held). */
  private latestCells(row: Buffer, family: string, qualifier: Buffer, timeRange: TimeRange | undefined, maxVersions: number): Cell[] {
    const store = this.deps.stores.get(family)!;
    return store.readRow(row, LATEST, { nowMs: this.deps.clock.now(), maxVersions, raw: false, timeRange, qualifiers: new Set([qualifier.toString('latin1')]) }, [qualifier]);
  }

  private checkMemstorePressure(): void {
    const { config, info, stores } = this.deps;
    this.deps.checkServerMemstore?.();
    const limit = config.memstoreFlushSizeBytes * Math.max(1, config.memstoreBlockMultiplier);
    if (memstoreSizeBytes(stores) >= limit) {
      this.deps.maybeRequestFlush();
      throw new BasaltError(ErrorCodes.SERVER_BUSY, `region ${info.encodedName}: memstore above its blocking size, flushing`, {
        region: info.encodedName,
        memstoreSizeBytes: memstoreSizeBytes(stores),
      });
    }
  }
}
