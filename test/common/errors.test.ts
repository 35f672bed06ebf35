// Proves that errors keep their stable code and details across the gRPC mapping and stream frames.
import { describe, expect, it } from 'vitest';
import { BasaltError, ErrorCodes, invalidArgument } from '../../common/errors.js';
import { fromGrpcError, fromWireError, toGrpcError, toWireError } from '../../common/grpc-errors.js';
import { basalt } from '../../proto/generated/basalt.js';

describe('errors', () => {
  it('an INVALID_ARGUMENT names the offending field', () => {
    const err = invalidArgument('row', 'must not be empty');
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.details.field).toBe('row');
  });

  it('a gRPC round trip keeps the code and the details', () => {
    const err = new BasaltError(ErrorCodes.NOT_LEADER, 'not the leader', { leaderHint: '127.0.0.1:1' });
    const back = fromGrpcError(toGrpcError(err));
    expect(back.code).toBe('NOT_LEADER');
    expect(back.details.leaderHint).toBe('127.0.0.1:1');
    expect(back.retryable).toBe(true);
  });

  it('a wire error inside a stream frame round-trips through protobuf', () => {
    const wire = toWireError(new BasaltError(ErrorCodes.WRONG_REGION, 'row outside region', { region: 'r1' }));
    const bytes = basalt.common.Error.encode(wire).finish();
    const back = fromWireError(basalt.common.Error.decode(bytes));
    expect(back.code).toBe('WRONG_REGION');
    expect(back.details.region).toBe('r1');
  });

  it('an unknown failure becomes INTERNAL, never an untyped error', () => {
    expect(fromGrpcError(new Error('boom')).code).toBe('INTERNAL');
    expect(fromWireError({ code: 'NOPE', message: 'x' }).code).toBe('INTERNAL');
  });
});
