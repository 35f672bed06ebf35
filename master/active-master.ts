/**
 * Everything that exists only while this master is the active one: the region-server tracker,
 * the region states loaded from meta, the assignment manager and the procedure executor. Built
 * fresh on every activation (a master never trusts what it knew before it last lost the lock),
 * in HBase's order: servers, meta, meta's rows, procedures, then reconciliation of what the
 * previous master left (regions on dead servers, enabled tables' unassigned regions).
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../common/clock.js';
import { BasaltError, ErrorCodes, isBasaltError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { META_ENCODED_NAME, META_TABLE } from '../common/meta.js';
import type { CoordClient } from '../coord/client/index.js';
import { AssignmentManager } from './assignment.js';
import { planMoves } from './balancer.js';
import { MetaStore } from './meta-store.js';
import type { MasterContext } from './procedures/context.js';
import { ProcedureExecutor, type ProcedureHandler } from './procedures/executor.js';
import { assignRegion, moveRegion, serverCrash, unassignRegion } from './procedures/region-procedures.js';
import { ProcedureStore, type ProcedureRecord } from './procedures/store.js';
import { mergeRegions, splitRegion } from './procedures/split-merge.js';
import { CatalogJanitor } from './catalog-janitor.js';
import { createTable, deleteTable, disableTable, enableTable, modifyTable, truncateTable } from './procedures/table-procedures.js';
import { RegionStates, type RegionNode } from './region-states.js';
import { ServerTracker } from './server-tracker.js';
import { TableStore } from './table-store.js';

export const CLUSTER_ID_ZNODE = '/basalt/cluster-id';
export const BALANCER_SWITCH_ZNODE = '/basalt/switches/balancer';

const HANDLERS: Record<string, ProcedureHandler<MasterContext>> = {
  createTable,
  deleteTable,
  disableTable,
  enableTable,
  truncateTable,
  modifyTable,
  assign: assignRegion,
  unassign: unassignRegion,
  move: moveRegion,
  serverCrash,
  split: splitRegion,
  merge: mergeRegions,
};

export interface ActiveMasterOptions {
  coord: CoordClient;
  clock: Clock;
  log: Logger;
  loadPeriodMs: number;
  balancerPeriodMs: number;
  /** False once this master lost the active role. */
  isActive(): boolean;
  /** False while the coordination lease is uncertain (disconnected): writes wait. */
  leaseValid(): boolean;
  /** Test hook, see ProcedureExecutor. */
  beforeCheckpoint?: (record: ProcedureRecord, step: string) => Promise<void>;
  /** Regions whose store files pass this are split automatically (0: never). */
  regionSplitSizeBytes?: number;
  /** How often the catalog janitor and the automatic splitter run (default: loadPeriodMs). */
  janitorPeriodMs?: number;
}

export class ActiveMaster {
  readonly states = new RegionStates();
  readonly servers: ServerTracker;
  readonly tables: TableStore;
  readonly meta: MetaStore;
  readonly am: AssignmentManager;
  readonly procedures: ProcedureStore;
  readonly executor: ProcedureExecutor<MasterContext>;
  clusterId = '';
  balancerOn = true;
  ready = false;
  private balancerTimer: NodeJS.Timeout | undefined;
  readonly janitor: CatalogJanitor;
  private janitorTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  readonly clock: Clock;

  constructor(private readonly o: ActiveMasterOptions) {
    this.clock = o.clock;
    this.servers = new ServerTracker(o.coord, o.clock, o.log, o.loadPeriodMs);
    this.tables = new TableStore(o.coord);
    this.meta = new MetaStore(o.coord, () => this.am.metaClient());
    this.am = new AssignmentManager({
      states: this.states,
      servers: this.servers,
      meta: this.meta,
      tables: this.tables,
      clock: o.clock,
      log: o.log,
      checkActive: () => this.checkActive(),
    });
    this.procedures = new ProcedureStore(o.coord);
    this.executor = new ProcedureExecutor(this.procedures, HANDLERS, () => this.context(), o.clock, o.log, o.beforeCheckpoint);
    this.janitor = new CatalogJanitor({
      coord: o.coord,
      states: this.states,
      servers: this.servers,
      am: this.am,
      meta: this.meta,
      clock: o.clock,
      log: o.log,
      regionSplitSizeBytes: o.regionSplitSizeBytes ?? 0,
      running: () => this.executor.running(),
      submit: (type, target, data, step) => this.submit(type, target, data, step),
    });
  }

