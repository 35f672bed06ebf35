/**
 * A small in-memory implementation of the public client API (client/api.ts) for the shell's unit
 * tests: enough table semantics (versions, deletes, scans, counters) and admin bookkeeping to check
 * every command's exact output without a cluster. Timestamps come from a counter, so outputs are
 * deterministic. The end-to-end tests run the same commands against a real cluster.
 */
import type {
  Admin, Append, BytesInput, ClusterStatus, Connection, CreateTableInput, Delete, FamilyDescription, FamilyInput, Get,
  Increment, NamespaceDescription, Put, RegionDescription, RegionTargetInput, Result, ResultCell, Scan, Table, TableDescription,
} from '../../client/api.js';
import { compareBytes, prefixEnd, toBytes } from '../../common/bytes.js';
import { BasaltError, ErrorCodes } from '../../common/errors.js';
import { encodeRegionName, namespaceOf, qualifyTableName } from '../../common/table-names.js';

interface StoredTable {
  name: string;
  families: FamilyDescription[];
  state: 'ENABLED' | 'DISABLED';
  splits: Buffer[];
  cells: ResultCell[];
}

export class FakeResult implements Result {
  constructor(
    readonly row: Buffer,
    readonly cells: ResultCell[],
  ) {}
  get isEmpty(): boolean {
    return this.cells.length === 0;
  }
  versions(family: string, qualifier: BytesInput): ResultCell[] {
    const q = toBytes(qualifier);
    return this.cells.filter((c) => c.family === family && c.qualifier.equals(q));
  }
  value(family: string, qualifier: BytesInput): Buffer | undefined {
    return this.versions(family, qualifier)[0]?.value;
  }
  string(family: string, qualifier: BytesInput): string | undefined {
    return this.value(family, qualifier)?.toString('utf8');
  }
  counter(family: string, qualifier: BytesInput): bigint | undefined {
    return this.value(family, qualifier)?.readBigInt64BE(0);
  }
}

function notFound(name: string): BasaltError {
  return new BasaltError(ErrorCodes.TABLE_NOT_FOUND, `table ${name} does not exist`, { table: name });
}

function cellOrder(a: ResultCell, b: ResultCell): number {
  return compareBytes(a.row, b.row) || (a.family < b.family ? -1 : a.family > b.family ? 1 : 0) || compareBytes(a.qualifier, b.qualifier) || b.timestamp - a.timestamp;
}

function describeFamily(input: FamilyInput | string): FamilyDescription {
  const f = typeof input === 'string' ? { name: input } : input;
  const kdc = f.keepDeletedCells;
  return {
    name: f.name,
    versions: f.versions ?? 1,
    minVersions: f.minVersions ?? 0,
    ttl: f.ttl ?? 0,
    keepDeletedCells: kdc === true || kdc === 'TRUE' ? 'TRUE' : kdc === 'TTL' ? 'TTL' : 'FALSE',
    bloomFilter: f.bloomFilter ?? 'ROW',
    inMemory: f.inMemory ?? false,
  };
}

export class FakeCluster {
  readonly tables = new Map<string, StoredTable>();
  readonly namespaces = new Map<string, Record<string, string>>([
    ['default', {}],
    ['basalt', {}],
  ]);
  /** Admin calls that only record what they were asked (split, move, flush, …). */
  readonly calls: string[] = [];
  balancerOn = true;
  private nextTimestamp: number;

  constructor(firstTimestamp = 1_700_000_000_000) {
    this.nextTimestamp = firstTimestamp;
  }

  tick(): number {
    return this.nextTimestamp++;
  }

  stored(name: string): StoredTable {
    const table = this.tables.get(qualifyTableName(name));
    if (!table) throw notFound(name);
    return table;
  }

  enabled(name: string): StoredTable {
    const table = this.stored(name);
    if (table.state !== 'ENABLED') throw new BasaltError(ErrorCodes.TABLE_DISABLED, `table ${name} is disabled`, { table: name });
    return table;
  }

  connection(): Connection {
    return { table: (name) => new FakeTable(this, name), admin: () => new FakeAdmin(this), close: async () => undefined };
  }
}

class FakeTable implements Table {
  constructor(
    private readonly cluster: FakeCluster,
    readonly name: string,
  ) {}

  private family(table: StoredTable, family: string): FamilyDescription {
    const f = table.families.find((x) => x.name === family);
    if (!f) throw new BasaltError(ErrorCodes.NO_SUCH_FAMILY, `column family ${family} does not exist in table ${this.name}`, { family });
    return f;
  }

