/**
 * The master's admin operations, validated before anything is persisted (bad input changes
 * nothing): table DDL and assignment become procedures; reads answer from the active master's
 * state. The gRPC layer (service.ts) only decodes and encodes.
 */
import { compareBytes } from '../common/bytes.js';
import { BasaltError, ErrorCodes, invalidArgument } from '../common/errors.js';
import { META_ENCODED_NAME, META_TABLE } from '../common/meta.js';
import { namespaceOf, qualifyTableName, SYSTEM_NAMESPACE } from '../common/table-names.js';
import { basalt } from '../proto/generated/basalt.js';
import type { ActiveMaster } from './active-master.js';
import { regionSpecs } from './procedures/context.js';
import { mergeProcedureData, splitProcedureData } from './procedures/split-merge.js';
import type { RegionNode } from './region-states.js';
import { MAX_PRESPLIT_REGIONS, splitKeysFor } from './split-keys.js';
import { normalizeFamily, TableStore, validateFamilies, type Family, type TableRecord } from './table-store.js';

import pb = basalt.master;

const MAX_SPLIT_KEY_BYTES = 32 * 1024;

export class MasterAdminOps {
  constructor(private readonly m: ActiveMaster) {}

  private async userTable(name: string | null | undefined, field = 'name'): Promise<TableRecord> {
    const qualified = qualifyTableName(name ?? '', field);
    if (qualified === META_TABLE) throw invalidArgument(field, 'the meta table cannot be changed');
    return this.m.tables.require(qualified);
  }

  private families(descriptor: pb.ITableDescriptor): Family[] {
    const families = (descriptor.families ?? []).map((f, i) => normalizeFamily(f, `descriptor.families[${i}]`));
    validateFamilies(families, 'descriptor.families');
    return families;
  }

  async createTable(req: pb.ICreateTableRequest): Promise<number> {
    const descriptor = req.descriptor ?? {};
    const name = qualifyTableName(descriptor.name ?? '', 'descriptor.name');
    if (namespaceOf(name) === SYSTEM_NAMESPACE) throw invalidArgument('descriptor.name', 'tables cannot be created in the basalt namespace');
    const families = this.families(descriptor);
    await this.m.tables.requireNamespace(namespaceOf(name));
    let splits: Buffer[];
    if ((req.splitKeys ?? []).length > 0) {
      if (req.numRegions) throw invalidArgument('numRegions', 'give split keys or numRegions, not both');
      splits = (req.splitKeys ?? []).map((k, i) => {
        const key = Buffer.from(k);
        if (key.length === 0) throw invalidArgument(`splitKeys[${i}]`, 'a split key cannot be empty');
        if (key.length > MAX_SPLIT_KEY_BYTES) throw invalidArgument(`splitKeys[${i}]`, `longer than ${MAX_SPLIT_KEY_BYTES} bytes`);
        return key;
      });
      if (splits.length >= MAX_PRESPLIT_REGIONS) throw invalidArgument('splitKeys', `at most ${MAX_PRESPLIT_REGIONS - 1} split keys`);
      splits.sort(compareBytes);
      for (let i = 1; i < splits.length; i++) {
        if (compareBytes(splits[i - 1]!, splits[i]!) === 0) throw invalidArgument('splitKeys', `split key ${splits[i]!.toString('hex')} given twice`);
      }
    } else if (req.numRegions && req.numRegions > 1) {
      splits = splitKeysFor(req.numRegions, req.splitAlgorithm ?? '');
    } else {
      splits = [];
    }
    if (await this.m.tables.get(name)) throw new BasaltError(ErrorCodes.TABLE_EXISTS, `table ${name} already exists`, { table: name });
    const record: TableRecord = { name, families, state: 'ENABLING', createdBy: 0 };
    const regions = regionSpecs(name, splits, this.m.clock.now());
    return (await this.m.submit('createTable', name, { table: record, regions }, 'descriptor')).id;
  }

  async deleteTable(name: string | null | undefined): Promise<number> {
    const t = await this.userTable(name);
    if (t.state !== 'DISABLED') throw new BasaltError(ErrorCodes.TABLE_NOT_DISABLED, `table ${t.name} must be disabled before it is deleted`, { table: t.name });
    return (await this.m.submit('deleteTable', t.name, {}, 'check')).id;
  }

