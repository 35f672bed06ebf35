/**
 * A small in-memory `Connection` for the REST gateway's HTTP tests: enough of Table and Admin to
 * drive every resource (versions, time ranges, deletes, check-and-mutate, scans with start/stop/
 * prefix/limit/batch) without a cluster. Filters are recorded, not evaluated — the end-to-end test
 * runs them on a real cluster. Not a model of Basalt's semantics beyond what the tests assert.
 */
import type {
  Admin,
  BytesInput,
  CheckAndMutate,
  ClusterStatus,
  ColumnInput,
  Connection,
  Delete,
  FamilyDescription,
  FamilyInput,
  Get,
  NamespaceDescription,
  Put,
  RegionDescription,
  Result,
  ResultCell,
  Scan,
  Table,
  TableDescription,
} from '../../client/api.js';
import { BasaltError, ErrorCodes } from '../../common/errors.js';
import { qualifyTableName } from '../../common/table-names.js';

const b = (v: BytesInput): Buffer => (typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v));

interface Version {
  ts: number;
  value: Buffer;
}
interface FakeTable {
  desc: TableDescription;
  /** row (latin1) → "family\0qualifier(latin1)" → versions newest first */
  rows: Map<string, Map<string, Version[]>>;
}

function makeResult(row: Buffer, cells: ResultCell[]): Result {
  const find = (f: string, q: BytesInput) => cells.filter((c) => c.family === f && c.qualifier.equals(b(q)));
  return {
    row,
    cells,
    isEmpty: cells.length === 0,
    value: (f, q) => find(f, q)[0]?.value,
    string: (f, q) => find(f, q)[0]?.value.toString('utf8'),
    counter: (f, q) => {
      const v = find(f, q)[0]?.value;
      return v ? v.readBigInt64BE() : undefined;
    },
    versions: find,
  };
}

export class FakeConnection implements Connection {
  readonly tables = new Map<string, FakeTable>();
  readonly namespaces = new Map<string, Record<string, string>>([['default', {}], ['basalt', {}]]);
  readonly scans: Scan[] = [];
  now = 1_700_000_000_000;
  closed = false;

  private table_(name: string): FakeTable {
    const t = this.tables.get(qualifyTableName(name));
    if (!t) throw new BasaltError(ErrorCodes.TABLE_NOT_FOUND, `table ${name} not found`);
    return t;
  }

  private family(t: FakeTable, family: string): void {
    if (!t.desc.families.some((f) => f.name === family)) throw new BasaltError(ErrorCodes.NO_SUCH_FAMILY, `no family ${family}`);
  }

  private readRow(t: FakeTable, rowKey: string, spec: Get | Scan): ResultCell[] {
    const row = t.rows.get(rowKey);
    if (!row) return [];
    const cells: ResultCell[] = [];
    const cols = (spec.columns ?? []).map((c: ColumnInput) => (typeof c === 'string' ? { family: c.split(':')[0]!, qualifier: c.includes(':') ? c.slice(c.indexOf(':') + 1) : undefined } : c));
    const keys = [...row.keys()].sort((x, y) => Buffer.compare(Buffer.from(x, 'latin1'), Buffer.from(y, 'latin1')));
    for (const key of keys) {
      const [family, qualifier] = [key.slice(0, key.indexOf('\0')), Buffer.from(key.slice(key.indexOf('\0') + 1), 'latin1')];
      if (cols.length && !cols.some((c) => c.family === family && (c.qualifier === undefined || b(c.qualifier).equals(qualifier)))) continue;
      let versions = row.get(key)!;
      if (spec.timestamp !== undefined) versions = versions.filter((v) => v.ts === spec.timestamp);
      if (spec.timeRange) versions = versions.filter((v) => v.ts >= (spec.timeRange!.min ?? 0) && v.ts < (spec.timeRange!.max ?? Infinity));
      for (const v of versions.slice(0, spec.maxVersions ?? 1)) {
        cells.push({ row: Buffer.from(rowKey, 'latin1'), family, qualifier, timestamp: v.ts, type: 'Put', value: v.value });
      }
    }
    return cells;
  }

