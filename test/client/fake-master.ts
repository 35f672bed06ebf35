/**
 * A stand-in for the master, built from REAL parts, for testing the client before (and apart
 * from) master/: an in-process coordination ensemble, real region server daemons sharing one temp
 * data root, the meta region opened on one of them and published at /basalt/meta-region-server,
 * table regions opened with their meta rows written as common/meta.ts lays them out. It can move
 * a region (close on A, open on B with the next epoch, rewrite the meta row), and stop or crash a
 * server. It does what the master does to meta; the client under test cannot tell the difference.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CellType } from '../../common/cell.js';
import { DEFAULT_CONFIG, type BasaltConfig } from '../../common/config.js';
import { BasaltError, ErrorCodes } from '../../common/errors.js';
import {
  encodeMetaRegionInfo,
  META_ENCODED_NAME,
  META_FAMILIES,
  META_FAMILY,
  META_LOCATION_ZNODE,
  META_REGION_ID,
  META_TABLE,
  MetaColumns,
  metaRowKey,
  type RegionState,
} from '../../common/meta.js';
import { encodeRegionName, qualifyTableName } from '../../common/table-names.js';
import type { CoordClient } from '../../coord/client/index.js';
import { RegionServerClient } from '../../client/rpc/region-server-client.js';
import { startRegionServerDaemon, type RegionServerDaemon } from '../../regionserver/server/daemon.js';
import { startEnsemble, type Ensemble } from '../support/coord-ensemble.js';

export interface FakeRegion {
  table: string;
  startKey: Buffer;
  endKey: Buffer;
  regionId: number;
  encodedName: string;
  /** Index of the server holding it (-1: none). */
  server: number;
  openEpoch: number;
}

export interface FakeServer {
  daemon: RegionServerDaemon;
  admin: RegionServerClient;
  address: string;
  serverName: string;
  alive: boolean;
}

function testConfig(scannerLeaseMs: number | undefined): BasaltConfig {
  return {
    ...DEFAULT_CONFIG,
    regionserver: { ...DEFAULT_CONFIG.regionserver, scannerLeaseMs: scannerLeaseMs ?? DEFAULT_CONFIG.regionserver.scannerLeaseMs },
    master: { ...DEFAULT_CONFIG.master, sessionTimeoutMs: 4_000 },
  };
}

async function ensurePath(coord: CoordClient, path: string): Promise<void> {
  let prefix = '';
  for (const part of path.split('/').filter(Boolean)) {
    prefix += `/${part}`;
    try {
      await coord.create(prefix, '');
    } catch (err) {
      if (!(err instanceof BasaltError && err.code === ErrorCodes.NODE_EXISTS)) throw err;
    }
  }
}

function bytes(k: string | Buffer): Buffer {
  return typeof k === 'string' ? Buffer.from(k, 'utf8') : k;
}

export class FakeMaster {
  readonly regions: FakeRegion[] = [];
  private metaServer = 0;
  private nextRegionId = 100;
  private readonly families = new Map<string, Array<{ name: string; maxVersions?: number }>>();

  private constructor(
    readonly ensemble: Ensemble,
    readonly coord: CoordClient,
    readonly servers: FakeServer[],
    readonly dataDir: string,
  ) {}

