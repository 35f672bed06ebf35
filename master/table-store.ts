/**
 * Table descriptors, table states and namespaces, kept in the coordination service
 * (`/basalt/tables/<namespace:table>`, `/basalt/namespaces/<name>`) as JSON, so that `basalt coord
 * get` and the shell's zk_dump show them plainly. Only the active master writes here.
 */
import { isValidFamilyName } from '../common/cell.js';
import { BasaltError, ErrorCodes, invalidArgument, isBasaltError } from '../common/errors.js';
import { META_FAMILIES, META_TABLE } from '../common/meta.js';
import { DEFAULT_NAMESPACE, qualifyTableName, SYSTEM_NAMESPACE, validateNamespace } from '../common/table-names.js';
import type { CoordClient } from '../coord/client/index.js';

export const TABLES_ZNODE = '/basalt/tables';
export const NAMESPACES_ZNODE = '/basalt/namespaces';

export interface Family {
  name: string;
  maxVersions: number;
  minVersions: number;
  ttlSeconds: number;
  keepDeletedCells: 'FALSE' | 'TRUE' | 'TTL';
  bloomFilter: 'NONE' | 'ROW' | 'ROWCOL';
  inMemory: boolean;
}

export type TableState = 'ENABLED' | 'DISABLED' | 'ENABLING' | 'DISABLING';

export interface TableRecord {
  name: string;
  families: Family[];
  state: TableState;
  /** The procedure that created it (a re-run create recognises its own table). */
  createdBy: number;
}

export interface NamespaceRecord {
  name: string;
  properties: Record<string, string>;
}

const MAX_FAMILIES = 100;
const MAX_VERSIONS = 100_000;

/** Normalises and validates one family descriptor from the wire (defaults as HBase's). */
export function normalizeFamily(
  f: { name?: string | null; maxVersions?: number | null; minVersions?: number | null; ttlSeconds?: number | null; keepDeletedCells?: string | null; bloomFilter?: string | null; inMemory?: boolean | null },
  field: string,
): Family {
  if (!f.name || !isValidFamilyName(f.name)) throw invalidArgument(`${field}.name`, `'${f.name ?? ''}' is not a valid column family name ([A-Za-z0-9_.-]+)`);
  const maxVersions = Number(f.maxVersions || 1);
  if (!Number.isInteger(maxVersions) || maxVersions < 1 || maxVersions > MAX_VERSIONS) throw invalidArgument(`${field}.versions`, `must be in [1, ${MAX_VERSIONS}]`);
  const minVersions = Number(f.minVersions ?? 0);
  if (!Number.isInteger(minVersions) || minVersions < 0 || minVersions > maxVersions) throw invalidArgument(`${field}.minVersions`, 'must be in [0, versions]');
  const ttlSeconds = Number(f.ttlSeconds ?? 0);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 0) throw invalidArgument(`${field}.ttl`, 'must be a whole number of seconds ≥ 0');
  const keep = (f.keepDeletedCells || 'FALSE').toUpperCase();
  if (keep !== 'FALSE' && keep !== 'TRUE' && keep !== 'TTL') throw invalidArgument(`${field}.keepDeletedCells`, 'FALSE | TRUE | TTL');
  const bloom = (f.bloomFilter || 'ROW').toUpperCase();
  if (bloom !== 'NONE' && bloom !== 'ROW' && bloom !== 'ROWCOL') throw invalidArgument(`${field}.bloomFilter`, 'NONE | ROW | ROWCOL');
  return { name: f.name, maxVersions, minVersions, ttlSeconds, keepDeletedCells: keep, bloomFilter: bloom, inMemory: f.inMemory ?? false };
}

export function validateFamilies(families: Family[], field = 'families'): void {
  if (families.length === 0) throw invalidArgument(field, 'a table needs at least one column family');
  if (families.length > MAX_FAMILIES) throw invalidArgument(field, `at most ${MAX_FAMILIES} families`);
  const seen = new Set<string>();
  for (const f of families) {
    if (seen.has(f.name)) throw invalidArgument(field, `family '${f.name}' named twice`);
    seen.add(f.name);
  }
}

function tablePath(name: string): string {
  return `${TABLES_ZNODE}/${name}`;
}

function parse<T>(data: Buffer): T {
  return JSON.parse(data.toString('utf8')) as T;
}

export class TableStore {
  constructor(private readonly coord: CoordClient) {}

  /** Creates the folders and the two built-in namespaces (idempotent). */
  async init(): Promise<void> {
    for (const path of ['/basalt', TABLES_ZNODE, NAMESPACES_ZNODE]) await this.createIfMissing(path, '');
    for (const ns of [DEFAULT_NAMESPACE, SYSTEM_NAMESPACE]) {
      await this.createIfMissing(`${NAMESPACES_ZNODE}/${ns}`, JSON.stringify({ name: ns, properties: {} } satisfies NamespaceRecord));
    }
  }

