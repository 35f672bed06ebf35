/**
 * Batched read-index barriers. A linearizable read waits until the member has applied
 * everything committed when the read arrived; Raft's read-index confirms leadership with one
 * heartbeat round and names that commit index. One read-index request is outstanding at a time:
 * every read that arrives meanwhile joins the next one, so a burst of reads costs one round.
 * A request whose answer never comes (its messages were lost) is retried after a second.
 */
import { BasaltError, ErrorCodes } from '../../common/errors.js';
import type { ReadState } from '../raft/types.js';

interface ReadWaiter {
  resolve(): void;
  reject(err: BasaltError): void;
}

export interface ReadIndexHost {
  readonly memberId: number;
  /** Asks the Raft core for a read index (throws NOT_LEADER and the like). */
  requestReadIndex(context: Uint8Array): void;
  appliedIndex(): number;
  isLeader(): boolean;
  /** Translates a core error (e.g. NOT_LEADER with a node id) for clients. */
  clientError(err: unknown): BasaltError;
  /** The core has work: run the Ready loop. */
  wake(): void;
  /** Monotonic milliseconds (the retry timer). */
  monotonicMs(): number;
}

/** A read-index request not answered within this is retried. */
const RETRY_MS = 1_000;

export class ReadIndexBatcher {
  private queue: ReadWaiter[] = [];
  private inFlight: { context: string; waiters: ReadWaiter[]; sentMs: number } | undefined;
  private awaitingApply: Array<{ index: number; waiters: ReadWaiter[] }> = [];
  private counter = 0;

  constructor(private readonly host: ReadIndexHost) {}

  /** Resolves once this member has applied everything committed before the call. */
  barrier(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ resolve, reject });
      this.issue();
    });
  }

  /** Read states from a Ready: release (or park until applied) the batch each one answers. */
  onReadStates(readStates: ReadState[]): void {
    for (const rs of readStates) {
      const context = Buffer.from(rs.context).toString('utf8');
      if (this.inFlight?.context !== context) continue;
      const waiters = this.inFlight.waiters;
      this.inFlight = undefined;
      if (rs.index <= this.host.appliedIndex()) for (const w of waiters) w.resolve();
      else this.awaitingApply.push({ index: rs.index, waiters });
    }
    this.issue();
  }

  /** After applying: release the batches whose index is now applied. */
  onApplied(): void {
    if (this.awaitingApply.length === 0) return;
    const applied = this.host.appliedIndex();
    const still: Array<{ index: number; waiters: ReadWaiter[] }> = [];
    for (const r of this.awaitingApply) {
      if (r.index <= applied) for (const w of r.waiters) w.resolve();
      else still.push(r);
    }
    this.awaitingApply = still;
  }

  /** On each tick: re-issue a request that went unanswered for too long. */
  retryStale(): void {
    const inFlight = this.inFlight;
    if (!inFlight || this.host.monotonicMs() - inFlight.sentMs < RETRY_MS) return;
    this.inFlight = undefined;
    this.queue = [...inFlight.waiters, ...this.queue];
    if (this.host.isLeader()) this.issue();
  }

  /** Leadership lost or shutdown: every waiting read fails with `error`. */
  failAll(error: BasaltError): void {
    const reads = [...this.queue, ...(this.inFlight?.waiters ?? []), ...this.awaitingApply.flatMap((r) => r.waiters)];
    this.queue = [];
    this.inFlight = undefined;
    this.awaitingApply = [];
    for (const w of reads) w.reject(error);
  }

  private issue(): void {
    if (this.inFlight || this.queue.length === 0) return;
    const waiters = this.queue;
    this.queue = [];
    const context = `${this.host.memberId}:${++this.counter}`;
    try {
      this.host.requestReadIndex(Buffer.from(context, 'utf8'));
    } catch (err) {
      const error = err instanceof BasaltError ? this.host.clientError(err) : new BasaltError(ErrorCodes.NOT_LEADER, String(err));
      for (const w of waiters) w.reject(error);
      return;
    }
    this.inFlight = { context, waiters, sentMs: this.host.monotonicMs() };
    this.host.wake();
  }
}