  async put(put: Put | Put[]): Promise<void> {
    const table = this.cluster.enabled(this.name);
    for (const p of Array.isArray(put) ? put : [put]) {
      const ts = this.cluster.tick();
      for (const c of p.cells) {
        this.family(table, c.family);
        table.cells.push({ row: toBytes(p.row), family: c.family, qualifier: toBytes(c.qualifier), timestamp: c.timestamp ?? ts, type: 'Put', value: toBytes(c.value) });
      }
    }
    table.cells.sort(cellOrder);
  }

  private readRow(table: StoredTable, row: Buffer, get: Omit<Get, 'row'>): FakeResult {
    const seen = new Map<string, number>();
    const cells = table.cells.filter((c) => {
      if (!c.row.equals(row)) return false;
      if (get.columns && !get.columns.some((col) => typeof col !== 'string' && col.family === c.family && (col.qualifier === undefined || toBytes(col.qualifier).equals(c.qualifier)))) return false;
      if (get.timestamp !== undefined && c.timestamp !== get.timestamp) return false;
      const key = `${c.family}:${c.qualifier.toString('latin1')}`;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      return n <= (get.maxVersions ?? 1);
    });
    return new FakeResult(row, cells);
  }

  async get(get: Get): Promise<Result> {
    return this.readRow(this.cluster.enabled(this.name), toBytes(get.row), get);
  }

  async getMany(gets: Get[]): Promise<Result[]> {
    return Promise.all(gets.map((g) => this.get(g)));
  }

  async exists(get: Get): Promise<boolean> {
    return !(await this.get(get)).isEmpty;
  }

  async delete(del: Delete | Delete[]): Promise<void> {
    const table = this.cluster.enabled(this.name);
    for (const d of Array.isArray(del) ? del : [del]) {
      const row = toBytes(d.row);
      if (!d.columns) {
        table.cells = table.cells.filter((c) => !c.row.equals(row));
        continue;
      }
      for (const col of d.columns) {
        this.family(table, col.family);
        const matches = (c: ResultCell): boolean => c.row.equals(row) && c.family === col.family && (col.qualifier === undefined || c.qualifier.equals(toBytes(col.qualifier)));
        if (col.qualifier !== undefined && !col.allVersions) {
          const newest = table.cells.find((c) => matches(c) && (col.timestamp === undefined || c.timestamp === col.timestamp));
          table.cells = table.cells.filter((c) => c !== newest);
        } else {
          table.cells = table.cells.filter((c) => !matches(c) || (col.timestamp !== undefined && c.timestamp > col.timestamp));
        }
      }
    }
  }

  async *scan(scan: Scan = {}): AsyncIterable<Result> {
    const table = this.cluster.enabled(this.name);
    const start = scan.prefix !== undefined ? toBytes(scan.prefix) : scan.start !== undefined ? toBytes(scan.start) : undefined;
    const stop = scan.prefix !== undefined ? prefixEnd(toBytes(scan.prefix)) : scan.stop !== undefined ? toBytes(scan.stop) : undefined;
    const rows: Buffer[] = [];
    for (const c of table.cells) if (!rows.some((r) => r.equals(c.row))) rows.push(c.row);
    if (scan.reversed) rows.reverse();
    const firstKeyOnly = typeof scan.filter === 'string' && scan.filter.includes('FirstKeyOnlyFilter()');
    let returned = 0;
    for (const row of rows) {
      if (!scan.reversed && ((start && compareBytes(row, start) < 0) || (stop && compareBytes(row, stop) >= 0))) continue;
      if (scan.reversed && start && compareBytes(row, start) > 0) continue;
      const result = this.readRow(table, row, scan);
      if (result.isEmpty) continue;
      yield firstKeyOnly ? new FakeResult(row, result.cells.slice(0, 1)) : result;
      if (scan.limit !== undefined && ++returned >= scan.limit) return;
    }
  }

  async increment(increment: Increment): Promise<Result> {
    const cells: ResultCell[] = [];
    for (const col of increment.columns) {
      const value = await this.incrementColumnValue(increment.row, col.family, col.qualifier, col.amount);
      const buf = Buffer.alloc(8);
      buf.writeBigInt64BE(value);
      cells.push({ row: toBytes(increment.row), family: col.family, qualifier: toBytes(col.qualifier), timestamp: 0, type: 'Put', value: buf });
    }
    return new FakeResult(toBytes(increment.row), cells);
  }

  async incrementColumnValue(row: BytesInput, family: string, qualifier: BytesInput, amount: number | bigint = 1): Promise<bigint> {
    const current = (await this.get({ row, columns: [{ family, qualifier }] })).value(family, qualifier);
    if (current && current.length !== 8) throw new BasaltError(ErrorCodes.NOT_A_COUNTER, 'not an 8-byte counter');
    const next = (current ? current.readBigInt64BE(0) : 0n) + BigInt(amount);
    const buf = Buffer.alloc(8);
    buf.writeBigInt64BE(next);
    await this.put({ row, cells: [{ family, qualifier, value: buf }] });
    return next;
  }