  async enableTable(name: string | null | undefined): Promise<number> {
    const t = await this.userTable(name);
    if (t.state === 'ENABLED') throw new BasaltError(ErrorCodes.TABLE_NOT_DISABLED, `table ${t.name} is already enabled`, { table: t.name });
    return (await this.m.submit('enableTable', t.name, {}, 'check')).id;
  }

  async disableTable(name: string | null | undefined): Promise<number> {
    const t = await this.userTable(name);
    if (t.state === 'DISABLED') throw new BasaltError(ErrorCodes.TABLE_NOT_ENABLED, `table ${t.name} is already disabled`, { table: t.name });
    return (await this.m.submit('disableTable', t.name, {}, 'check')).id;
  }

  async truncateTable(req: pb.ITruncateTableRequest): Promise<number> {
    const t = await this.userTable(req.name);
    if (t.state !== 'DISABLED') throw new BasaltError(ErrorCodes.TABLE_NOT_DISABLED, `table ${t.name} must be disabled before it is truncated`, { table: t.name });
    return (await this.m.submit('truncateTable', t.name, { preserveSplits: req.preserveSplits ?? false }, 'check')).id;
  }

  async modifyTable(req: pb.IModifyTableRequest): Promise<number> {
    const descriptor = req.descriptor ?? {};
    const t = await this.userTable(descriptor.name, 'descriptor.name');
    const families = this.families(descriptor);
    return (await this.m.submit('modifyTable', t.name, { families }, 'update')).id;
  }

  async listTables(req: pb.IListTablesRequest): Promise<pb.ITableInfo[]> {
    let pattern: RegExp | undefined;
    if (req.pattern) {
      try {
        pattern = new RegExp(`^(?:${req.pattern})$`);
      } catch (err) {
        throw invalidArgument('pattern', `not a regular expression: ${(err as Error).message}`);
      }
    }
    const tables = await this.m.tables.list();
    if (req.includeSystem) tables.push(TableStore.metaRecord());
    return tables
      .filter((t) => !req.namespace || namespaceOf(t.name) === req.namespace)
      .filter((t) => !pattern || pattern.test(t.name) || (namespaceOf(t.name) === 'default' && pattern.test(t.name.slice('default:'.length))))
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map(tableInfo);
  }

  async describeTable(name: string | null | undefined): Promise<pb.ITableInfo> {
    const qualified = qualifyTableName(name ?? '', 'name');
    return tableInfo(await this.m.tables.require(qualified));
  }

  async tableExists(name: string | null | undefined): Promise<boolean> {
    return (await this.m.tables.get(qualifyTableName(name ?? '', 'name'))) !== undefined;
  }

  // ---- regions ----

  listRegions(table: string | null | undefined): pb.IRegionLocation[] {
    const nodes = table ? this.m.states.ofTable(qualifyTableName(table, 'table')) : this.m.states.all().sort((a, b) => (a.region.table < b.region.table ? -1 : a.region.table > b.region.table ? 1 : compareBytes(a.region.startKey, b.region.startKey)));
    return nodes.map(regionLocation);
  }

  private region(encodedName: string | null | undefined, field = 'region'): RegionNode {
    if (!encodedName) throw invalidArgument(field, 'a region (encoded name) is required');
    const node = this.m.states.get(encodedName);
    if (!node) throw new BasaltError(ErrorCodes.REGION_NOT_FOUND, `region ${encodedName} does not exist`, { region: encodedName });
    return node;
  }

  async move(req: pb.IMoveRequest): Promise<number> {
    const node = this.region(req.region);
    let target = '';
    if (req.server) {
      const server = this.m.servers.find(req.server);
      if (!server) throw new BasaltError(ErrorCodes.NO_SERVER_AVAILABLE, `server ${req.server} is not a live region server`, { server: req.server, field: 'server' });
      target = server.serverName;
    }
    return (await this.m.submit('move', node.region.encodedName, { region: node.region.encodedName, table: node.region.table, target }, 'close')).id;
  }

  async assign(req: pb.IRegionTarget): Promise<number> {
    const node = this.region(req.region);
    return (await this.m.submit('assign', node.region.encodedName, { region: node.region.encodedName, table: node.region.table }, 'assign')).id;
  }

