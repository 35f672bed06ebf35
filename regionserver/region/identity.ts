/**
 * A region's identity and the names that become paths. A region is table + encoded region name
 * (common/table-names.ts encodeRegionName: a hash of table, start key and region id), and both
 * parts appear wherever the region is named on disk: its WAL key, its directory
 * `<root>/data/<namespace>/<table>/<encodedName>`, and its manifest. So two tables whose regions
 * happen to share an encoded name never replay each other's edits. Names are validated as HBase
 * does (qualifyTableName), and an encoded name is one path component that cannot climb out of its
 * table's folder (no leading '.', so never '.' or '..').
 */
import { join } from 'node:path';
import { invalidArgument } from '../../common/errors.js';
import { qualifyTableName } from '../../common/table-names.js';
import type { RegionInfo } from './api.js';

const ENCODED_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,254}$/;

/** INVALID_ARGUMENT (naming `<field>.table` / `.encodedName` / `.regionId`) unless the identity is well-formed. */
export function validateRegionIdentity(info: Pick<RegionInfo, 'table' | 'encodedName' | 'regionId'>, field = 'info'): void {
  const table = qualifyTableName(info?.table, `${field}.table`);
  if (table !== info.table) throw invalidArgument(`${field}.table`, `must be namespace-qualified ('${table}')`);
  if (typeof info.encodedName !== 'string' || !ENCODED_NAME.test(info.encodedName)) {
    throw invalidArgument(`${field}.encodedName`, "required: [A-Za-z0-9_.-], at most 255, no leading '.'");
  }
  if (!Number.isSafeInteger(info.regionId) || info.regionId < 0) throw invalidArgument(`${field}.regionId`, 'must be a non-negative integer');
}

/** The region's key in the WAL: table + encoded name. */
export function walRegionKey(info: Pick<RegionInfo, 'table' | 'encodedName'>): string {
  return `${info.table}/${info.encodedName}`;
}

/** `namespace:name` → `namespace/name` (validated names only). */
export function tableDir(table: string): string {
  const qualified = qualifyTableName(table);
  const colon = qualified.indexOf(':');
  return join(qualified.slice(0, colon), qualified.slice(colon + 1));
}

/** `<root>/data/<namespace>/<table>/<encodedName>`. */
export function regionDir(dataRoot: string, info: Pick<RegionInfo, 'table' | 'encodedName' | 'regionId'>): string {
  validateRegionIdentity(info);
  return join(dataRoot, 'data', tableDir(info.table), info.encodedName);
}