  async append(append: Append): Promise<Result> {
    const cells: ResultCell[] = [];
    for (const col of append.columns) {
      const current = (await this.get({ row: append.row, columns: [{ family: col.family, qualifier: col.qualifier }] })).value(col.family, col.qualifier);
      const value = Buffer.concat([current ?? Buffer.alloc(0), toBytes(col.value)]);
      await this.put({ row: append.row, cells: [{ family: col.family, qualifier: col.qualifier, value }] });
      cells.push({ row: toBytes(append.row), family: col.family, qualifier: toBytes(col.qualifier), timestamp: 0, type: 'Put', value });
    }
    return new FakeResult(toBytes(append.row), cells);
  }

  async checkAndMutate(): Promise<boolean> {
    throw new BasaltError(ErrorCodes.INTERNAL, 'not in the fake');
  }
  async mutateRow(): Promise<void> {
    throw new BasaltError(ErrorCodes.INTERNAL, 'not in the fake');
  }
  async batch(): Promise<never> {
    throw new BasaltError(ErrorCodes.INTERNAL, 'not in the fake');
  }
}

class FakeAdmin implements Admin {
  constructor(private readonly cluster: FakeCluster) {}

  private describe(t: StoredTable): TableDescription {
    return { name: t.name, families: t.families, state: t.state };
  }