  async unassign(req: pb.IRegionTarget): Promise<number> {
    const node = this.region(req.region);
    if (node.region.encodedName === META_ENCODED_NAME) throw invalidArgument('region', 'the meta region cannot be unassigned');
    return (await this.m.submit('unassign', node.region.encodedName, { region: node.region.encodedName, table: node.region.table }, 'unassign')).id;
  }

  /** The open regions a flush or compaction goes to. */
  private targets(target: pb.IRegionTarget | null | undefined): RegionNode[] {
    if (target?.region) return [this.region(target.region, 'target.region')];
    if (!target?.table) throw invalidArgument('target', 'a table or a region is required');
    const qualified = qualifyTableName(target.table, 'target.table');
    const nodes = this.m.states.ofTable(qualified);
    if (nodes.length === 0) throw new BasaltError(ErrorCodes.TABLE_NOT_FOUND, `table ${qualified} does not exist`, { table: qualified });
    return nodes;
  }

  async flush(target: pb.IRegionTarget): Promise<void> {
    await this.eachOpen(this.targets(target), (client, name) => client.flushRegion(name));
  }

  async compact(req: pb.ICompactRequest): Promise<void> {
    await this.eachOpen(this.targets(req.target), (client, name) => client.compactRegion(name, req.major ?? false));
  }

  private async eachOpen(nodes: RegionNode[], fn: (client: import('../client/rpc/region-server-client.js').RegionServerClient, name: string) => Promise<unknown>): Promise<void> {
    for (const node of nodes) {
      if (node.state !== 'OPEN') continue;
      const server = this.m.servers.get(node.serverName);
      if (server) await fn(server.client, node.region.encodedName);
    }
  }

  /**
   * Splits a region at a key, or at its middle; a table target splits the region holding the key,
   * or every region of the table at its middle (the procedures queue on the table's lock, so the
   * returned one — the last — ends after all of them).
   */
  async split(req: pb.ISplitRequest): Promise<number> {
    const key = req.hasSplitKey ? Buffer.from(req.splitKey ?? []) : undefined;
    if (key !== undefined && key.length === 0) throw invalidArgument('splitKey', 'a split key cannot be empty');
    if (key !== undefined && key.length > MAX_SPLIT_KEY_BYTES) throw invalidArgument('splitKey', `longer than ${MAX_SPLIT_KEY_BYTES} bytes`);
    let nodes: RegionNode[];
    if (req.target?.region) {
      nodes = [this.region(req.target.region, 'target.region')];
    } else {
      const t = await this.userTable(req.target?.table, 'target.table');
      if (key !== undefined) {
        const holder = this.m.states.holding(t.name, key);
        if (!holder) throw new BasaltError(ErrorCodes.REGION_IN_TRANSITION, `no region of ${t.name} holds the split key now`, { table: t.name });
        nodes = [holder];
      } else {
        nodes = this.m.states.ofTable(t.name);
      }
    }
    for (const node of nodes) {
      if (node.region.table === META_TABLE) throw invalidArgument('target', 'the meta region is never split');
      if (node.state !== 'OPEN') throw new BasaltError(ErrorCodes.REGION_IN_TRANSITION, `region ${node.region.encodedName} is ${node.state}`, { region: node.region.encodedName, state: node.state });
      if (key !== undefined && (compareBytes(key, node.region.startKey) <= 0 || (node.region.endKey.length > 0 && compareBytes(key, node.region.endKey) >= 0))) {
        throw invalidArgument('splitKey', `must lie strictly inside region ${node.region.encodedName}`);
      }
    }
    const t = await this.m.tables.require(nodes[0]?.region.table ?? qualifyTableName(req.target?.table ?? '', 'target.table'));
    if (t.state !== 'ENABLED') throw new BasaltError(ErrorCodes.TABLE_NOT_ENABLED, `table ${t.name} is ${t.state}`, { table: t.name });
    let last = 0;
    for (const node of nodes) {
      last = (await this.m.submit('split', node.region.encodedName, splitProcedureData(node, key, this.m.clock.now()), 'prepare')).id;
    }
    return last;
  }