  private applyPut(t: FakeTable, put: Put): void {
    const key = b(put.row).toString('latin1');
    for (const c of put.cells) this.family(t, c.family);
    const row = t.rows.get(key) ?? new Map<string, Version[]>();
    for (const c of put.cells) {
      const col = `${c.family}\0${b(c.qualifier).toString('latin1')}`;
      const versions = (row.get(col) ?? []).filter((v) => v.ts !== (c.timestamp ?? this.now));
      versions.push({ ts: c.timestamp ?? this.now, value: b(c.value) });
      versions.sort((x, y) => y.ts - x.ts);
      row.set(col, versions);
    }
    t.rows.set(key, row);
  }

  private applyDelete(t: FakeTable, del: Delete): void {
    const key = b(del.row).toString('latin1');
    const row = t.rows.get(key);
    if (!row) return;
    const upTo = del.timestamp ?? Infinity;
    if (!del.columns || del.columns.length === 0) {
      for (const [col, versions] of row) row.set(col, versions.filter((v) => v.ts > upTo));
    } else {
      for (const spec of del.columns) {
        for (const [col, versions] of row) {
          const [family, qualifier] = [col.slice(0, col.indexOf('\0')), Buffer.from(col.slice(col.indexOf('\0') + 1), 'latin1')];
          if (family !== spec.family) continue;
          if (spec.qualifier !== undefined && !b(spec.qualifier).equals(qualifier)) continue;
          const limit = spec.timestamp ?? del.timestamp ?? Infinity;
          if (spec.qualifier === undefined || spec.allVersions) row.set(col, versions.filter((v) => v.ts > limit));
          else if (spec.timestamp !== undefined) row.set(col, versions.filter((v) => v.ts !== spec.timestamp));
          else row.set(col, versions.slice(1));
        }
      }
    }
    for (const [col, versions] of row) if (versions.length === 0) row.delete(col);
    if (row.size === 0) t.rows.delete(key);
  }

