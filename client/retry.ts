/**
 * Retries with an overall deadline. Every error an attempt meets is one of:
 *  - refused and the location is stale (NOT_SERVING_REGION, REGION_MOVED, WRONG_REGION,
 *    REGION_OPENING/CLOSING, FENCED, a stopping server's CLOSED, meta holes): nothing happened;
 *    drop the cached location and try again;
 *  - refused for now (SERVER_BUSY, no meta, no master): nothing happened; back off and retry;
 *  - in doubt (the stream broke or the RPC timed out after the request left, or the server says
 *    OUTCOME_UNKNOWN): it may have been applied. Idempotent operations (puts with client
 *    timestamps, reads, nonce-carrying increments/appends/checkAndMutate) retry; the others reject
 *    at once with OUTCOME_UNKNOWN;
 *  - final (bad input, TABLE_NOT_FOUND, NO_SUCH_FAMILY, …): reject with it.
 * Pauses grow exponentially from retryBaseDelayMs to maxRetryDelayMs with jitter ("equal jitter":
 * half fixed, half random), and the whole operation ends with TIMEOUT at operationTimeoutMs.
 */
import type { Clock } from '../common/clock.js';
import type { Random } from '../common/random.js';
import { BasaltError, ErrorCodes, type ErrorCode } from '../common/errors.js';

export interface RetryPolicy {
  operationTimeoutMs: number;
  retryBaseDelayMs: number;
  maxRetryDelayMs: number;
  rpcTimeoutMs: number;
}

export type ErrorKind = 'relocate' | 'backoff' | 'in-doubt' | 'final';

const RELOCATE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCodes.NOT_SERVING_REGION,
  ErrorCodes.REGION_MOVED,
  ErrorCodes.WRONG_REGION,
  ErrorCodes.REGION_OPENING,
  ErrorCodes.REGION_CLOSING,
  ErrorCodes.REGION_IN_TRANSITION,
  ErrorCodes.FENCED,
  ErrorCodes.CLOSED,
]);

const BACKOFF: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCodes.SERVER_BUSY,
  ErrorCodes.META_NOT_AVAILABLE,
  ErrorCodes.MASTER_NOT_RUNNING,
  ErrorCodes.NO_SERVER_AVAILABLE,
  ErrorCodes.NOT_LEADER,
  ErrorCodes.PROPOSAL_DROPPED,
  ErrorCodes.CONNECTION_LOSS,
]);

/** OUTCOME_UNKNOWN from a server: applied, but its lease lapsed before it could acknowledge. */
const IN_DOUBT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([ErrorCodes.UNAVAILABLE, ErrorCodes.TIMEOUT, ErrorCodes.OUTCOME_UNKNOWN]);

/** Errors raised before the request left (location lookups): never in doubt. */
const notSent = new WeakSet<object>();

export function markNotSent<E>(err: E): E {
  if (typeof err === 'object' && err !== null) notSent.add(err);
  return err;
}

export function toBasaltError(err: unknown): BasaltError {
  if (err instanceof BasaltError) return err;
  return new BasaltError(ErrorCodes.INTERNAL, String((err as Error)?.message ?? err));
}

export function classify(err: BasaltError): ErrorKind {
  if (RELOCATE.has(err.code)) return 'relocate';
  if (BACKOFF.has(err.code)) return 'backoff';
  // `sent: false`: the region server client knows the request never reached a connected channel.
  if (IN_DOUBT.has(err.code)) return notSent.has(err) || err.details.sent === false ? 'backoff' : 'in-doubt';
  return 'final';
}

/** The pause before retry number `attempt` (0-based): base·2^attempt capped at max, half of it random. */
export function backoffDelayMs(attempt: number, policy: RetryPolicy, random: Random): number {
  const ceiling = Math.min(policy.maxRetryDelayMs, policy.retryBaseDelayMs * 2 ** Math.min(attempt, 30));
  return Math.floor(ceiling / 2 + random.next() * (ceiling / 2));
}

