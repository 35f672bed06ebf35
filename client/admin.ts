/**
 * The Admin API over the master's unary methods (common/master-wire.ts). Long operations answer
 * with a procedure id; the admin polls GetProcedure until SUCCESS (resolve) or FAILED (reject
 * with the procedure's own error code), across master failovers (procedures survive them).
 */
import { basalt } from '../proto/generated/basalt.js';
import { BasaltError, ErrorCodes, invalidArgument } from '../common/errors.js';
import { fromWireError } from '../common/grpc-errors.js';
import { int64ToNumber as num } from '../common/proto-numbers.js';
import { regionLoadSummaryFromProto } from '../common/rs-wire/load.js';
import { qualifyTableName, validateNamespace } from '../common/table-names.js';
import type {
  Admin,
  BytesInput,
  ClusterStatus,
  CreateTableInput,
  FamilyDescription,
  FamilyInput,
  NamespaceDescription,
  ProcedureDescription,
  RegionDescription,
  RegionTargetInput,
  ServerDescription,
  TableDescription,
  TableState,
} from './api.js';
import type { ClusterConnection } from './connection.js';
import { family as familyName, toBuffer } from './convert.js';
import { sleep } from './retry.js';

import pb = basalt.master;
import rpb = basalt.regionserver;

const KEEP_DELETED: Record<string, string> = { true: 'TRUE', false: 'FALSE', TRUE: 'TRUE', FALSE: 'FALSE', TTL: 'TTL' };
const BLOOMS: ReadonlySet<string> = new Set(['NONE', 'ROW', 'ROWCOL']);

function nonNegativeInt(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw invalidArgument(field, 'must be a non-negative integer');
  return value;
}

/** A family as the user gives it → the wire descriptor; `base` fills unnamed attributes (modifyFamily). */
export function familyToWire(input: FamilyInput | string, field: string, base?: rpb.IFamilyDescriptor): rpb.IFamilyDescriptor {
  const f: FamilyInput = typeof input === 'string' ? { name: input } : input;
  if (typeof f !== 'object' || f === null) throw invalidArgument(field, 'a family name or { name, … }');
  const out: rpb.IFamilyDescriptor = { ...(base ?? {}), name: familyName(f.name, `${field}.name`) };
  if (f.versions !== undefined) {
    if (nonNegativeInt(f.versions, `${field}.versions`) < 1) throw invalidArgument(`${field}.versions`, 'must be ≥ 1');
    out.maxVersions = f.versions;
  }
  if (f.minVersions !== undefined) out.minVersions = nonNegativeInt(f.minVersions, `${field}.minVersions`);
  if (f.ttl !== undefined) out.ttlSeconds = nonNegativeInt(f.ttl, `${field}.ttl`);
  if (f.keepDeletedCells !== undefined) {
    const k = KEEP_DELETED[String(f.keepDeletedCells)];
    if (!k) throw invalidArgument(`${field}.keepDeletedCells`, 'true | false | TTL');
    out.keepDeletedCells = k;
  }
  if (f.bloomFilter !== undefined) {
    if (!BLOOMS.has(f.bloomFilter)) throw invalidArgument(`${field}.bloomFilter`, 'NONE | ROW | ROWCOL');
    out.bloomFilter = f.bloomFilter;
  }
  if (f.inMemory !== undefined) {
    if (typeof f.inMemory !== 'boolean') throw invalidArgument(`${field}.inMemory`, 'must be a boolean');
    out.inMemory = f.inMemory;
  }
  return out;
}

function familyFromWire(f: rpb.IFamilyDescriptor): FamilyDescription {
  return {
    name: f.name ?? '',
    versions: f.maxVersions || 1,
    minVersions: f.minVersions ?? 0,
    ttl: num(f.ttlSeconds),
    keepDeletedCells: (f.keepDeletedCells || 'FALSE') as FamilyDescription['keepDeletedCells'],
    bloomFilter: (f.bloomFilter || 'ROW') as FamilyDescription['bloomFilter'],
    inMemory: f.inMemory === true,
  };
}

function tableFromWire(t: pb.ITableInfo): TableDescription {
  return {
    name: t.descriptor?.name ?? '',
    families: (t.descriptor?.families ?? []).map(familyFromWire),
    state: (t.state || 'ENABLED') as TableState,
  };
}

