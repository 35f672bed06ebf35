/**
 * The `basalt:meta` table's layout, shared by the master (its only writer) and the client (which
 * reads it to route requests). One row per region; the region's location is in the row.
 *
 * Row key: `table 0x00 escape(startKey) 0x00 0x01 regionId(8 bytes, big-endian)`, where escape
 * doubles every 0x00 of the start key as `0x00 0xFF`. The encoding preserves order (regions of one
 * table sort by start key, then id) and no start key is a prefix of another's encoding, so "the
 * region holding row r" is the last meta row at or before `metaSearchKey(table, r)` — one reversed
 * scan with limit 1. (HBase writes `table,startKey,regionId` as text and needs a special
 * comparator for meta; an order-preserving encoding lets meta be a table like any other.)
 *
 * Columns, family `info`: `regioninfo` (basalt.master.MetaRegionInfo), `server` (host:port), `sn`
 * (host:port,startcode), `epoch` (the open epoch, decimal), `state`, `since` (ms, decimal), `reason`.
 */
import { basalt } from '../proto/generated/basalt.js';
import { invalidArgument } from './errors.js';
import { META_TABLE } from './table-names.js';

export const META_FAMILY = 'info';
/** HBase's meta region is 1588230740; ours keeps the number. */
export const META_REGION_ID = 1;
export const META_ENCODED_NAME = '1588230740';
/** Where the master publishes meta's location (JSON: MetaLocation). */
export const META_LOCATION_ZNODE = '/basalt/meta-region-server';
/** Where the active master publishes its address (JSON: { address, serverName }). */
export const MASTER_ZNODE = '/basalt/master';

export const MetaColumns = {
  regioninfo: 'regioninfo',
  server: 'server',
  serverName: 'sn',
  epoch: 'epoch',
  state: 'state',
  since: 'since',
  reason: 'reason',
} as const;

export type RegionState = 'OFFLINE' | 'OPENING' | 'OPEN' | 'CLOSING' | 'CLOSED' | 'FAILED_OPEN' | 'SPLIT' | 'MERGED';

export interface MetaRegionInfoValue {
  table: string;
  startKey: Buffer;
  endKey: Buffer;
  regionId: number;
  encodedName: string;
  offline: boolean;
  split: boolean;
}

/** What the client and the master read from one meta row. */
export interface MetaRow {
  region: MetaRegionInfoValue;
  /** host:port of the server holding it ('' if none). */
  address: string;
  serverName: string;
  openEpoch: number;
  state: RegionState;
  sinceMs: number;
  reason: string;
}

export interface MetaLocation {
  address: string;
  serverName: string;
  openEpoch: number;
}

function escapeKey(key: Uint8Array): Buffer {
  let zeros = 0;
  for (const b of key) if (b === 0) zeros++;
  const out = Buffer.alloc(key.length + zeros);
  let j = 0;
  for (const b of key) {
    out[j++] = b;
    if (b === 0) out[j++] = 0xff;
  }
  return out;
}

function unescapeKey(bytes: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    out.push(bytes[i]!);
    if (bytes[i] === 0) i++; // skip the 0xFF of an escaped zero
  }
  return Buffer.from(out);
}

function idBytes(regionId: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt(regionId));
  return out;
}

const TERMINATOR = Buffer.from([0x00, 0x01]);

/** The meta row key of a region. */
export function metaRowKey(table: string, startKey: Uint8Array, regionId: number): Buffer {
  return Buffer.concat([Buffer.from(table, 'utf8'), Buffer.from([0]), escapeKey(startKey), TERMINATOR, idBytes(regionId)]);
}

/** A key at or after the meta row of every region of `table` whose start key is ≤ row. */
export function metaSearchKey(table: string, row: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(table, 'utf8'), Buffer.from([0]), escapeKey(row), TERMINATOR, Buffer.alloc(8, 0xff)]);
}

/** The first meta row key of a table (inclusive) … */
export function metaTableStart(table: string): Buffer {
  return Buffer.concat([Buffer.from(table, 'utf8'), Buffer.from([0])]);
}

/** … and the key just past its last (exclusive). */
export function metaTableStop(table: string): Buffer {
  return Buffer.concat([Buffer.from(table, 'utf8'), Buffer.from([1])]);
}

/** Splits a meta row key back into table, start key and region id. */
export function parseMetaRowKey(key: Buffer): { table: string; startKey: Buffer; regionId: number } {
  const sep = key.indexOf(0);
  if (sep < 0 || key.length < sep + 1 + 2 + 8) throw invalidArgument('metaRow', 'not a meta row key');
  const table = key.subarray(0, sep).toString('utf8');
  const escaped = key.subarray(sep + 1, key.length - 10);
  const regionId = Number(key.readBigUInt64BE(key.length - 8));
  return { table, startKey: unescapeKey(escaped), regionId };
}

export function encodeMetaRegionInfo(value: MetaRegionInfoValue): Buffer {
  const bytes = basalt.master.MetaRegionInfo.encode({
    info: {
      table: value.table,
      startKey: value.startKey,
      endKey: value.endKey,
      regionId: value.regionId,
      encodedName: value.encodedName,
    },
    offline: value.offline,
    split: value.split,
  }).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function decodeMetaRegionInfo(bytes: Uint8Array): MetaRegionInfoValue {
  const m = basalt.master.MetaRegionInfo.decode(bytes);
  const info = m.info ?? {};
  return {
    table: info.table ?? '',
    startKey: Buffer.from(info.startKey ?? []),
    endKey: Buffer.from(info.endKey ?? []),
    regionId: Number(info.regionId ?? 0),
    encodedName: info.encodedName ?? '',
    offline: m.offline ?? false,
    split: m.split ?? false,
  };
}

/** Builds a MetaRow from the cells of one meta row (family `info`); undefined if it has no regioninfo. */
export function metaRowFromCells(cells: Array<{ family: string; qualifier: Buffer; value: Buffer }>): MetaRow | undefined {
  const values = new Map<string, Buffer>();
  for (const c of cells) if (c.family === META_FAMILY && !values.has(c.qualifier.toString('utf8'))) values.set(c.qualifier.toString('utf8'), c.value);
  const info = values.get(MetaColumns.regioninfo);
  if (!info) return undefined;
  const text = (q: string): string => values.get(q)?.toString('utf8') ?? '';
  return {
    region: decodeMetaRegionInfo(info),
    address: text(MetaColumns.server),
    serverName: text(MetaColumns.serverName),
    openEpoch: Number(text(MetaColumns.epoch) || 0),
    state: (text(MetaColumns.state) || 'OFFLINE') as RegionState,
    sinceMs: Number(text(MetaColumns.since) || 0),
    reason: text(MetaColumns.reason),
  };
}

/** The meta table's own descriptor: one family, a few versions kept for debugging. */
export const META_FAMILIES = [
  { name: META_FAMILY, maxVersions: 3, minVersions: 0, ttlSeconds: 0, keepDeletedCells: 'FALSE' as const, bloomFilter: 'ROW' as const, inMemory: true },
];

export { META_TABLE };
