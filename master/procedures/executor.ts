/**
 * Runs procedures: each is a state machine whose step is persisted (ProcedureStore) before the
 * step acts, so that the next active master resumes it from that step. Steps are idempotent:
 * re-running one after a crash converges to the same result. A procedure holds locks for its
 * whole run (its table), so at most one procedure changes a region at a time. Transient failures
 * (a server or meta briefly unavailable) are retried with capped backoff for as long as this master
 * is active — regions are never left half-assigned because a call failed once; anything else
 * ends the procedure FAILED with a typed error that the client's Admin call reports.
 */
import type { Clock } from '../../common/clock.js';
import { BasaltError, ErrorCodes, isBasaltError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { isTransient } from '../assignment.js';
import type { ProcedureRecord, ProcedureStore } from './store.js';

export interface ProcedureHandler<C> {
  /** Lock keys the procedure holds for its whole run. */
  locks(record: ProcedureRecord): string[];
  /** Runs from `record.step` to the end, calling `ctx.checkpoint` before each step. */
  run(record: ProcedureRecord, ctx: C): Promise<void>;
}

/** Completed procedures stay readable (GetProcedure) this long. */
const RETENTION_MS = 10 * 60_000;
const MAX_COMPLETED_KEPT = 500;
/** Even over MAX_COMPLETED_KEPT, a procedure stays this long after it ended: its caller may still be polling it. */
const MIN_RETENTION_MS = 2 * 60_000;

/** A lock key prefixed with this is taken in shared mode (many holders), otherwise exclusive. */
export const SHARED = 'shared|';

interface LockState {
  readers: number;
  writer: boolean;
  queue: Array<{ shared: boolean; grant: () => void }>;
}

/**
 * Reader/writer locks by name, granted in arrival order. Table procedures hold their table
 * exclusively; region procedures hold their region exclusively and their table shared, so the
 * regions of a dead server reopen in parallel while no DDL runs on their table.
 */
export class KeyedLocks {
  private readonly states = new Map<string, LockState>();

  async acquire(keys: string[]): Promise<() => void> {
    const wanted = [...new Set(keys)].map((k) => (k.startsWith(SHARED) ? { name: k.slice(SHARED.length), shared: true } : { name: k, shared: false }));
    wanted.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const releases: Array<() => void> = [];
    for (const { name, shared } of wanted) releases.push(await this.lock(name, shared));
    return () => releases.reverse().forEach((r) => r());
  }

  private lock(name: string, shared: boolean): Promise<() => void> {
    let state = this.states.get(name);
    if (!state) this.states.set(name, (state = { readers: 0, writer: false, queue: [] }));
    const st = state;
    const release = () => {
      if (shared) st.readers--;
      else st.writer = false;
      this.drain(name, st);
    };
    return new Promise((resolve) => {
      st.queue.push({ shared, grant: () => resolve(release) });
      this.drain(name, st);
    });
  }

  private drain(name: string, st: LockState): void {
    while (st.queue.length > 0) {
      const head = st.queue[0]!;
      if (head.shared ? st.writer : st.writer || st.readers > 0) break;
      st.queue.shift();
      if (head.shared) st.readers++;
      else st.writer = true;
      head.grant();
    }
    if (st.queue.length === 0 && st.readers === 0 && !st.writer) this.states.delete(name);
  }
}

export class ProcedureExecutor<C> {
  private readonly records = new Map<number, ProcedureRecord>();
  private readonly waiters = new Map<number, Array<() => void>>();
  private readonly locks = new KeyedLocks();
  private stopped = false;
  /** Procedures this executor ended, by outcome (basalt_master_procedures_completed_total / _failed_total). */
  readonly ended = { success: 0, failed: 0 };
  private readonly cleanupTimer: NodeJS.Timeout;

  constructor(
    private readonly store: ProcedureStore,
    private readonly handlers: Record<string, ProcedureHandler<C>>,
    private readonly ctx: () => C,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** Test hook: runs before each step is persisted (failover tests stop the master here). */
    private readonly beforeCheckpoint?: (record: ProcedureRecord, step: string) => Promise<void>,
  ) {
    this.cleanupTimer = setInterval(() => void this.cleanup(), 30_000);
    this.cleanupTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.cleanupTimer);
  }

  /** Persists a new procedure and starts it; resolves with its record once it is persisted. */
  async submit(type: string, target: string, data: Record<string, unknown>, step: string): Promise<ProcedureRecord> {
    if (!this.handlers[type]) throw new BasaltError(ErrorCodes.INTERNAL, `no handler for procedure type ${type}`);
    const now = this.clock.now();
    const record = await this.store.create({ type, state: 'RUNNING', step, target, data, startedMs: now, updatedMs: now });
    this.records.set(record.id, record);
    void this.execute(record);
    return record;
  }

  /** Resumes procedures a previous master left running; keeps ended ones for GetProcedure. */
  resumeAll(records: ProcedureRecord[]): void {
    for (const record of records) {
      this.records.set(record.id, record);
      if (record.state === 'RUNNING') {
        this.log.info({ procedure: record.id, type: record.type, step: record.step }, 'resuming procedure');
        void this.execute(record);
      }
    }
  }

  /** Persists the next step (and data changes) before the step acts. */
  async checkpoint(record: ProcedureRecord, step: string, data: Record<string, unknown> = {}): Promise<void> {
    if (this.beforeCheckpoint) await this.beforeCheckpoint(record, step);
    if (this.stopped) throw new BasaltError(ErrorCodes.MASTER_NOT_RUNNING, 'this master is no longer active');
    const before = { step: record.step, data: record.data, updatedMs: record.updatedMs };
    record.step = step;
    record.data = { ...record.data, ...data };
    record.updatedMs = this.clock.now();
    try {
      await this.store.update(record);
    } catch (err) {
      // Not persisted: a retry must re-run the step that is (idempotent), never act on this one
      // while the store still says the previous — a crash then would resume behind what was done.
      Object.assign(record, before);
      throw err;
    }
  }

  get(id: number): ProcedureRecord | undefined {
    return this.records.get(id);
  }

  list(): ProcedureRecord[] {
    return [...this.records.values()].sort((a, b) => a.id - b.id);
  }

  running(): ProcedureRecord[] {
    return this.list().filter((r) => r.state === 'RUNNING');
  }

  /** Resolves when the procedure ended (on this master). */
  waitFor(id: number): Promise<ProcedureRecord> {
    const record = this.records.get(id);
    if (!record) return Promise.reject(new BasaltError(ErrorCodes.PROCEDURE_NOT_FOUND, `procedure ${id} is not known`, { procedureId: id }));
    if (record.state !== 'RUNNING') return Promise.resolve(record);
    return new Promise((resolve) => {
      const list = this.waiters.get(id) ?? [];
      list.push(() => resolve(record));
      this.waiters.set(id, list);
    });
  }

  private async execute(record: ProcedureRecord): Promise<void> {
    const handler = this.handlers[record.type];
    if (!handler) {
      record.state = 'FAILED';
      record.error = { code: ErrorCodes.INTERNAL, message: `unknown procedure type ${record.type}` };
      await this.persistEnd(record);
      return;
    }
    const release = await this.locks.acquire(handler.locks(record));
    try {
      let delay = 100;
      for (;;) {
        if (this.stopped) return;
        try {
          await handler.run(record, this.ctx());
          record.state = 'SUCCESS';
          break;
        } catch (err) {
          if (this.stopped || isBasaltError(err, ErrorCodes.MASTER_NOT_RUNNING)) return;
          if (isTransient(err)) {
            this.log.debug({ procedure: record.id, err }, 'procedure step failed transiently; retrying');
            await new Promise((r) => setTimeout(r, delay).unref());
            delay = Math.min(delay * 2, 2_000);
            continue;
          }
          record.state = 'FAILED';
          record.error = isBasaltError(err) ? { code: err.code, message: err.message } : { code: ErrorCodes.INTERNAL, message: String((err as Error)?.message ?? err) };
          this.log.warn({ procedure: record.id, type: record.type, err }, 'procedure failed');
          break;
        }
      }
      await this.persistEnd(record);
    } finally {
      release();
    }
  }

  private async persistEnd(record: ProcedureRecord): Promise<void> {
    record.updatedMs = this.clock.now();
    for (let delay = 100; !this.stopped; delay = Math.min(delay * 2, 2_000)) {
      try {
        await this.store.update(record);
        break;
      } catch (err) {
        if (!isTransient(err)) {
          this.log.error({ procedure: record.id, err }, 'cannot persist the end of a procedure');
          break;
        }
        await new Promise((r) => setTimeout(r, delay).unref());
      }
    }
    if (record.state === 'SUCCESS') this.ended.success++;
    else this.ended.failed++;
    this.log.info({ procedure: record.id, type: record.type, target: record.target, state: record.state }, 'procedure ended');
    for (const wake of this.waiters.get(record.id) ?? []) wake();
    this.waiters.delete(record.id);
  }

  private async cleanup(): Promise<void> {
    const ended = this.list().filter((r) => r.state !== 'RUNNING');
    const now = this.clock.now();
    const excess = ended.length - MAX_COMPLETED_KEPT;
    for (const [i, record] of ended.entries()) {
      const age = now - record.updatedMs;
      if (age < MIN_RETENTION_MS || (i >= excess && age < RETENTION_MS)) continue;
      try {
        await this.store.delete(record.id);
        this.records.delete(record.id);
      } catch {
        return;
      }
    }
  }
}