function regionFromWire(r: pb.IRegionLocation): RegionDescription {
  return {
    table: r.info?.table ?? '',
    encodedName: r.info?.encodedName ?? '',
    regionId: num(r.info?.regionId),
    startKey: Buffer.from(r.info?.startKey ?? []),
    endKey: Buffer.from(r.info?.endKey ?? []),
    serverName: r.serverName ?? '',
    address: r.address ?? '',
    state: r.state ?? '',
    openEpoch: num(r.openEpoch),
    stateSinceMs: num(r.stateSinceMs),
    reason: r.reason ?? '',
  };
}

function procedureFromWire(p: pb.IProcedureInfo): ProcedureDescription {
  const out: ProcedureDescription = {
    id: num(p.procedureId),
    type: p.type ?? '',
    state: (p.state || 'RUNNING') as ProcedureDescription['state'],
    step: p.step ?? '',
    target: p.target ?? '',
    startedMs: num(p.startedMs),
    updatedMs: num(p.updatedMs),
  };
  if (p.error?.code) out.error = { code: p.error.code, message: p.error.message ?? '' };
  return out;
}

function serverFromWire(s: pb.IServerStatus): ServerDescription {
  return {
    serverName: s.serverName ?? '',
    address: s.address ?? '',
    regionCount: s.regionCount ?? 0,
    readRequests: num(s.readRequests),
    writeRequests: num(s.writeRequests),
    requestsPerSecond: s.requestsPerSecond ?? 0,
    memstoreSizeBytes: num(s.memstoreSizeBytes),
    storeFileSizeBytes: num(s.storeFileSizeBytes),
    storeFileCount: s.storeFileCount ?? 0,
    lastReportAgoMs: num(s.lastReportMs),
    heapUsedBytes: num(s.heapUsedBytes),
    heapMaxBytes: num(s.heapMaxBytes),
    regions: (s.regions ?? []).map(regionLoadSummaryFromProto),
  };
}

function target(t: RegionTargetInput): pb.IRegionTarget {
  if (typeof t !== 'object' || t === null) throw invalidArgument('target', '{ table } or { region }');
  if ('table' in t && t.table !== undefined) return { table: qualifyTableName(t.table, 'target.table') };
  if ('region' in t && typeof t.region === 'string' && t.region.length > 0) return { region: t.region };
  throw invalidArgument('target', '{ table } or { region }');
}

function regionName(name: unknown, field: string): string {
  if (typeof name !== 'string' || name.length === 0) throw invalidArgument(field, 'a region encoded name is required');
  return name;
}

export class AdminClient implements Admin {
  constructor(private readonly conn: ClusterConnection) {}

  private get master() {
    return this.conn.master;
  }

  /** Polls a procedure until it ends: SUCCESS resolves, FAILED rejects with its error code. */
  private async waitFor(id: pb.IProcedureId, what: string): Promise<void> {
    const procedureId = num(id.procedureId);
    const budget = this.conn.retrier.budget(what);
    let delay = 20;
    for (;;) {
      const info = await this.master.call('GetProcedure', { procedureId }, { what: `${what} (procedure ${procedureId})` });
      if (info.state === 'SUCCESS') return;
      if (info.state === 'FAILED') {
        const cause = info.error?.code ? fromWireError(info.error) : new BasaltError(ErrorCodes.PROCEDURE_FAILED, `${what} failed`);
        throw new BasaltError(cause.code, cause.message, { ...cause.details, procedureId });
      }
      if (budget.remainingMs() <= 0) {
        throw new BasaltError(ErrorCodes.TIMEOUT, `${what}: procedure ${procedureId} still ${info.state} (${info.step}) after ${this.conn.policy.operationTimeoutMs} ms`, {
          procedureId,
          outcome: 'unknown',
        });
      }
      await sleep(Math.min(delay, Math.max(1, budget.remainingMs())));
      delay = Math.min(delay * 2, 500);
    }
  }

  private async procedure(method: Parameters<AdminClient['master']['call']>[0], request: object, what: string): Promise<void> {
    const id = (await this.master.call(method, request, { what })) as pb.IProcedureId;
    await this.waitFor(id, what);
  }

