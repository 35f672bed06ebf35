/**
 * Finds the region that holds a row: the cache first, then ONE reversed scan of basalt:meta
 * (limit 1) from metaSearchKey(table, row) down to the table's first meta row. Meta's own location
 * comes from /basalt/meta-region-server (watched: a change drops it). Concurrent misses for the
 * same key share one meta lookup. A lookup that finds a region which is not open, a split parent
 * or a gap (mid-split) answers REGION_IN_TRANSITION (retryable); no region at all means the table
 * does not exist (TABLE_NOT_FOUND) unless the master says it does (it is being created or
 * truncated: retryable).
 */
import { BasaltError, ErrorCodes } from '../common/errors.js';
import {
  META_ENCODED_NAME,
  META_LOCATION_ZNODE,
  META_TABLE,
  metaRowFromCells,
  metaRowKey,
  metaSearchKey,
  metaTableStart,
  metaTableStop,
  type MetaLocation,
} from '../common/meta.js';
import { rowFromProto } from '../common/rs-wire/rows.js';
import type { CoordClient } from '../coord/client/index.js';
import type { RegionServerClient } from './rpc/region-server-client.js';
import { LocationCache, matchesKey, type LocateKey, type RegionLocation } from './location-cache.js';
import { markNotSent } from './retry.js';

const MAX_LOOKUPS_PER_TABLE = 4;

export interface LocatorDeps {
  coord(): CoordClient;
  server(address: string): RegionServerClient;
  /** Whether the master knows the table (undefined: no master to ask). */
  tableExists?(table: string): Promise<boolean | undefined>;
  /** The table's state from the master (ENABLED, DISABLED, …; undefined: no master to ask). */
  tableState?(table: string): Promise<string | undefined>;
}

export class RegionLocator {
  readonly cache = new LocationCache();
  private meta: Promise<MetaLocation> | undefined;
  private readonly lookups = new Map<string, Promise<RegionLocation>>();
  /** Meta lookups sent (tests and benchmarks: shows the cache working). */
  metaLookups = 0;
  /**
   * Meta lookups in flight per table, and the callers waiting for a turn. A cold cache meeting a
   * thousand concurrent operations on different rows must not send a thousand meta scans: at most
   * MAX_LOOKUPS_PER_TABLE run at once, and a caller whose turn comes checks the cache again first
   * (the lookups before it have usually found its region).
   */
  private readonly running = new Map<string, { count: number; waiting: Array<() => void> }>();

  constructor(private readonly deps: LocatorDeps) {}

  /** The region for `key`; errors are marked as raised before the caller's request was sent. */
  async locate(table: string, key: LocateKey, timeoutMs: number): Promise<RegionLocation> {
    const cached = this.cache.find(table, key);
    if (cached) return cached;
    try {
      return await this.lookup(table, key, timeoutMs);
    } catch (err) {
      throw markNotSent(err);
    }
  }

  private lookup(table: string, key: LocateKey, timeoutMs: number): Promise<RegionLocation> {
    const id = `${table}\u0000${'row' in key ? `r${key.row.toString('hex')}` : 'before' in key ? `b${key.before.toString('hex')}` : 'last'}`;
    let pending = this.lookups.get(id);
    if (!pending) {
      pending = this.lookupInTurn(table, key, timeoutMs).finally(() => this.lookups.delete(id));
      this.lookups.set(id, pending);
    }
    return pending;
  }

  private async lookupInTurn(table: string, key: LocateKey, timeoutMs: number): Promise<RegionLocation> {
    let slot = this.running.get(table);
    if (!slot) this.running.set(table, (slot = { count: 0, waiting: [] }));
    if (slot.count >= MAX_LOOKUPS_PER_TABLE) {
      await new Promise<void>((resolve) => slot!.waiting.push(resolve));
      const cached = this.cache.find(table, key);
      if (cached) {
        this.release(table, slot);
        return cached;
      }
    } else {
      slot.count++;
    }
    try {
      return await this.lookupMeta(table, key, timeoutMs);
    } finally {
      this.release(table, slot);
    }
  }

  /** Hands the finished lookup's turn to the next waiter (the count stays), or frees it. */
  private release(table: string, slot: { count: number; waiting: Array<() => void> }): void {
    const next = slot.waiting.shift();
    if (next) return next();
    slot.count--;
    if (slot.count === 0) this.running.delete(table);
  }