  table(name: string): Table {
    const self = this;
    const get = async (g: Get): Promise<Result> => {
      const t = self.table_(name);
      return makeResult(b(g.row), self.readRow(t, b(g.row).toString('latin1'), g));
    };
    return {
      name,
      put: async (p) => {
        const t = self.table_(name);
        for (const put of Array.isArray(p) ? p : [p]) self.applyPut(t, put);
      },
      get,
      getMany: async (gets) => Promise.all(gets.map(get)),
      exists: async (g) => !(await get(g)).isEmpty,
      delete: async (d) => {
        const t = self.table_(name);
        for (const del of Array.isArray(d) ? d : [d]) self.applyDelete(t, del);
      },
      scan(scan: Scan = {}): AsyncIterable<Result> {
        self.scans.push(scan);
        return {
          async *[Symbol.asyncIterator]() {
            const t = self.table_(name);
            const keys = [...t.rows.keys()].map((k) => Buffer.from(k, 'latin1')).sort(Buffer.compare);
            let n = 0;
            for (const key of keys) {
              if (scan.prefix !== undefined && !key.subarray(0, b(scan.prefix).length).equals(b(scan.prefix))) continue;
              if (scan.start !== undefined && Buffer.compare(key, b(scan.start)) < 0) continue;
              if (scan.stop !== undefined && b(scan.stop).length > 0 && Buffer.compare(key, b(scan.stop)) >= 0) continue;
              const cells = self.readRow(t, key.toString('latin1'), scan);
              if (cells.length === 0) continue;
              if (scan.limit !== undefined && n++ >= scan.limit) return;
              const size = scan.batch ?? cells.length;
              for (let i = 0; i < cells.length; i += size) yield makeResult(key, cells.slice(i, i + size));
            }
          },
        };
      },
      increment: async (inc) => {
        const t = self.table_(name);
        const cells = inc.columns.map((c) => {
          const current = self.readRow(t, b(inc.row).toString('latin1'), { columns: [{ family: c.family, qualifier: c.qualifier }] })[0];
          const value = Buffer.alloc(8);
          value.writeBigInt64BE((current ? current.value.readBigInt64BE() : 0n) + BigInt(c.amount));
          return { family: c.family, qualifier: c.qualifier, value };
        });
        self.applyPut(t, { row: inc.row, cells });
        return makeResult(b(inc.row), self.readRow(t, b(inc.row).toString('latin1'), { columns: inc.columns.map((c) => ({ family: c.family, qualifier: c.qualifier })) }));
      },
      incrementColumnValue: async () => {
        throw new Error('not used');
      },
      append: async (app) => {
        const t = self.table_(name);
        const cells = app.columns.map((c) => {
          const current = self.readRow(t, b(app.row).toString('latin1'), { columns: [{ family: c.family, qualifier: c.qualifier }] })[0];
          return { family: c.family, qualifier: c.qualifier, value: Buffer.concat([current?.value ?? Buffer.alloc(0), b(c.value)]) };
        });
        self.applyPut(t, { row: app.row, cells });
        return makeResult(b(app.row), self.readRow(t, b(app.row).toString('latin1'), { columns: app.columns.map((c) => ({ family: c.family, qualifier: c.qualifier })) }));
      },
      checkAndMutate: async (check: CheckAndMutate) => {
        const t = self.table_(name);
        const current = self.readRow(t, b(check.row).toString('latin1'), { columns: [{ family: check.family!, qualifier: check.qualifier! }] })[0];
        const pass = check.value === undefined ? current === undefined : current !== undefined && current.value.equals(b(check.value));
        if (!pass) return false;
        if (check.put) self.applyPut(t, check.put);
        if (check.delete) self.applyDelete(t, check.delete);
        return true;
      },
      mutateRow: async () => {
        throw new Error('not used');
      },
      batch: async () => {
        throw new Error('not used');
      },
    };
  }