  async createTable(input: CreateTableInput): Promise<void> {
    const name = qualifyTableName(input.name);
    if (!this.cluster.namespaces.has(namespaceOf(name))) throw new BasaltError(ErrorCodes.NAMESPACE_NOT_FOUND, `namespace ${namespaceOf(name)} does not exist`);
    if (this.cluster.tables.has(name)) throw new BasaltError(ErrorCodes.TABLE_EXISTS, `table ${input.name} already exists`, { table: input.name });
    const splits = (input.splits ?? []).map((s) => toBytes(s)).sort(compareBytes);
    this.cluster.tables.set(name, { name, families: input.families.map(describeFamily), state: 'ENABLED', splits, cells: [] });
  }
  async deleteTable(name: string): Promise<void> {
    const t = this.cluster.stored(name);
    if (t.state !== 'DISABLED') throw new BasaltError(ErrorCodes.TABLE_NOT_DISABLED, `table ${name} is not disabled`, { table: name });
    this.cluster.tables.delete(t.name);
  }
  async enableTable(name: string): Promise<void> {
    const t = this.cluster.stored(name);
    if (t.state === 'ENABLED') throw new BasaltError(ErrorCodes.TABLE_NOT_DISABLED, `table ${name} is already enabled`, { table: name });
    t.state = 'ENABLED';
  }
  async disableTable(name: string): Promise<void> {
    const t = this.cluster.stored(name);
    if (t.state === 'DISABLED') throw new BasaltError(ErrorCodes.TABLE_NOT_ENABLED, `table ${name} is already disabled`, { table: name });
    t.state = 'DISABLED';
  }
  async truncateTable(name: string, options: { preserveSplits?: boolean } = {}): Promise<void> {
    const t = this.cluster.stored(name);
    t.cells = [];
    if (!options.preserveSplits) t.splits = [];
    t.state = 'ENABLED';
  }
  async addFamily(table: string, family: FamilyInput | string): Promise<void> {
    this.cluster.stored(table).families.push(describeFamily(family));
  }
  async modifyFamily(table: string, family: FamilyInput): Promise<void> {
    const t = this.cluster.stored(table);
    const current = t.families.find((f) => f.name === family.name)!;
    Object.assign(current, Object.fromEntries(Object.entries(describeFamily({ ...current, ...family } as FamilyInput))));
  }
  async deleteFamily(table: string, family: string): Promise<void> {
    const t = this.cluster.stored(table);
    t.families = t.families.filter((f) => f.name !== family);
  }
  async listTables(): Promise<TableDescription[]> {
    return [...this.cluster.tables.values()].filter((t) => namespaceOf(t.name) !== 'basalt').map((t) => this.describe(t));
  }
  async describeTable(name: string): Promise<TableDescription> {
    return this.describe(this.cluster.stored(name));
  }
  async tableExists(name: string): Promise<boolean> {
    return this.cluster.tables.has(qualifyTableName(name));
  }
  async isTableEnabled(name: string): Promise<boolean> {
    return this.cluster.stored(name).state === 'ENABLED';
  }
  async isTableDisabled(name: string): Promise<boolean> {
    return this.cluster.stored(name).state === 'DISABLED';
  }
  async createNamespace(name: string, properties: Record<string, string> = {}): Promise<void> {
    if (this.cluster.namespaces.has(name)) throw new BasaltError(ErrorCodes.NAMESPACE_EXISTS, `namespace ${name} already exists`);
    this.cluster.namespaces.set(name, properties);
  }
  async modifyNamespace(name: string, properties: Record<string, string>): Promise<void> {
    if (!this.cluster.namespaces.has(name)) throw new BasaltError(ErrorCodes.NAMESPACE_NOT_FOUND, `namespace ${name} does not exist`);
    this.cluster.namespaces.set(name, { ...properties });
  }
  async deleteNamespace(name: string): Promise<void> {
    if (!this.cluster.namespaces.has(name)) throw new BasaltError(ErrorCodes.NAMESPACE_NOT_FOUND, `namespace ${name} does not exist`);
    if ([...this.cluster.tables.keys()].some((t) => namespaceOf(t) === name)) throw new BasaltError(ErrorCodes.NAMESPACE_NOT_EMPTY, `namespace ${name} has tables`);
    this.cluster.namespaces.delete(name);
  }
  async describeNamespace(name: string): Promise<NamespaceDescription> {
    const properties = this.cluster.namespaces.get(name);
    if (!properties) throw new BasaltError(ErrorCodes.NAMESPACE_NOT_FOUND, `namespace ${name} does not exist`);
    return { name, properties };
  }
  async listNamespaces(): Promise<NamespaceDescription[]> {
    return [...this.cluster.namespaces].map(([name, properties]) => ({ name, properties }));
  }
  async listNamespaceTables(namespace: string): Promise<TableDescription[]> {
    await this.describeNamespace(namespace);
    return [...this.cluster.tables.values()].filter((t) => namespaceOf(t.name) === namespace).map((t) => this.describe(t));
  }
  async listRegions(table?: string): Promise<RegionDescription[]> {
    const tables = table ? [this.cluster.stored(table)] : [...this.cluster.tables.values()];
    return tables.flatMap((t) => {
      const bounds = [Buffer.alloc(0), ...t.splits, Buffer.alloc(0)];
      return t.splits.concat([Buffer.alloc(0)]).map((_, k) => ({
        table: t.name, encodedName: encodeRegionName(t.name, bounds[k]!, 1000 + k), regionId: 1000 + k, startKey: bounds[k]!, endKey: bounds[k + 1]!,
        serverName: '127.0.0.1:16020,1', address: '127.0.0.1:16020', state: 'OPEN', openEpoch: 1, stateSinceMs: 0, reason: '',
      }));
    });
  }
  async getSplits(table: string): Promise<Buffer[]> {
    return this.cluster.stored(table).splits;
  }
  async split(target: RegionTargetInput, key?: BytesInput): Promise<void> {
    this.cluster.calls.push(`split ${JSON.stringify(target)} ${key === undefined ? '' : toBytes(key).toString('utf8')}`.trim());
  }
  async merge(regions: string[]): Promise<void> {
    this.cluster.calls.push(`merge ${regions.join(',')}`);
  }
  async move(region: string, server?: string): Promise<void> {
    this.cluster.calls.push(`move ${region} ${server ?? ''}`.trim());
  }
  async assign(region: string): Promise<void> {
    this.cluster.calls.push(`assign ${region}`);
  }
  async unassign(region: string): Promise<void> {
    this.cluster.calls.push(`unassign ${region}`);
  }
  async flush(target: RegionTargetInput): Promise<void> {
    if ('table' in target) this.cluster.stored(target.table);
    this.cluster.calls.push(`flush ${JSON.stringify(target)}`);
  }
  async compact(target: RegionTargetInput): Promise<void> {
    this.cluster.calls.push(`compact ${JSON.stringify(target)}`);
  }
  async majorCompact(target: RegionTargetInput): Promise<void> {
    this.cluster.calls.push(`major_compact ${JSON.stringify(target)}`);
  }
  async balance(): Promise<{ ran: boolean; moves: number }> {
    return { ran: this.cluster.balancerOn, moves: 0 };
  }
  async balancerSwitch(on: boolean): Promise<boolean> {
    const previous = this.cluster.balancerOn;
    this.cluster.balancerOn = on;
    return previous;
  }
  async clusterStatus(): Promise<ClusterStatus> {
    const regions = await this.listRegions();
    return {
      clusterId: 'fake-cluster', master: '127.0.0.1:16000,1', backupMasters: [], deadServers: [], regionsInTransition: [], procedures: [],
      liveServers: [{ serverName: '127.0.0.1:16020,1', address: '127.0.0.1:16020', regionCount: regions.length, readRequests: 0, writeRequests: 0, requestsPerSecond: 0, memstoreSizeBytes: 0, storeFileSizeBytes: 0, storeFileCount: 0, lastReportAgoMs: 0 }],
      regionCount: regions.length, tableCount: this.cluster.tables.size, averageLoad: regions.length, balancerOn: this.cluster.balancerOn, version: '0.1.0',
    };
  }
}