  checkActive(): void {
    if (this.stopped || !this.o.isActive()) throw new BasaltError(ErrorCodes.MASTER_NOT_RUNNING, 'this master is no longer the active master');
    if (!this.o.leaseValid()) throw new BasaltError(ErrorCodes.UNAVAILABLE, 'the master cannot prove its coordination lease; waiting');
  }

  private context(): MasterContext {
    return {
      am: this.am,
      states: this.states,
      servers: this.servers,
      tables: this.tables,
      meta: this.meta,
      clock: this.o.clock,
      log: this.o.log,
      coord: this.o.coord,
      checkpoint: (record, step, data) => this.executor.checkpoint(record, step, data),
      submit: (type, target, data, step) => this.executor.submit(type, target, data, step),
    };
  }

  submit(type: string, target: string, data: Record<string, unknown>, step: string): Promise<ProcedureRecord> {
    this.checkActive();
    return this.executor.submit(type, target, data, step);
  }

  async start(): Promise<void> {
    const { coord, log } = this.o;
    const startedMs = this.o.clock.monotonic();
    // Every coordination step is idempotent and retried through transient trouble (a lost stream,
    // a coordination leader change): giving up here would stop the only master there may be.
    const retrying = <T>(what: string, fn: () => Promise<T>) => this.am.retrying(what, fn);
    await retrying('create the tables folder', () => this.tables.init());
    await retrying('create the procedures folder', () => this.procedures.init());
    this.clusterId = await retrying('read the cluster id', () => this.ensureClusterId());
    this.balancerOn = await retrying('read the balancer switch', () => this.readBalancerSwitch());

    // Servers that go away from now on are handled once activation is done.
    const departed: string[] = [];
    this.servers.on('removed', (name) => {
      if (this.ready) void this.onServerGone(name);
      else departed.push(name);
    });
    await retrying('watch the region servers', () => this.servers.start());
    while (this.servers.liveServers().length === 0) {
      await this.am.retrying('check the lease', async () => this.checkActive());
      log.info('waiting for a region server to register');
      await this.servers.waitForServers(1, 5_000);
    }

    // Meta first: its location is in the coordination service, every other region is in it.
    const location = await retrying('read the meta location', () => this.meta.readLocation());
    this.states.put({
      region: { table: META_TABLE, startKey: Buffer.alloc(0), endKey: Buffer.alloc(0), regionId: 1, encodedName: META_ENCODED_NAME, offline: false, split: false },
      state: (location?.state as RegionNode['state']) ?? 'OFFLINE',
      serverName: location?.serverName ?? '',
      address: location?.address ?? '',
      openEpoch: location?.openEpoch ?? 0,
      sinceMs: location?.sinceMs ?? this.o.clock.now(),
      reason: '',
    });
    // A lease briefly unprovable (a stalled event loop) is waited out, not a reason to give up.
    await this.am.retrying('assign meta', () => this.am.assign(META_ENCODED_NAME));
    const rows = await this.am.retrying('scan meta', () => this.meta.scanAll());
    for (const row of rows) {
      this.states.put({ region: row.region, state: row.state, serverName: row.serverName, address: row.address, openEpoch: row.openEpoch, sinceMs: row.sinceMs, reason: row.reason });
    }

    const records = await retrying('read the procedures', () => this.procedures.list());
    this.executor.resumeAll(records);
    this.ready = true;
    await this.reconcile(departed);

    this.balancerTimer = setInterval(() => void this.balance().catch(() => undefined), Math.max(1_000, this.o.balancerPeriodMs));
    this.balancerTimer.unref();
    if (this.o.balancerPeriodMs === 0) clearInterval(this.balancerTimer);
    this.janitorTimer = setInterval(() => void this.janitor.tick(), Math.max(100, this.o.janitorPeriodMs ?? this.o.loadPeriodMs));
    this.janitorTimer.unref();
    log.info(
      { regions: this.states.all().length, procedures: records.filter((r) => r.state === 'RUNNING').length, clusterId: this.clusterId, tookMs: Math.round(this.o.clock.monotonic() - startedMs) },
      'active master initialised',
    );
    void coord;
  }

  stop(): void {
    this.stopped = true;
    if (this.balancerTimer) clearInterval(this.balancerTimer);
    if (this.janitorTimer) clearInterval(this.janitorTimer);
    this.executor.stop();
    this.servers.stop();
  }