export function outcomeUnknown(what: string, cause: BasaltError): BasaltError {
  return new BasaltError(ErrorCodes.OUTCOME_UNKNOWN, `${what}: ${cause.code} after the request was sent; it may or may not have been applied`, {
    ...cause.details,
    cause: cause.code,
    outcome: 'unknown',
  });
}

export interface AttemptContext {
  /** This attempt's RPC deadline: the smaller of rpcTimeoutMs and what is left of the operation. */
  timeoutMs: number;
  attempt: number;
}

export interface RetryHooks {
  /** Called with every retryable error before the pause (drop cached locations here). */
  onRetry?(err: BasaltError, kind: ErrorKind): void;
  /** Resolve at once instead of pausing when this returns true (e.g. a REGION_MOVED with a hint). */
  skipPause?(err: BasaltError): boolean;
}

export class Retrier {
  constructor(
    readonly policy: RetryPolicy,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly isClosed: () => boolean,
  ) {}

  /** A deadline tracker for an operation that runs its own attempt loop (batch, scans). */
  budget(what: string): OperationBudget {
    return new OperationBudget(what, this.policy, this.clock, this.random, this.isClosed);
  }

  async run<T>(what: string, idempotent: boolean, attempt: (ctx: AttemptContext) => Promise<T>, hooks: RetryHooks = {}): Promise<T> {
    const budget = this.budget(what);
    for (;;) {
      try {
        return await attempt({ timeoutMs: budget.rpcTimeoutMs(), attempt: budget.attempts });
      } catch (raw) {
        const err = toBasaltError(raw);
        if (this.isClosed()) throw new BasaltError(ErrorCodes.CLOSED, 'the connection is closed');
        const kind = classify(err);
        if (kind === 'final') throw err;
        hooks.onRetry?.(err, kind);
        if (kind === 'in-doubt') {
          if (!idempotent) throw outcomeUnknown(what, err);
          budget.inDoubt = true;
        }
        await budget.pause(err, hooks.skipPause?.(err) === true);
      }
    }
  }
}

export class OperationBudget {
  readonly startedMs: number;
  attempts = 0;
  /** Some attempt may have been applied: a final TIMEOUT says the outcome is unknown. */
  inDoubt = false;

  constructor(
    private readonly what: string,
    private readonly policy: RetryPolicy,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly isClosed: () => boolean,
  ) {
    this.startedMs = clock.monotonic();
  }

  remainingMs(): number {
    return this.startedMs + this.policy.operationTimeoutMs - this.clock.monotonic();
  }

  rpcTimeoutMs(): number {
    return Math.max(1, Math.min(this.policy.rpcTimeoutMs, Math.ceil(this.remainingMs())));
  }

  timeout(last: BasaltError | undefined): BasaltError {
    return new BasaltError(
      ErrorCodes.TIMEOUT,
      `${this.what} did not complete within ${this.policy.operationTimeoutMs} ms (${this.attempts} attempts${last ? `, last error ${last.code}: ${last.message}` : ''})`,
      {
        timeoutMs: this.policy.operationTimeoutMs,
        attempts: this.attempts,
        lastError: last?.code ?? null,
        outcome: this.inDoubt ? 'unknown' : 'not applied',
      },
    );
  }

  /** Waits before the next attempt; throws TIMEOUT when the deadline passes first. */
  async pause(last: BasaltError, immediate = false): Promise<void> {
    const delay = immediate && this.attempts === 0 ? 0 : backoffDelayMs(this.attempts, this.policy, this.random);
    this.attempts++;
    const remaining = this.remainingMs();
    if (remaining <= 0) throw this.timeout(last);
    await sleep(Math.min(delay, remaining));
    if (this.isClosed()) throw new BasaltError(ErrorCodes.CLOSED, 'the connection is closed');
    if (this.remainingMs() <= 0) throw this.timeout(last);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