  async createTable(table: CreateTableInput): Promise<void> {
    if (typeof table !== 'object' || table === null) throw invalidArgument('table', 'must be an object');
    const name = qualifyTableName(table.name, 'name');
    if (!Array.isArray(table.families) || table.families.length === 0) throw invalidArgument('families', 'at least one column family');
    const families = table.families.map((f, i) => familyToWire(f, `families[${i}]`));
    const request: pb.ICreateTableRequest = { descriptor: { name, families } };
    if (table.splits !== undefined) {
      if (!Array.isArray(table.splits)) throw invalidArgument('splits', 'must be an array');
      if (table.numRegions !== undefined) throw invalidArgument('numRegions', 'give splits or numRegions, not both');
      request.splitKeys = table.splits.map((k, i) => toBuffer(k, `splits[${i}]`));
    }
    if (table.numRegions !== undefined) {
      if (!Number.isSafeInteger(table.numRegions) || table.numRegions < 1) throw invalidArgument('numRegions', 'must be a positive integer');
      request.numRegions = table.numRegions;
      request.splitAlgorithm = table.splitAlgorithm ?? 'HexStringSplit';
    }
    await this.procedure('CreateTable', request, `createTable ${name}`);
  }

  async deleteTable(name: string): Promise<void> {
    const table = qualifyTableName(name);
    await this.procedure('DeleteTable', { name: table }, `deleteTable ${table}`);
    this.conn.locator.cache.clearTable(table);
  }

  async enableTable(name: string): Promise<void> {
    const table = qualifyTableName(name);
    await this.procedure('EnableTable', { name: table }, `enableTable ${table}`);
  }

  async disableTable(name: string): Promise<void> {
    const table = qualifyTableName(name);
    await this.procedure('DisableTable', { name: table }, `disableTable ${table}`);
    this.conn.locator.cache.clearTable(table);
  }

  async truncateTable(name: string, options: { preserveSplits?: boolean } = {}): Promise<void> {
    const table = qualifyTableName(name);
    await this.procedure('TruncateTable', { name: table, preserveSplits: options.preserveSplits === true }, `truncateTable ${table}`);
    this.conn.locator.cache.clearTable(table);
  }

  private async modify(tableName: string, change: (families: rpb.IFamilyDescriptor[]) => rpb.IFamilyDescriptor[], what: string): Promise<void> {
    const table = qualifyTableName(tableName);
    const info = await this.master.call('DescribeTable', { name: table });
    const families = change([...(info.descriptor?.families ?? [])]);
    await this.procedure('ModifyTable', { descriptor: { name: table, families } }, `${what} ${table}`);
  }

  async addFamily(table: string, family: FamilyInput | string): Promise<void> {
    const wire = familyToWire(family, 'family');
    await this.modify(table, (families) => [...families, wire], 'addFamily');
  }

  async modifyFamily(table: string, family: FamilyInput): Promise<void> {
    const name = familyName(family?.name, 'family.name');
    await this.modify(
      table,
      (families) => {
        const i = families.findIndex((f) => f.name === name);
        if (i < 0) throw new BasaltError(ErrorCodes.NO_SUCH_FAMILY, `no column family '${name}'`, { field: 'family.name', family: name });
        families[i] = familyToWire(family, 'family', families[i]);
        return families;
      },
      'modifyFamily',
    );
  }

  async deleteFamily(table: string, family: string): Promise<void> {
    const name = familyName(family, 'family');
    await this.modify(
      table,
      (families) => {
        if (!families.some((f) => f.name === name)) throw new BasaltError(ErrorCodes.NO_SUCH_FAMILY, `no column family '${name}'`, { field: 'family', family: name });
        return families.filter((f) => f.name !== name);
      },
      'deleteFamily',
    );
  }

  async listTables(options: { pattern?: string | RegExp; includeSystem?: boolean; namespace?: string } = {}): Promise<TableDescription[]> {
    const pattern = options.pattern instanceof RegExp ? options.pattern.source : (options.pattern ?? '');
    if (typeof pattern !== 'string') throw invalidArgument('pattern', 'a string or RegExp');
    const request: pb.IListTablesRequest = { pattern, includeSystem: options.includeSystem === true };
    if (options.namespace !== undefined) request.namespace = validateNamespace(options.namespace);
    const r = await this.master.call('ListTables', request);
    return r.tables.map(tableFromWire);
  }

  async describeTable(name: string): Promise<TableDescription> {
    return tableFromWire(await this.master.call('DescribeTable', { name: qualifyTableName(name) }));
  }

  async tableExists(name: string): Promise<boolean> {
    return (await this.master.call('TableExists', { name: qualifyTableName(name) })).exists === true;
  }

  async isTableEnabled(name: string): Promise<boolean> {
    return (await this.describeTable(name)).state === 'ENABLED';
  }

  async isTableDisabled(name: string): Promise<boolean> {
    return (await this.describeTable(name)).state === 'DISABLED';
  }

  async createNamespace(name: string, properties: Record<string, string> = {}): Promise<void> {
    await this.master.call('CreateNamespace', { descriptor: { name: validateNamespace(name), properties } });
  }