  private async lookupMeta(table: string, key: LocateKey, timeoutMs: number): Promise<RegionLocation> {
    const meta = await this.metaLocation();
    if (table === META_TABLE) {
      return {
        table,
        encodedName: META_ENCODED_NAME,
        regionId: 1,
        startKey: Buffer.alloc(0),
        endKey: Buffer.alloc(0),
        address: meta.address,
        serverName: meta.serverName,
        openEpoch: meta.openEpoch,
      };
    }
    let startRow: Buffer;
    let startInclusive = true;
    if ('row' in key) startRow = metaSearchKey(table, key.row);
    else if ('before' in key) {
      startRow = metaRowKey(table, key.before, 0);
      startInclusive = false;
    } else {
      startRow = metaTableStop(table);
      startInclusive = false;
    }
    this.metaLookups++;
    let response;
    try {
      response = await this.deps.server(meta.address).call(
        {
          scan: {
            region: META_ENCODED_NAME,
            scan: { startRow, startInclusive, stopRow: metaTableStart(table), reversed: true, limit: 1 },
            maxRows: 1,
          },
        },
        { timeoutMs },
      );
    } catch (err) {
      // Meta moved or its server is gone: read its location again next time.
      this.invalidateMeta();
      throw err;
    }
    const rows = response.scan?.rows ?? [];
    if (rows.length === 0) {
      const exists = await this.deps.tableExists?.(table).catch(() => undefined);
      if (exists === true) throw new BasaltError(ErrorCodes.REGION_IN_TRANSITION, `table ${table} has no region in meta yet`, { table });
      throw new BasaltError(ErrorCodes.TABLE_NOT_FOUND, `table ${table} not found`, { table });
    }
    const row = rowFromProto(rows[0]!);
    const entry = metaRowFromCells(row.cells);
    if (!entry || entry.region.table !== table) {
      throw new BasaltError(ErrorCodes.TABLE_NOT_FOUND, `table ${table} not found`, { table });
    }
    const loc: RegionLocation = {
      table,
      encodedName: entry.region.encodedName,
      regionId: entry.region.regionId,
      startKey: entry.region.startKey,
      endKey: entry.region.endKey,
      address: entry.address,
      serverName: entry.serverName,
      openEpoch: entry.openEpoch,
    };
    if (entry.region.offline || entry.region.split || !matchesKey(loc, key)) {
      throw new BasaltError(ErrorCodes.REGION_IN_TRANSITION, `no open region of ${table} for this row yet (split or merge in progress)`, {
        table,
        region: loc.encodedName,
      });
    }
    if (entry.state !== 'OPEN' || !entry.address) {
      if (entry.state === 'CLOSED' || entry.state === 'OFFLINE') {
        // A closed region of a disabled table stays closed: waiting for it would only time out.
        const state = await this.deps.tableState?.(table).catch(() => undefined);
        if (state === 'DISABLED' || state === 'DISABLING') throw new BasaltError(ErrorCodes.TABLE_DISABLED, `table ${table} is disabled`, { table });
      }
      throw new BasaltError(ErrorCodes.REGION_IN_TRANSITION, `region ${loc.encodedName} of ${table} is ${entry.state}`, {
        table,
        region: loc.encodedName,
        state: entry.state,
      });
    }
    this.cache.add(loc);
    return loc;
  }

  /** Meta's location from the coordination service, cached until its znode changes. */
  metaLocation(): Promise<MetaLocation> {
    if (!this.meta) {
      const attempt = this.readMetaLocation();
      this.meta = attempt;
      attempt.catch(() => {
        if (this.meta === attempt) this.meta = undefined;
      });
    }
    return this.meta;
  }

  private async readMetaLocation(): Promise<MetaLocation> {
    let data: Buffer;
    try {
      ({ data } = await this.deps.coord().getData(META_LOCATION_ZNODE, { watch: () => this.invalidateMeta() }));
    } catch (err) {
      if (err instanceof BasaltError && err.code === ErrorCodes.NO_NODE) {
        throw new BasaltError(ErrorCodes.META_NOT_AVAILABLE, 'the meta region is not assigned yet (no /basalt/meta-region-server)');
      }
      throw err instanceof BasaltError && err.code === ErrorCodes.CONNECTION_LOSS ? err : new BasaltError(ErrorCodes.META_NOT_AVAILABLE, String((err as Error).message));
    }
    try {
      const parsed = JSON.parse(data.toString('utf8')) as Partial<MetaLocation>;
      if (typeof parsed.address !== 'string' || parsed.address.length === 0) throw new Error('no address');
      return { address: parsed.address, serverName: parsed.serverName ?? '', openEpoch: Number(parsed.openEpoch ?? 0) };
    } catch {
      throw new BasaltError(ErrorCodes.META_NOT_AVAILABLE, `unreadable ${META_LOCATION_ZNODE}`);
    }
  }

  invalidateMeta(): void {
    this.meta = undefined;
  }

  /** Reacts to a failed request on `loc`: drops what the error proves stale; returns a hinted location if any. */
  onError(loc: RegionLocation, err: BasaltError): void {
    switch (err.code) {
      case ErrorCodes.REGION_MOVED: {
        this.cache.remove(loc);
        const address = typeof err.details.address === 'string' ? err.details.address : typeof err.details.location === 'string' ? err.details.location : '';
        if (address) this.cache.add({ ...loc, address, serverName: String(err.details.serverName ?? ''), openEpoch: Number(err.details.openEpoch ?? loc.openEpoch + 1) });
        break;
      }
      case ErrorCodes.NOT_SERVING_REGION:
      case ErrorCodes.WRONG_REGION:
      case ErrorCodes.REGION_OPENING:
      case ErrorCodes.REGION_CLOSING:
      case ErrorCodes.FENCED:
      case ErrorCodes.CLOSED:
        this.cache.remove(loc);
        if (loc.table === META_TABLE) this.invalidateMeta();
        break;
      case ErrorCodes.UNAVAILABLE:
      case ErrorCodes.TIMEOUT:
        this.cache.removeServer(loc.address);
        if (loc.table === META_TABLE) this.invalidateMeta();
        break;
      default:
        break;
    }
  }
}