  private async ensureClusterId(): Promise<string> {
    try {
      return (await this.o.coord.getData(CLUSTER_ID_ZNODE)).data.toString('utf8');
    } catch (err) {
      if (!isBasaltError(err, ErrorCodes.NO_NODE)) throw err;
    }
    const id = randomUUID();
    try {
      await this.o.coord.create(CLUSTER_ID_ZNODE, id);
      return id;
    } catch (err) {
      if (!isBasaltError(err, ErrorCodes.NODE_EXISTS)) throw err;
      return (await this.o.coord.getData(CLUSTER_ID_ZNODE)).data.toString('utf8');
    }
  }

  private async readBalancerSwitch(): Promise<boolean> {
    try {
      return (await this.o.coord.getData(BALANCER_SWITCH_ZNODE)).data.toString('utf8') !== 'false';
    } catch (err) {
      if (!isBasaltError(err, ErrorCodes.NO_NODE)) throw err;
      return true;
    }
  }

  async setBalancerSwitch(on: boolean): Promise<boolean> {
    const previous = this.balancerOn;
    try {
      await this.o.coord.setData(BALANCER_SWITCH_ZNODE, String(on));
    } catch (err) {
      if (!isBasaltError(err, ErrorCodes.NO_NODE)) throw err;
      await this.o.coord.create('/basalt/switches', '').catch(() => undefined);
      await this.o.coord.create(BALANCER_SWITCH_ZNODE, String(on));
    }
    this.balancerOn = on;
    return previous;
  }

  /** What a previous master left: regions on servers that died meanwhile, unassigned regions of enabled tables. */
  private async reconcile(departed: string[]): Promise<void> {
    const running = this.executor.running();
    const crashed = new Set<string>(departed);
    for (const node of this.states.all()) {
      if (node.serverName && !this.servers.isLive(node.serverName) && ['OPEN', 'OPENING', 'CLOSING'].includes(node.state)) crashed.add(node.serverName);
    }
    for (const server of crashed) {
      if (running.some((r) => r.type === 'serverCrash' && r.target === server)) continue;
      await this.am.retrying('submit server crash', () => this.submit('serverCrash', server, {}, 'assign'));
    }
    const busyTables = new Set(running.map((r) => (r.type === 'createTable' || r.type.endsWith('Table') ? r.target : String(r.data.table ?? ''))));
    for (const table of await this.am.retrying('list the tables', () => this.tables.list())) {
      if (table.state !== 'ENABLED' || busyTables.has(table.name)) continue;
      for (const node of this.states.ofTable(table.name)) {
        if (node.state === 'OFFLINE' || node.state === 'CLOSED') {
          await this.am.retrying('submit assign', () => this.submit('assign', node.region.encodedName, { region: node.region.encodedName, table: table.name }, 'assign'));
        }
      }
    }
  }

  private async onServerGone(serverName: string): Promise<void> {
    if (this.executor.running().some((r) => r.type === 'serverCrash' && r.target === serverName)) return;
    if (this.states.onServer(serverName).length === 0) return;
    try {
      await this.submit('serverCrash', serverName, {}, 'assign');
    } catch (err) {
      this.o.log.error({ err, server: serverName }, 'cannot start the server crash procedure');
    }
  }

  /** Runs the balancer once: false when switched off or regions are in transition. */
  async balance(force = false): Promise<{ ran: boolean; moves: number }> {
    this.checkActive();
    if (!this.ready || (!this.balancerOn && !force)) return { ran: false, moves: 0 };
    if (this.states.inTransition().some((n) => n.state !== 'FAILED_OPEN') || this.executor.running().length > 0) return { ran: false, moves: 0 };
    const servers = this.servers.liveServers().map((s) => s.serverName);
    const regions = this.states
      .all()
      .filter((n) => n.state === 'OPEN' && n.region.encodedName !== META_ENCODED_NAME && this.servers.isLive(n.serverName))
      .map((n) => ({ encodedName: n.region.encodedName, table: n.region.table, server: n.serverName }));
    const moves = planMoves({ servers, regions });
    for (const m of moves) {
      await this.submit('move', m.encodedName, { region: m.encodedName, table: m.table, target: m.to }, 'close');
    }
    if (moves.length > 0) this.o.log.info({ moves: moves.length }, 'balancer moved regions');
    return { ran: true, moves: moves.length };
  }
}
