/**
 * Typed errors with stable codes. Clients and servers branch on `code`, never on message text.
 * Every code a client may need to recover from carries the data it needs in `details`
 * (for example the offending `field` of INVALID_ARGUMENT or the `leaderHint` of NOT_LEADER).
 */

export const ErrorCodes = {
  // Generic.
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  INTERNAL: 'INTERNAL',
  TIMEOUT: 'TIMEOUT',
  UNAVAILABLE: 'UNAVAILABLE',
  CLOSED: 'CLOSED',
  SERVER_BUSY: 'SERVER_BUSY',
  REQUEST_TOO_LARGE: 'REQUEST_TOO_LARGE',
  RESPONSE_TOO_LARGE: 'RESPONSE_TOO_LARGE',
  // Data model and region storage.
  TABLE_NOT_FOUND: 'TABLE_NOT_FOUND',
  TABLE_EXISTS: 'TABLE_EXISTS',
  TABLE_DISABLED: 'TABLE_DISABLED',
  NAMESPACE_NOT_FOUND: 'NAMESPACE_NOT_FOUND',
  NAMESPACE_EXISTS: 'NAMESPACE_EXISTS',
  NO_SUCH_FAMILY: 'NO_SUCH_FAMILY',
  ROW_TOO_LARGE: 'ROW_TOO_LARGE',
  CELL_TOO_LARGE: 'CELL_TOO_LARGE',
  NOT_SERVING_REGION: 'NOT_SERVING_REGION',
  REGION_MOVED: 'REGION_MOVED',
  WRONG_REGION: 'WRONG_REGION',
  REGION_OPENING: 'REGION_OPENING',
  REGION_CLOSING: 'REGION_CLOSING',
  REGION_READ_ONLY: 'REGION_READ_ONLY',
  UNKNOWN_SCANNER: 'UNKNOWN_SCANNER',
  SCANNER_EXPIRED: 'SCANNER_EXPIRED',
  OUT_OF_ORDER_SCANNER_NEXT: 'OUT_OF_ORDER_SCANNER_NEXT',
  CORRUPT_STORE_FILE: 'CORRUPT_STORE_FILE',
  CORRUPT_WAL: 'CORRUPT_WAL',
  WAL_CLOSED: 'WAL_CLOSED',
  LEASE_EXPIRED: 'LEASE_EXPIRED',
  FENCED: 'FENCED',
  NOT_A_COUNTER: 'NOT_A_COUNTER',
  FILTER_PARSE_ERROR: 'FILTER_PARSE_ERROR',
  // Master, assignment and table administration.
  MASTER_NOT_RUNNING: 'MASTER_NOT_RUNNING',
  TABLE_NOT_DISABLED: 'TABLE_NOT_DISABLED',
  TABLE_NOT_ENABLED: 'TABLE_NOT_ENABLED',
  NAMESPACE_NOT_EMPTY: 'NAMESPACE_NOT_EMPTY',
  REGION_NOT_FOUND: 'REGION_NOT_FOUND',
  REGION_IN_TRANSITION: 'REGION_IN_TRANSITION',
  NO_SERVER_AVAILABLE: 'NO_SERVER_AVAILABLE',
  PROCEDURE_NOT_FOUND: 'PROCEDURE_NOT_FOUND',
  PROCEDURE_FAILED: 'PROCEDURE_FAILED',
  META_NOT_AVAILABLE: 'META_NOT_AVAILABLE',
  OUTCOME_UNKNOWN: 'OUTCOME_UNKNOWN',
  UNSUPPORTED: 'UNSUPPORTED',
  // Coordination service (ZooKeeper's errors where it has them).
  NO_NODE: 'NO_NODE',
  NODE_EXISTS: 'NODE_EXISTS',
  BAD_VERSION: 'BAD_VERSION',
  NOT_EMPTY: 'NOT_EMPTY',
  NO_CHILDREN_FOR_EPHEMERALS: 'NO_CHILDREN_FOR_EPHEMERALS',
  INVALID_PATH: 'INVALID_PATH',
  DATA_TOO_LARGE: 'DATA_TOO_LARGE',
  SESSION_EXPIRED: 'SESSION_EXPIRED',
  SESSION_MOVED: 'SESSION_MOVED',
  UNKNOWN_SESSION: 'UNKNOWN_SESSION',
  CONNECTION_LOSS: 'CONNECTION_LOSS',
  NOT_LEADER: 'NOT_LEADER',
  PROPOSAL_DROPPED: 'PROPOSAL_DROPPED',
  MULTI_FAILED: 'MULTI_FAILED',
  LOCK_LOST: 'LOCK_LOST',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCodes));

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && KNOWN_CODES.has(code);
}

/** Plain, JSON-safe extra data an error carries to the caller. */
export type ErrorDetails = Record<string, string | number | boolean | null | undefined>;

export class BasaltError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message);
    this.name = 'BasaltError';
    this.code = code;
    this.details = details;
  }

  /** True when retrying the same call (possibly elsewhere) may succeed. */
  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }

  toJSON(): { code: ErrorCode; message: string; details: ErrorDetails } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCodes.TIMEOUT,
  ErrorCodes.UNAVAILABLE,
  ErrorCodes.SERVER_BUSY,
  ErrorCodes.NOT_SERVING_REGION,
  ErrorCodes.REGION_MOVED,
  ErrorCodes.WRONG_REGION,
  ErrorCodes.REGION_OPENING,
  ErrorCodes.REGION_CLOSING,
  ErrorCodes.CONNECTION_LOSS,
  ErrorCodes.NOT_LEADER,
  ErrorCodes.PROPOSAL_DROPPED,
  ErrorCodes.MASTER_NOT_RUNNING,
  ErrorCodes.META_NOT_AVAILABLE,
  ErrorCodes.NO_SERVER_AVAILABLE,
]);

export function invalidArgument(field: string, message: string, extra: ErrorDetails = {}): BasaltError {
  return new BasaltError(ErrorCodes.INVALID_ARGUMENT, `${field}: ${message}`, { field, ...extra });
}

export function isBasaltError(err: unknown, code?: ErrorCode): err is BasaltError {
  return err instanceof BasaltError && (code === undefined || err.code === code);
}

/**
 * An assertion that stays on in production. A broken invariant is a bug: crash loudly
 * rather than keep running on state we no longer understand.
 */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) {
    throw new Error(`invariant violated: ${message}`);
  }
}