  /** Merges two adjacent open regions of one table (given in any order). */
  async merge(req: pb.IMergeRequest): Promise<number> {
    const names = req.regions ?? [];
    if (names.length !== 2) throw invalidArgument('regions', 'exactly two adjacent regions');
    const nodes = names.map((n, i) => this.region(n, `regions[${i}]`)).sort((a, b) => compareBytes(a.region.startKey, b.region.startKey));
    const [a, b] = nodes as [RegionNode, RegionNode];
    if (a.region.encodedName === b.region.encodedName) throw invalidArgument('regions', 'a region cannot be merged with itself');
    if (a.region.table !== b.region.table) throw invalidArgument('regions', 'regions of two tables');
    if (a.region.table === META_TABLE) throw invalidArgument('regions', 'the meta region is never merged');
    if (compareBytes(a.region.endKey, b.region.startKey) !== 0 || a.region.endKey.length === 0) throw invalidArgument('regions', 'the regions are not adjacent');
    for (const n of nodes) {
      if (n.state !== 'OPEN') throw new BasaltError(ErrorCodes.REGION_IN_TRANSITION, `region ${n.region.encodedName} is ${n.state}`, { region: n.region.encodedName, state: n.state });
    }
    const t = await this.m.tables.require(a.region.table);
    if (t.state !== 'ENABLED') throw new BasaltError(ErrorCodes.TABLE_NOT_ENABLED, `table ${t.name} is ${t.state}`, { table: t.name });
    return (await this.m.submit('merge', a.region.encodedName, mergeProcedureData(a, b, this.m.clock.now()), 'prepare')).id;
  }

  // ---- status ----

  clusterStatus(master: string, backupMasters: string[], version: string): pb.IClusterStatus {
    const now = this.m.clock.now();
    const counts = this.m.states.countsByServer();
    const live = this.m.servers.liveServers().map((s): pb.IServerStatus => ({
      serverName: s.serverName,
      address: s.address,
      regionCount: counts.get(s.serverName) ?? 0,
      readRequests: s.load?.readRequests ?? 0,
      writeRequests: s.load?.writeRequests ?? 0,
      requestsPerSecond: s.requestsPerSecond,
      memstoreSizeBytes: s.load?.memstoreSizeBytes ?? 0,
      storeFileSizeBytes: s.load?.storeFileSizeBytes ?? 0,
      storeFileCount: (s.load?.regions ?? []).reduce((n, r) => n + r.storeFileCount, 0),
      lastReportMs: s.loadAtMs > 0 ? Math.max(0, Math.round(this.m.clock.monotonic() - s.loadAtMs)) : 0,
      regions: (s.load?.regions ?? []).map((r) => ({ ...r })),
      heapUsedBytes: s.load?.heapUsedBytes ?? 0,
      heapMaxBytes: s.load?.heapMaxBytes ?? 0,
    }));
    const regions = this.m.states.all();
    const tables = new Set(regions.map((n) => n.region.table));
    return {
      clusterId: this.m.clusterId,
      master,
      backupMasters,
      liveServers: live,
      deadServers: this.m.servers.deadServers().map((d) => d.serverName),
      regionsInTransition: this.m.states.inTransition().map((n) => ({ region: regionLocation(n), durationMs: Math.max(0, now - n.sinceMs) })),
      procedures: this.m.executor.list().map(procedureInfo),
      regionCount: regions.length,
      tableCount: tables.size,
      balancerOn: this.m.balancerOn,
      version,
      averageLoad: live.length ? regions.filter((n) => n.state === 'OPEN').length / live.length : 0,
    };
  }
}

export function tableInfo(t: TableRecord): pb.ITableInfo {
  return { descriptor: { name: t.name, families: t.families }, state: t.state };
}

export function regionLocation(n: RegionNode): pb.IRegionLocation {
  const r = n.region;
  return {
    info: { table: r.table, startKey: r.startKey, endKey: r.endKey, regionId: r.regionId, encodedName: r.encodedName },
    serverName: n.serverName,
    address: n.address,
    openEpoch: n.openEpoch,
    state: n.state,
    stateSinceMs: n.sinceMs,
    reason: n.reason,
  };
}

export function procedureInfo(p: import('./procedures/store.js').ProcedureRecord): pb.IProcedureInfo {
  return {
    procedureId: p.id,
    type: p.type,
    state: p.state,
    step: p.step,
    target: p.target,
    startedMs: p.startedMs,
    updatedMs: p.updatedMs,
    ...(p.error ? { error: { code: p.error.code, message: p.error.message, detailsJson: '{}' } } : {}),
  };
}