  async modifyNamespace(name: string, properties: Record<string, string>): Promise<void> {
    if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) throw invalidArgument('properties', 'an object of string values');
    for (const [k, v] of Object.entries(properties)) {
      if (k.length === 0) throw invalidArgument('properties', 'a property name is empty');
      if (typeof v !== 'string') throw invalidArgument(`properties.${k}`, 'a string');
    }
    await this.master.call('ModifyNamespace', { descriptor: { name: validateNamespace(name), properties } });
  }

  async deleteNamespace(name: string): Promise<void> {
    await this.master.call('DeleteNamespace', { name: validateNamespace(name) });
  }

  async describeNamespace(name: string): Promise<NamespaceDescription> {
    const d = await this.master.call('DescribeNamespace', { name: validateNamespace(name) });
    return { name: d.name, properties: { ...(d.properties ?? {}) } };
  }

  async listNamespaces(): Promise<NamespaceDescription[]> {
    const r = await this.master.call('ListNamespaces', {});
    return r.namespaces.map((d) => ({ name: d.name ?? '', properties: { ...(d.properties ?? {}) } }));
  }

  async listNamespaceTables(namespace: string): Promise<TableDescription[]> {
    return this.listTables({ namespace, includeSystem: true });
  }

  async listRegions(table?: string): Promise<RegionDescription[]> {
    const r = await this.master.call('ListRegions', { table: table === undefined ? '' : qualifyTableName(table) });
    return r.regions.map(regionFromWire);
  }

  async getSplits(table: string): Promise<Buffer[]> {
    const regions = await this.listRegions(table);
    return regions
      .map((r) => r.startKey)
      .filter((k) => k.length > 0)
      .sort(Buffer.compare);
  }

  async split(t: RegionTargetInput, splitKey?: BytesInput): Promise<void> {
    const request: pb.ISplitRequest = { target: target(t) };
    if (splitKey !== undefined) {
      request.splitKey = toBuffer(splitKey, 'splitKey');
      request.hasSplitKey = true;
    }
    await this.procedure('Split', request, 'split');
  }

  async merge(regions: string[]): Promise<void> {
    if (!Array.isArray(regions) || regions.length < 2) throw invalidArgument('regions', 'at least two adjacent regions');
    await this.procedure('Merge', { regions: regions.map((r, i) => regionName(r, `regions[${i}]`)) }, 'merge');
  }

  async move(region: string, server?: string): Promise<void> {
    await this.procedure('Move', { region: regionName(region, 'region'), server: server ?? '' }, `move ${region}`);
  }

  async assign(region: string): Promise<void> {
    await this.procedure('Assign', { region: regionName(region, 'region') }, `assign ${region}`);
  }

  async unassign(region: string): Promise<void> {
    await this.procedure('Unassign', { region: regionName(region, 'region') }, `unassign ${region}`);
  }

  async flush(t: RegionTargetInput): Promise<void> {
    await this.master.call('Flush', target(t));
  }

  async compact(t: RegionTargetInput): Promise<void> {
    await this.master.call('Compact', { target: target(t), major: false });
  }

  async majorCompact(t: RegionTargetInput): Promise<void> {
    await this.master.call('Compact', { target: target(t), major: true });
  }

  async balance(): Promise<{ ran: boolean; moves: number }> {
    const r = await this.master.call('Balance', {});
    return { ran: r.ran === true, moves: r.moves ?? 0 };
  }

  async balancerSwitch(on: boolean): Promise<boolean> {
    if (typeof on !== 'boolean') throw invalidArgument('on', 'must be a boolean');
    return (await this.master.call('BalancerSwitch', { on })).previous === true;
  }

  async clusterStatus(): Promise<ClusterStatus> {
    const s = await this.master.call('ClusterStatus', {});
    return {
      clusterId: s.clusterId ?? '',
      master: s.master ?? '',
      backupMasters: [...(s.backupMasters ?? [])],
      liveServers: (s.liveServers ?? []).map(serverFromWire),
      deadServers: [...(s.deadServers ?? [])],
      regionsInTransition: (s.regionsInTransition ?? []).map((r) => ({ region: regionFromWire(r.region ?? {}), durationMs: num(r.durationMs) })),
      procedures: (s.procedures ?? []).map(procedureFromWire),
      regionCount: s.regionCount ?? 0,
      tableCount: s.tableCount ?? 0,
      averageLoad: s.averageLoad ?? 0,
      balancerOn: s.balancerOn === true,
      version: s.version ?? '',
    };
  }
}
