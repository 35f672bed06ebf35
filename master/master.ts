/**
 * A master process's lifetime: its gRPC server (answering as a backup until it wins), its
 * coordination session, the election, and the ActiveMaster built each time it becomes active.
 * Losing the session ends the active role at once (the session's ephemeral /basalt/master is gone,
 * so another master may already be active): the process stops, as HBase's master aborts, and is
 * restarted by its supervisor (or the standalone process) — it never writes as a zombie: every
 * procedure step checks the active flag, and assignment writes check the coordination lease.
 */
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { systemClock, type Clock } from '../common/clock.js';
import type { BasaltConfig } from '../common/config.js';
import { BasaltError, ErrorCodes } from '../common/errors.js';
import { createLogger, type Logger } from '../common/logger.js';
import { masterServiceDefinition } from '../common/master-wire.js';
import { CoordClient } from '../coord/client/index.js';
import { ActiveMaster } from './active-master.js';
import { MasterAdminOps } from './admin-ops.js';
import { becomeActive, listBackupMasters, readActiveMaster } from './election.js';
import type { ProcedureRecord } from './procedures/store.js';
import { masterServiceImplementation } from './service.js';

export const BASALT_VERSION = '0.1.0';

export interface MasterOptions {
  coord: string[];
  host?: string;
  /** 0 = ephemeral. */
  port: number;
  config: BasaltConfig;
  clock?: Clock;
  logger?: Logger;
  /** How often region servers' loads are pulled (default 3 s). */
  loadPeriodMs?: number;
  /** Test hook: runs before each procedure step is persisted. */
  beforeCheckpoint?: (record: ProcedureRecord, step: string) => Promise<void>;
}

export type MasterStopReason = 'stopped' | 'session-expired';

export class Master {
  /** Set by the info port's metrics: every admin call's method, latency and outcome. */
  requestObserver: ((method: string, seconds: number, outcome: string) => void) | undefined;
  private readonly grpc: Server;
  private readonly clock: Clock;
  private readonly log: Logger;
  private coord!: CoordClient;
  private activeMaster: ActiveMaster | undefined;
  private ops: MasterAdminOps | undefined;
  private boundPort = 0;
  private startcode = 0;
  private stopping: Promise<void> | undefined;
  private resolveStopped!: (r: { reason: MasterStopReason }) => void;
  /** Resolves when the master stopped (on its own after losing its session, or through stop()). */
  readonly stopped = new Promise<{ reason: MasterStopReason }>((resolve) => (this.resolveStopped = resolve));
  /** Resolves when this master became active (never, for a backup that stays one). */
  readonly activated: Promise<void>;
  private resolveActivated!: () => void;

  private constructor(private readonly options: MasterOptions) {
    this.clock = options.clock ?? systemClock;
    this.log = options.logger ?? createLogger('master');
    this.activated = new Promise((resolve) => (this.resolveActivated = resolve));
    this.grpc = new Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
    this.grpc.addService(
      masterServiceDefinition,
      masterServiceImplementation({
        active: () => this.requireActive(),
        clusterIdentity: async () => ({
          master: this.serverName,
          backupMasters: await listBackupMasters(this.coord),
          version: BASALT_VERSION,
        }),
        observe: (method, seconds, outcome) => this.requestObserver?.(method, seconds, outcome),
      }),
    );
  }

  static async start(options: MasterOptions): Promise<Master> {
    const master = new Master(options);
    const host = options.host ?? '127.0.0.1';
    master.boundPort = await new Promise<number>((resolve, reject) =>
      master.grpc.bindAsync(`${host}:${options.port}`, ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
    master.startcode = master.clock.now();
    try {
      master.coord = await CoordClient.connect({ servers: options.coord, sessionTimeoutMs: options.config.master.sessionTimeoutMs, clock: master.clock });
    } catch (err) {
      master.grpc.forceShutdown();
      throw err;
    }
    master.coord.on('expired', () => {
      master.log.error('coordination session expired: this master stops');
      void master.shutdown('session-expired');
    });
    void master.campaign();
    return master;
  }

  get address(): string {
    return `${this.options.host ?? '127.0.0.1'}:${this.boundPort}`;
  }

  get serverName(): string {
    return `${this.address},${this.startcode}`;
  }

  get isActive(): boolean {
    return this.activeMaster !== undefined && !this.stopping;
  }

  /** The active master's state (tests and status pages). */
  get active(): ActiveMaster | undefined {
    return this.activeMaster;
  }

  private requireActive(): { master: ActiveMaster; ops: MasterAdminOps } {
    if (this.activeMaster && this.ops && this.activeMaster.ready && !this.stopping) return { master: this.activeMaster, ops: this.ops };
    throw new BasaltError(ErrorCodes.MASTER_NOT_RUNNING, this.activeMaster ? 'the master is still initialising' : 'this master is a backup', {
      master: this.serverName,
    });
  }

  /**
   * Holds the coordination lease (a paused master must not act on a lock it may have lost). Judged
   * by the newest acknowledged keep-alive only: a process resumed after a pause longer than its
   * session still sees its connection 'connected' until its socket and timers run, and must not
   * act in between (keep-alives go every third of the timeout, so a healthy master stays under).
   */
  private leaseValid(): boolean {
    const sinceAck = this.clock.monotonic() - this.coord.lastAckedKeepAliveMs;
    return (this.coord.state === 'connected' || this.coord.state === 'suspended') && sinceAck < this.coord.sessionTimeoutMs * 0.75;
  }

  private async campaign(): Promise<void> {
    try {
      const won = await becomeActive(this.coord, { address: this.address, serverName: this.serverName }, () => this.stopping !== undefined);
      if (!won) return;
      this.log.info({ master: this.serverName }, 'this master is now active');
      const active: ActiveMaster = new ActiveMaster({
        coord: this.coord,
        clock: this.clock,
        log: this.log,
        loadPeriodMs: this.options.loadPeriodMs ?? 3_000,
        balancerPeriodMs: this.options.config.master.balancerPeriodMs,
        isActive: (): boolean => !this.stopping && this.activeMaster === active,
        leaseValid: () => this.leaseValid(),
        ...(this.options.beforeCheckpoint ? { beforeCheckpoint: this.options.beforeCheckpoint } : {}),
        regionSplitSizeBytes: this.options.config.regionserver.regionSplitSizeBytes,
      });
      this.activeMaster = active;
      this.ops = new MasterAdminOps(active);
      await active.start();
      this.resolveActivated();
    } catch (err) {
      if (this.stopping) return;
      this.log.error({ err }, 'the master failed to become active; stopping');
      void this.shutdown('stopped');
    }
  }

  /** The active master as published (for clients and status). */
  async activeIdentity() {
    return readActiveMaster(this.coord);
  }

  stop(): Promise<void> {
    return this.shutdown('stopped');
  }

  private shutdown(reason: MasterStopReason): Promise<void> {
    this.stopping ??= (async () => {
      this.activeMaster?.stop();
      await new Promise<void>((resolve) => this.grpc.tryShutdown(() => resolve()));
      if (reason === 'stopped') await this.coord?.close().catch(() => undefined);
      else this.coord?.abandon();
      this.log.info({ master: this.serverName, reason }, 'master stopped');
      this.resolveStopped({ reason });
    })();
    return this.stopping;
  }
}
