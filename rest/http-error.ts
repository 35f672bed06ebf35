/**
 * How the gateway answers failures, HBase's way: a status code and a short plain-text reason on
 * one line. Handlers throw RestError for what they decide themselves (400 bad input, 404, 304 a
 * failed check); errors from the cluster keep their stable code and map to a status here.
 */
import { BasaltError, ErrorCodes, type ErrorCode } from '../common/errors.js';

export class RestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'RestError';
  }
}

export const badRequest = (reason: string): RestError => new RestError(400, `Bad request: ${reason}`);
export const notFound = (reason = 'Not found'): RestError => new RestError(404, reason);

/** Client mistakes: the same request will fail again. */
const BAD_REQUEST_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCodes.INVALID_ARGUMENT,
  ErrorCodes.FILTER_PARSE_ERROR,
  ErrorCodes.ROW_TOO_LARGE,
  ErrorCodes.CELL_TOO_LARGE,
  ErrorCodes.NOT_A_COUNTER,
  ErrorCodes.TABLE_EXISTS,
  ErrorCodes.NAMESPACE_EXISTS,
  ErrorCodes.NAMESPACE_NOT_EMPTY,
  ErrorCodes.TABLE_DISABLED,
  ErrorCodes.TABLE_NOT_DISABLED,
  ErrorCodes.TABLE_NOT_ENABLED,
]);

const NOT_FOUND_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCodes.TABLE_NOT_FOUND,
  ErrorCodes.NAMESPACE_NOT_FOUND,
  ErrorCodes.NO_SUCH_FAMILY,
  ErrorCodes.REGION_NOT_FOUND,
  ErrorCodes.UNKNOWN_SCANNER,
]);

/** The HTTP status and one-line body for any error a handler let through. */
export function errorResponse(err: unknown): { status: number; text: string; code?: string } {
  if (err instanceof RestError) return { status: err.status, text: oneLine(err.message) };
  if (err instanceof BasaltError) {
    const text = oneLine(`${err.code}: ${err.message}`);
    if (err.code === ErrorCodes.REQUEST_TOO_LARGE) return { status: 413, text, code: err.code };
    if (NOT_FOUND_CODES.has(err.code)) return { status: 404, text: `Not found: ${text}`, code: err.code };
    if (BAD_REQUEST_CODES.has(err.code)) return { status: 400, text: `Bad request: ${text}`, code: err.code };
    // Everything else (unavailable, timeouts, busy, regions moving, no master) is HBase's 503:
    // the request itself was fine; the cluster could not serve it now.
    return { status: 503, text: `Unavailable: ${text}`, code: err.code };
  }
  return { status: 500, text: oneLine(`Internal error: ${String((err as Error)?.message ?? err)}`) };
}

function oneLine(text: string): string {
  const line = text.replace(/[\r\n]+/g, ' ').trim();
  return line.length > 500 ? `${line.slice(0, 497)}...` : line;
}
