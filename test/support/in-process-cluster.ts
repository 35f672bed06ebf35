/**
 * A whole cluster in the test process, on real sockets and real files: a coordination member
 * (in-memory Raft log), N region servers sharing one temp data root, and M masters. For tests of
 * the master, meta and the client; the failover drills use real child processes instead
 * (test/support/mini-cluster.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Client, Metadata } from '@grpc/grpc-js';
import { resolveConfig, type BasaltConfig, type PartialConfig } from '../../common/config.js';
import { BasaltError, type ErrorCode } from '../../common/errors.js';
import { fromGrpcError } from '../../common/grpc-errors.js';
import { MASTER_METHODS, masterPath, type MasterMethod, type MasterRequest, type MasterResponse } from '../../common/master-wire.js';
import { CoordServer } from '../../coord/server/coord-server.js';
import { MemoryRaftStorage } from '../../coord/storage/memory-raft-storage.js';
import { Master, type MasterOptions } from '../../master/master.js';
import { startRegionServerDaemon, type RegionServerDaemon } from '../../regionserver/server/daemon.js';
import { TEST_COORD_CONFIG } from './coord-ensemble.js';

export interface InProcessCluster {
  coordAddress: string;
  dataDir: string;
  config: BasaltConfig;
  masters: Master[];
  regionServers: RegionServerDaemon[];
  /** The active master (waits until one is active). */
  activeMaster(): Promise<Master>;
  addRegionServer(): Promise<RegionServerDaemon>;
  addMaster(options?: Pick<MasterOptions, 'beforeCheckpoint'>): Promise<Master>;
  /** A raw master RPC (tests of the wire protocol). */
  call<M extends MasterMethod>(method: M, request: MasterRequest<M>, master?: Master): Promise<MasterResponse<M>>;
  /** Polls a procedure until it ends; rejects with its error if it failed. */
  waitProcedure(id: number, master?: Master): Promise<void>;
  close(): Promise<void>;
}

export async function startInProcessCluster(options: { regionServers?: number; masters?: number; config?: PartialConfig } = {}): Promise<InProcessCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'basalt-cluster-'));
  const config = resolveConfig({
    ...options.config,
    coord: { ...TEST_COORD_CONFIG, ...options.config?.coord },
    master: { sessionTimeoutMs: 2_000, balancerPeriodMs: 0, ...options.config?.master },
    regionserver: { ...options.config?.regionserver },
  });
  const coord = await CoordServer.listen('127.0.0.1', 0);
  coord.start({ id: 1, peers: new Map([[1, coord.address]]), storage: MemoryRaftStorage.bootstrap([1]), config: config.coord, onFatal: () => undefined });
  const masters: Master[] = [];
  const regionServers: RegionServerDaemon[] = [];
  const grpcClients = new Map<string, Client>();

  const cluster: InProcessCluster = {
    coordAddress: coord.address,
    dataDir,
    config,
    masters,
    regionServers,
    async addRegionServer() {
      const rs = await startRegionServerDaemon({ dataDir, host: '127.0.0.1', port: 0, config, coord: [coord.address] });
      regionServers.push(rs);
      return rs;
    },
    async addMaster(extra = {}) {
      const m = await Master.start({ coord: [coord.address], port: 0, config, loadPeriodMs: 500, ...extra });
      masters.push(m);
      return m;
    },
    async activeMaster() {
      for (;;) {
        const active = masters.find((m) => m.isActive && m.active?.ready);
        if (active) return active;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async call(method, request, master) {
      const m = master ?? (await cluster.activeMaster());
      let client = grpcClients.get(m.address);
      if (!client) grpcClients.set(m.address, (client = new Client(m.address, credentials.createInsecure())));
      const [req, res] = MASTER_METHODS[method];
      const bytes = Buffer.from((req as { encode(m: unknown): { finish(): Uint8Array } }).encode(request).finish());
      const reply = await new Promise<Buffer>((resolve, reject) =>
        client!.makeUnaryRequest(masterPath(method), (b: Buffer) => b, (b: Buffer) => b, bytes, new Metadata(), {}, (err, value) => (err ? reject(fromGrpcError(err)) : resolve(value!))),
      );
      return (res as { decode(b: Uint8Array): unknown }).decode(reply) as MasterResponse<typeof method>;
    },
    async waitProcedure(id, master) {
      for (;;) {
        const info = await cluster.call('GetProcedure', { procedureId: id }, master);
        if (info.state === 'SUCCESS') return;
        if (info.state === 'FAILED') throw new BasaltError((info.error?.code ?? 'INTERNAL') as ErrorCode, info.error?.message ?? 'procedure failed');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      for (const c of grpcClients.values()) c.close();
      await Promise.allSettled(masters.map((m) => m.stop()));
      await Promise.allSettled(regionServers.map((r) => r.stop()));
      await coord.close().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  for (let i = 0; i < (options.regionServers ?? 2); i++) await cluster.addRegionServer();
  for (let i = 0; i < (options.masters ?? 1); i++) await cluster.addMaster();
  return cluster;
}