  private async createIfMissing(path: string, data: string): Promise<void> {
    try {
      await this.coord.create(path, data);
    } catch (err) {
      if (!isBasaltError(err, ErrorCodes.NODE_EXISTS)) throw err;
    }
  }

  /** The meta table's record: built in, always enabled, never stored. */
  static metaRecord(): TableRecord {
    return { name: META_TABLE, families: META_FAMILIES.map((f) => ({ ...f })), state: 'ENABLED', createdBy: 0 };
  }

  async get(name: string): Promise<TableRecord | undefined> {
    if (name === META_TABLE) return TableStore.metaRecord();
    try {
      const { data } = await this.coord.getData(tablePath(name));
      return parse<TableRecord>(data);
    } catch (err) {
      if (isBasaltError(err, ErrorCodes.NO_NODE)) return undefined;
      throw err;
    }
  }

  async require(name: string): Promise<TableRecord> {
    const record = await this.get(name);
    if (!record) throw new BasaltError(ErrorCodes.TABLE_NOT_FOUND, `table ${name} does not exist`, { table: name });
    return record;
  }

  /** Creates the record; false if a record of that name already exists. */
  async create(record: TableRecord): Promise<boolean> {
    try {
      await this.coord.create(tablePath(record.name), JSON.stringify(record));
      return true;
    } catch (err) {
      if (isBasaltError(err, ErrorCodes.NODE_EXISTS)) return false;
      throw err;
    }
  }

  async put(record: TableRecord): Promise<void> {
    await this.coord.setData(tablePath(record.name), JSON.stringify(record));
  }

  async setState(name: string, state: TableState): Promise<TableRecord> {
    const record = await this.require(name);
    if (record.state !== state) {
      record.state = state;
      await this.put(record);
    }
    return record;
  }

  async delete(name: string): Promise<void> {
    try {
      await this.coord.delete(tablePath(name));
    } catch (err) {
      if (!isBasaltError(err, ErrorCodes.NO_NODE)) throw err;
    }
  }

  async list(): Promise<TableRecord[]> {
    const { children } = await this.coord.getChildren(TABLES_ZNODE);
    const records = await Promise.all(children.map((name) => this.get(name)));
    return records.filter((r): r is TableRecord => r !== undefined);
  }

  // ---- namespaces ----

  async getNamespace(name: string): Promise<NamespaceRecord | undefined> {
    try {
      const { data } = await this.coord.getData(`${NAMESPACES_ZNODE}/${validateNamespace(name)}`);
      return parse<NamespaceRecord>(data);
    } catch (err) {
      if (isBasaltError(err, ErrorCodes.NO_NODE)) return undefined;
      throw err;
    }
  }

  async requireNamespace(name: string): Promise<NamespaceRecord> {
    const ns = await this.getNamespace(name);
    if (!ns) throw new BasaltError(ErrorCodes.NAMESPACE_NOT_FOUND, `namespace ${name} does not exist`, { namespace: name });
    return ns;
  }

  async createNamespace(record: NamespaceRecord): Promise<void> {
    validateNamespace(record.name);
    try {
      await this.coord.create(`${NAMESPACES_ZNODE}/${record.name}`, JSON.stringify(record));
    } catch (err) {
      if (isBasaltError(err, ErrorCodes.NODE_EXISTS)) {
        throw new BasaltError(ErrorCodes.NAMESPACE_EXISTS, `namespace ${record.name} already exists`, { namespace: record.name });
      }
      throw err;
    }
  }

  async modifyNamespace(record: NamespaceRecord): Promise<void> {
    await this.requireNamespace(record.name);
    await this.coord.setData(`${NAMESPACES_ZNODE}/${record.name}`, JSON.stringify(record));
  }

  async deleteNamespace(name: string): Promise<void> {
    if (name === DEFAULT_NAMESPACE || name === SYSTEM_NAMESPACE) {
      throw invalidArgument('namespace', `the ${name} namespace cannot be removed`);
    }
    await this.requireNamespace(name);
    const tables = (await this.list()).filter((t) => t.name.startsWith(`${name}:`));
    if (tables.length > 0) {
      throw new BasaltError(ErrorCodes.NAMESPACE_NOT_EMPTY, `namespace ${name} still has ${tables.length} table(s)`, { namespace: name });
    }
    await this.coord.delete(`${NAMESPACES_ZNODE}/${name}`);
  }

  async listNamespaces(): Promise<NamespaceRecord[]> {
    const { children } = await this.coord.getChildren(NAMESPACES_ZNODE);
    const out: NamespaceRecord[] = [];
    for (const name of children.sort()) {
      const ns = await this.getNamespace(name);
      if (ns) out.push(ns);
    }
    return out;
  }
}

export { qualifyTableName };
