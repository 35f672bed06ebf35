/**
 * HBase REST's TableSchema in JSON: `{"name":"t","ColumnSchema":[{"name":"cf","VERSIONS":"3",...}],
 * "IS_META":"false"}`. Attribute values are strings, as HBase writes them. On input, the family
 * attributes Basalt implements are read and checked (VERSIONS, MIN_VERSIONS, TTL,
 * KEEP_DELETED_CELLS, BLOOMFILTER, IN_MEMORY); HBase's storage knobs that have no meaning on LMDB
 * store files (COMPRESSION, BLOCKSIZE, BLOCKCACHE, DATA_BLOCK_ENCODING, REPLICATION_SCOPE, …) are
 * accepted and ignored, so schemas written by HBase tools still load.
 */
import type { FamilyDescription, FamilyInput, TableDescription } from '../client/api.js';
import { isValidFamilyName } from '../common/cell.js';
import { displayTableName, META_TABLE } from '../common/table-names.js';
import { badRequest } from './http-error.js';
import { list, object, type JsonObject } from './json-input.js';

/** HBase's "forever" TTL (Integer.MAX_VALUE seconds). */
export const HBASE_FOREVER_TTL = 2_147_483_647;

export type ColumnSchemaJson = Record<string, string>;
export interface TableSchemaJson {
  name: string;
  ColumnSchema: ColumnSchemaJson[];
  [attribute: string]: string | ColumnSchemaJson[];
}

export function columnSchemaJson(family: FamilyDescription): ColumnSchemaJson {
  const forever = !(family.ttl > 0) || family.ttl >= HBASE_FOREVER_TTL;
  return {
    name: family.name,
    BLOOMFILTER: family.bloomFilter,
    VERSIONS: String(family.versions),
    IN_MEMORY: String(family.inMemory),
    KEEP_DELETED_CELLS: family.keepDeletedCells,
    DATA_BLOCK_ENCODING: 'NONE',
    TTL: String(forever ? HBASE_FOREVER_TTL : family.ttl),
    COMPRESSION: 'NONE',
    MIN_VERSIONS: String(family.minVersions),
    BLOCKCACHE: 'true',
    BLOCKSIZE: '65536',
    REPLICATION_SCOPE: '0',
  };
}

export function tableSchemaJson(table: TableDescription): TableSchemaJson {
  return {
    name: displayTableName(table.name),
    ColumnSchema: table.families.map(columnSchemaJson),
    IS_META: String(table.name === META_TABLE),
  };
}

const IGNORED_FAMILY_ATTRIBUTES = new Set([
  'COMPRESSION',
  'COMPRESSION_COMPACT',
  'BLOCKSIZE',
  'BLOCKCACHE',
  'DATA_BLOCK_ENCODING',
  'REPLICATION_SCOPE',
  'CACHE_DATA_ON_WRITE',
  'CACHE_INDEX_ON_WRITE',
  'CACHE_BLOOMS_ON_WRITE',
  'EVICT_BLOCKS_ON_CLOSE',
  'PREFETCH_BLOCKS_ON_OPEN',
  'ENCODE_ON_DISK',
  'IS_MOB',
  'MOB_THRESHOLD',
  'NEW_VERSION_BEHAVIOR',
  'METADATA',
  'CONFIGURATION',
]);

function text(value: unknown, field: string): string {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw badRequest(`${field} must be a string`);
}

function int(value: unknown, field: string, min: number, max: number): number {
  const s = text(value, field);
  const n = Number(s);
  if (!/^-?\d+$/.test(s) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw badRequest(`${field} must be an integer in ${min}..${max}, got '${s}'`);
  }
  return n;
}

function flag(value: unknown, field: string): boolean {
  const s = text(value, field).toLowerCase();
  if (s !== 'true' && s !== 'false') throw badRequest(`${field} must be true or false`);
  return s === 'true';
}

/** One ColumnSchema entry as a FamilyInput; names and every implemented attribute checked. */
export function parseColumnSchema(value: unknown, field: string): FamilyInput {
  const c = object(value, field);
  const name = c['name'];
  if (typeof name !== 'string' || !isValidFamilyName(name)) throw badRequest(`${field}.name: illegal column family name ${JSON.stringify(name)}`);
  const family: FamilyInput = { name };
  for (const [key, raw] of Object.entries(c)) {
    if (key === 'name') continue;
    const at = `${field}.${key}`;
    switch (key.toUpperCase()) {
      case 'VERSIONS':
        family.versions = int(raw, at, 1, 2 ** 31 - 1);
        break;
      case 'MIN_VERSIONS':
        family.minVersions = int(raw, at, 0, 2 ** 31 - 1);
        break;
      case 'TTL': {
        const s = text(raw, at).toUpperCase();
        // HBase writes "FOREVER" or Integer.MAX_VALUE for no TTL; both mean "keep forever".
        const seconds = s === 'FOREVER' ? HBASE_FOREVER_TTL : int(raw, at, 1, HBASE_FOREVER_TTL);
        if (seconds < HBASE_FOREVER_TTL) family.ttl = seconds;
        break;
      }
      case 'KEEP_DELETED_CELLS': {
        const s = text(raw, at).toUpperCase();
        if (s !== 'TRUE' && s !== 'FALSE' && s !== 'TTL') throw badRequest(`${at} must be TRUE, FALSE or TTL`);
        family.keepDeletedCells = s;
        break;
      }
      case 'BLOOMFILTER': {
        const s = text(raw, at).toUpperCase();
        if (s !== 'NONE' && s !== 'ROW' && s !== 'ROWCOL') throw badRequest(`${at} must be NONE, ROW or ROWCOL`);
        family.bloomFilter = s;
        break;
      }
      case 'IN_MEMORY':
        family.inMemory = flag(raw, at);
        break;
      default:
        if (!IGNORED_FAMILY_ATTRIBUTES.has(key.toUpperCase())) {
          throw badRequest(`${at}: unknown column family attribute`);
        }
    }
  }
  return family;
}

/** The families of a TableSchema body (the table's name comes from the URL, as in HBase). */
export function parseTableSchema(body: unknown): FamilyInput[] {
  const root: JsonObject = object(body, 'body');
  const families = list(root['ColumnSchema'], 'ColumnSchema').map((c, i) => parseColumnSchema(c, `ColumnSchema[${i}]`));
  const names = new Set<string>();
  for (const f of families) {
    if (names.has(f.name)) throw badRequest(`ColumnSchema: family '${f.name}' given twice`);
    names.add(f.name);
  }
  const meta = root['IS_META'];
  if (meta !== undefined && text(meta, 'IS_META').toLowerCase() === 'true') throw badRequest('IS_META: cannot create a meta table');
  return families;
}
