/**
 * Maps BasaltError to gRPC status and back. The stable code and details travel in the
 * `basalt-error-bin` trailer as JSON, so a client never has to parse status text.
 */
import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { BasaltError, ErrorCodes, isErrorCode, type ErrorCode, type ErrorDetails } from './errors.js';

const TRAILER = 'basalt-error-bin';

const STATUS_BY_CODE: Partial<Record<ErrorCode, GrpcStatus>> = {
  INVALID_ARGUMENT: GrpcStatus.INVALID_ARGUMENT,
  FILTER_PARSE_ERROR: GrpcStatus.INVALID_ARGUMENT,
  INVALID_PATH: GrpcStatus.INVALID_ARGUMENT,
  REQUEST_TOO_LARGE: GrpcStatus.RESOURCE_EXHAUSTED,
  ROW_TOO_LARGE: GrpcStatus.INVALID_ARGUMENT,
  CELL_TOO_LARGE: GrpcStatus.INVALID_ARGUMENT,
  DATA_TOO_LARGE: GrpcStatus.INVALID_ARGUMENT,
  NO_SUCH_FAMILY: GrpcStatus.INVALID_ARGUMENT,
  SERVER_BUSY: GrpcStatus.RESOURCE_EXHAUSTED,
  TIMEOUT: GrpcStatus.DEADLINE_EXCEEDED,
  UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  CONNECTION_LOSS: GrpcStatus.UNAVAILABLE,
  CLOSED: GrpcStatus.UNAVAILABLE,
  NOT_LEADER: GrpcStatus.FAILED_PRECONDITION,
  NOT_SERVING_REGION: GrpcStatus.FAILED_PRECONDITION,
  REGION_MOVED: GrpcStatus.FAILED_PRECONDITION,
  WRONG_REGION: GrpcStatus.FAILED_PRECONDITION,
  TABLE_NOT_FOUND: GrpcStatus.NOT_FOUND,
  NAMESPACE_NOT_FOUND: GrpcStatus.NOT_FOUND,
  NO_NODE: GrpcStatus.NOT_FOUND,
  UNKNOWN_SCANNER: GrpcStatus.NOT_FOUND,
  SCANNER_EXPIRED: GrpcStatus.NOT_FOUND,
  OUT_OF_ORDER_SCANNER_NEXT: GrpcStatus.FAILED_PRECONDITION,
  REGION_OPENING: GrpcStatus.UNAVAILABLE,
  REGION_CLOSING: GrpcStatus.UNAVAILABLE,
  FENCED: GrpcStatus.UNAVAILABLE,
  TABLE_EXISTS: GrpcStatus.ALREADY_EXISTS,
  NAMESPACE_EXISTS: GrpcStatus.ALREADY_EXISTS,
  NODE_EXISTS: GrpcStatus.ALREADY_EXISTS,
  BAD_VERSION: GrpcStatus.ABORTED,
  INTERNAL: GrpcStatus.INTERNAL,
  CORRUPT_STORE_FILE: GrpcStatus.DATA_LOSS,
  CORRUPT_WAL: GrpcStatus.DATA_LOSS,
};

/** Builds the error object a grpc-js handler passes to its callback or `stream.destroy`. */
export function toGrpcError(err: unknown): Partial<ServiceError> {
  const basalt = err instanceof BasaltError ? err : new BasaltError(ErrorCodes.INTERNAL, String((err as Error)?.message ?? err));
  const metadata = new Metadata();
  metadata.set(TRAILER, Buffer.from(JSON.stringify(basalt.toJSON()), 'utf8'));
  return {
    code: STATUS_BY_CODE[basalt.code] ?? GrpcStatus.UNKNOWN,
    details: `${basalt.code}: ${basalt.message}`,
    metadata,
  };
}

/** Turns a grpc-js client error back into a BasaltError with its stable code. */
export function fromGrpcError(err: unknown): BasaltError {
  if (err instanceof BasaltError) return err;
  const service = err as Partial<ServiceError> | undefined;
  const raw = service?.metadata?.get(TRAILER)?.[0];
  if (raw !== undefined) {
    try {
      const parsed = JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw)) as {
        code: unknown;
        message: string;
        details?: ErrorDetails;
      };
      if (isErrorCode(parsed.code)) return new BasaltError(parsed.code, parsed.message, parsed.details ?? {});
    } catch {
      // Fall through to the transport mapping below.
    }
  }
  switch (service?.code) {
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.CANCELLED:
      return new BasaltError(ErrorCodes.UNAVAILABLE, service.details ?? 'unavailable');
    case GrpcStatus.DEADLINE_EXCEEDED:
      return new BasaltError(ErrorCodes.TIMEOUT, service.details ?? 'deadline exceeded');
    case GrpcStatus.RESOURCE_EXHAUSTED:
      return new BasaltError(ErrorCodes.REQUEST_TOO_LARGE, service.details ?? 'resource exhausted');
    default:
      return new BasaltError(ErrorCodes.INTERNAL, service?.details ?? String((err as Error)?.message ?? err));
  }
}

/** Wire form of an error inside a stream frame (one failed request among many). */
export interface WireError {
  code: string;
  message: string;
  detailsJson: string;
}

export function toWireError(err: unknown): WireError {
  const basalt = err instanceof BasaltError ? err : new BasaltError(ErrorCodes.INTERNAL, String((err as Error)?.message ?? err));
  return { code: basalt.code, message: basalt.message, detailsJson: JSON.stringify(basalt.details) };
}

export function fromWireError(wire: { code?: string | null; message?: string | null; detailsJson?: string | null }): BasaltError {
  const code = isErrorCode(wire.code) ? wire.code : ErrorCodes.INTERNAL;
  let details: ErrorDetails = {};
  if (wire.detailsJson) {
    try {
      details = JSON.parse(wire.detailsJson) as ErrorDetails;
    } catch {
      details = {};
    }
  }
  return new BasaltError(code, wire.message ?? code, details);
}