  admin(): Admin {
    const self = this;
    const family = (f: FamilyInput | string): FamilyDescription => {
      const input = typeof f === 'string' ? { name: f } : f;
      return {
        name: input.name,
        versions: input.versions ?? 1,
        minVersions: input.minVersions ?? 0,
        ttl: input.ttl ?? 0,
        keepDeletedCells: input.keepDeletedCells === true ? 'TRUE' : input.keepDeletedCells === false || input.keepDeletedCells === undefined ? 'FALSE' : input.keepDeletedCells,
        bloomFilter: input.bloomFilter ?? 'ROW',
        inMemory: input.inMemory ?? false,
      };
    };
    const notUsed = async (): Promise<never> => {
      throw new Error('not used by the gateway');
    };
    const region = (t: FakeTable): RegionDescription => ({
      table: t.desc.name,
      encodedName: 'abc123',
      regionId: 42,
      startKey: Buffer.alloc(0),
      endKey: Buffer.alloc(0),
      serverName: '127.0.0.1:16020,1700000000000',
      address: '127.0.0.1:16020',
      state: 'OPEN',
      openEpoch: 1,
      stateSinceMs: 0,
      reason: '',
    });
    return {
      createTable: async (input) => {
        const name = qualifyTableName(input.name);
        if (self.tables.has(name)) throw new BasaltError(ErrorCodes.TABLE_EXISTS, `table ${name} exists`);
        self.tables.set(name, { desc: { name, families: input.families.map(family), state: 'ENABLED' }, rows: new Map() });
      },
      deleteTable: async (name) => {
        const t = self.table_(name);
        if (t.desc.state !== 'DISABLED') throw new BasaltError(ErrorCodes.TABLE_NOT_DISABLED, 'not disabled');
        self.tables.delete(t.desc.name);
      },
      enableTable: async (name) => {
        self.table_(name).desc.state = 'ENABLED';
      },
      disableTable: async (name) => {
        const t = self.table_(name);
        if (t.desc.state === 'DISABLED') throw new BasaltError(ErrorCodes.TABLE_NOT_ENABLED, 'already disabled');
        t.desc.state = 'DISABLED';
      },
      truncateTable: notUsed,
      addFamily: async (name, f) => {
        self.table_(name).desc.families.push(family(f));
      },
      modifyFamily: async (name, f) => {
        const t = self.table_(name);
        t.desc.families = t.desc.families.map((x) => (x.name === f.name ? family({ ...x, ...f, keepDeletedCells: f.keepDeletedCells ?? x.keepDeletedCells }) : x));
      },
      deleteFamily: async (name, f) => {
        const t = self.table_(name);
        t.desc.families = t.desc.families.filter((x) => x.name !== f);
      },
      listTables: async (options) =>
        [...self.tables.values()].map((t) => t.desc).filter((d) => options?.includeSystem || !d.name.startsWith('basalt:')),
      describeTable: async (name) => self.table_(name).desc,
      tableExists: async (name) => self.tables.has(qualifyTableName(name)),
      isTableEnabled: async (name) => self.table_(name).desc.state === 'ENABLED',
      isTableDisabled: async (name) => self.table_(name).desc.state === 'DISABLED',
      createNamespace: async (name, properties = {}) => {
        if (self.namespaces.has(name)) throw new BasaltError(ErrorCodes.NAMESPACE_EXISTS, 'exists');
        self.namespaces.set(name, properties);
      },
      modifyNamespace: async (name, properties) => {
        if (!self.namespaces.has(name)) throw new BasaltError(ErrorCodes.NAMESPACE_NOT_FOUND, 'missing');
        self.namespaces.set(name, { ...properties });
      },
      deleteNamespace: async (name) => {
        if (!self.namespaces.delete(name)) throw new BasaltError(ErrorCodes.NAMESPACE_NOT_FOUND, 'missing');
      },
      describeNamespace: async (name): Promise<NamespaceDescription> => {
        const properties = self.namespaces.get(name);
        if (!properties) throw new BasaltError(ErrorCodes.NAMESPACE_NOT_FOUND, `namespace ${name} not found`);
        return { name, properties };
      },
      listNamespaces: async () => [...self.namespaces].map(([name, properties]) => ({ name, properties })),
      listNamespaceTables: async (ns) => {
        if (!self.namespaces.has(ns)) throw new BasaltError(ErrorCodes.NAMESPACE_NOT_FOUND, 'missing');
        return [...self.tables.values()].map((t) => t.desc).filter((d) => d.name.startsWith(`${ns}:`));
      },
      listRegions: async (name) => (name ? [region(self.table_(name))] : [...self.tables.values()].map(region)),
      getSplits: notUsed,
      split: notUsed,
      merge: notUsed,
      move: notUsed,
      assign: notUsed,
      unassign: notUsed,
      flush: notUsed,
      compact: notUsed,
      majorCompact: notUsed,
      balance: notUsed,
      balancerSwitch: notUsed,
      clusterStatus: async (): Promise<ClusterStatus> => ({
        clusterId: 'fake',
        master: '127.0.0.1:16000',
        backupMasters: [],
        liveServers: [
          {
            serverName: '127.0.0.1:16020,1700000000000',
            address: '127.0.0.1:16020',
            regionCount: self.tables.size,
            readRequests: 10,
            writeRequests: 5,
            requestsPerSecond: 2.5,
            memstoreSizeBytes: 3 * 1024 * 1024,
            storeFileSizeBytes: 0,
            storeFileCount: 0,
            lastReportAgoMs: 100,
          },
        ],
        deadServers: [],
        regionsInTransition: [],
        procedures: [],
        regionCount: self.tables.size,
        tableCount: self.tables.size,
        averageLoad: self.tables.size,
        balancerOn: true,
        version: '0.1.0',
      }),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