  static async start(options: { servers?: number; scannerLeaseMs?: number } = {}): Promise<FakeMaster> {
    const config = testConfig(options.scannerLeaseMs);
    const ensemble = await startEnsemble(1);
    const dataDir = mkdtempSync(join(tmpdir(), 'basalt-client-'));
    const servers: FakeServer[] = [];
    try {
      for (let i = 0; i < (options.servers ?? 3); i++) {
        const daemon = await startRegionServerDaemon({ dataDir, host: '127.0.0.1', port: 0, config, coord: ensemble.addresses });
        servers.push({
          daemon,
          admin: new RegionServerClient({ address: daemon.server.address, requestTimeoutMs: 20_000 }),
          address: daemon.server.address,
          serverName: daemon.server.serverName,
          alive: true,
        });
      }
      const coord = await ensemble.connect();
      const master = new FakeMaster(ensemble, coord, servers, dataDir);
      await master.openMeta(0);
      return master;
    } catch (err) {
      for (const s of servers) {
        s.admin.close();
        await s.daemon.stop().catch(() => undefined);
      }
      await ensemble.close();
      rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
  }

  get coordAddress(): string {
    return this.ensemble.addresses.join(',');
  }

  private metaEpoch = 0;

  private async openMeta(server: number): Promise<void> {
    const s = this.servers[server]!;
    this.metaEpoch++;
    await s.admin.openRegion({
      info: { table: META_TABLE, startKey: Buffer.alloc(0), endKey: Buffer.alloc(0), regionId: META_REGION_ID, encodedName: META_ENCODED_NAME },
      families: META_FAMILIES,
      openEpoch: this.metaEpoch,
    });
    this.metaServer = server;
    await ensurePath(this.coord, '/basalt');
    const location = JSON.stringify({ address: s.address, serverName: s.serverName, openEpoch: this.metaEpoch });
    await this.coord.create(META_LOCATION_ZNODE, location).catch(async (err: unknown) => {
      if (err instanceof BasaltError && err.code === ErrorCodes.NODE_EXISTS) await this.coord.setData(META_LOCATION_ZNODE, location);
      else throw err;
    });
  }

  /** Moves the meta region to another server and publishes its new location. */
  async moveMeta(to: number): Promise<void> {
    const from = this.servers[this.metaServer]!;
    if (from.alive) await from.admin.closeRegion(META_ENCODED_NAME);
    await this.openMeta(to);
  }

  get metaServerIndex(): number {
    return this.metaServer;
  }

  /** Writes (or rewrites) a region's meta row, as the master does after every assignment step. */
  async writeMetaRow(region: FakeRegion, state: RegionState = 'OPEN', flags: { split?: boolean; offline?: boolean; address?: string } = {}): Promise<void> {
    const holder = region.server >= 0 ? this.servers[region.server]! : undefined;
    // `address`: publish another address for the server (a proxy in front of it).
    const server = holder && flags.address ? { ...holder, address: flags.address } : holder;
    const text = (q: string, v: string) => ({ family: META_FAMILY, qualifier: Buffer.from(q), type: CellType.Put, value: Buffer.from(v) });
    const meta = this.servers[this.metaServer]!.admin;
    await meta.mutate(META_ENCODED_NAME, {
      row: metaRowKey(region.table, region.startKey, region.regionId),
      cells: [
        {
          family: META_FAMILY,
          qualifier: Buffer.from(MetaColumns.regioninfo),
          type: CellType.Put,
          value: encodeMetaRegionInfo({
            table: region.table,
            startKey: region.startKey,
            endKey: region.endKey,
            regionId: region.regionId,
            encodedName: region.encodedName,
            offline: flags.offline === true,
            split: flags.split === true,
          }),
        },
        text(MetaColumns.server, server && state === 'OPEN' ? server.address : ''),
        text(MetaColumns.serverName, server && state === 'OPEN' ? server.serverName : ''),
        text(MetaColumns.epoch, String(region.openEpoch)),
        text(MetaColumns.state, state),
        text(MetaColumns.since, String(Date.now())),
        text(MetaColumns.reason, ''),
      ],
    });
  }

  private familyDescriptors(table: string) {
    return (this.families.get(table) ?? []).map((f) => ({ name: f.name, maxVersions: f.maxVersions ?? 1 }));
  }

  /** Creates a pre-split table: one region per range, placed round-robin over the live servers. */
  async createTable(name: string, families: Array<string | { name: string; maxVersions?: number }>, splits: Array<string | Buffer> = []): Promise<FakeRegion[]> {
    const table = qualifyTableName(name);
    this.families.set(
      table,
      families.map((f) => (typeof f === 'string' ? { name: f } : f)),
    );
    const keys = [Buffer.alloc(0), ...splits.map(bytes)];
    const live = this.servers.map((s, i) => (s.alive ? i : -1)).filter((i) => i >= 0);
    const created: FakeRegion[] = [];
    for (let i = 0; i < keys.length; i++) {
      const regionId = this.nextRegionId++;
      const region: FakeRegion = {
        table,
        startKey: keys[i]!,
        endKey: keys[i + 1] ?? Buffer.alloc(0),
        regionId,
        encodedName: encodeRegionName(table, keys[i]!, regionId),
        server: live[i % live.length]!,
        openEpoch: 1,
      };
      await this.open(region);
      await this.writeMetaRow(region);
      this.regions.push(region);
      created.push(region);
    }
    return created;
  }

  private async open(region: FakeRegion): Promise<void> {
    await this.servers[region.server]!.admin.openRegion({
      info: { table: region.table, startKey: region.startKey, endKey: region.endKey, regionId: region.regionId, encodedName: region.encodedName },
      families: this.familyDescriptors(region.table),
      openEpoch: region.openEpoch,
    });
  }

  regionsOf(table: string): FakeRegion[] {
    const t = qualifyTableName(table);
    return this.regions.filter((r) => r.table === t);
  }

  /** The region of `table` holding `row`. */
  regionFor(table: string, row: string | Buffer): FakeRegion {
    const key = bytes(row);
    const found = this.regionsOf(table).find((r) => Buffer.compare(r.startKey, key) <= 0 && (r.endKey.length === 0 || Buffer.compare(key, r.endKey) < 0));
    if (!found) throw new Error(`no region for ${key.toString()}`);
    return found;
  }

  /** Moves a region as the master's move procedure does: CLOSING, close on A, open on B (epoch + 1), OPEN. */
  async move(region: FakeRegion, to?: number): Promise<void> {
    const target = to ?? this.servers.findIndex((s, i) => s.alive && i !== region.server);
    if (target < 0) throw new Error('no other live server');
    const from = this.servers[region.server];
    await this.writeMetaRow(region, 'CLOSING');
    if (from?.alive) await from.admin.closeRegion(region.encodedName);
    region.server = target;
    region.openEpoch++;
    await this.open(region);
    await this.writeMetaRow(region, 'OPEN');
  }

  /**
   * Takes a server down without telling meta: graceful (`stop`, regions flushed and closed) or a
   * crash (`abort`, regions dropped; their edits stay in its WAL under the shared root).
   */
  async killServer(index: number, how: 'stop' | 'abort' = 'abort'): Promise<void> {
    const s = this.servers[index]!;
    s.alive = false;
    s.admin.close();
    if (how === 'abort') await s.daemon.abort(new Error('killed by the test'));
    else await s.daemon.stop();
  }

  /** Reopens every region of a dead server on the live ones (the master's server-crash procedure). */
  async reassignFrom(index: number): Promise<void> {
    const live = this.servers.map((s, i) => (s.alive ? i : -1)).filter((i) => i >= 0);
    // Meta first, as the master's server-crash procedure does: the other steps write to it.
    if (this.metaServer === index) await this.openMeta(live[0]!);
    let k = 0;
    for (const region of this.regions.filter((r) => r.server === index)) {
      region.server = live[k++ % live.length]!;
      region.openEpoch++;
      await this.open(region);
      await this.writeMetaRow(region, 'OPEN');
    }
  }

  async close(): Promise<void> {
    await this.coord.close().catch(() => undefined);
    for (const s of this.servers) {
      s.admin.close();
      if (s.alive) await s.daemon.stop().catch(() => undefined);
    }
    await this.ensemble.close();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
