/**
 * The checks CoordClient runs on a request before sending it: a bad path fails here with
 * INVALID_PATH naming the field, and nothing goes over the wire (ZooKeeper's client validates the
 * same way, with the same rules: coord/tree/path.ts). The server checks again; this only spares a
 * round trip and keeps a string that protobuf cannot carry (a lone surrogate) off the stream.
 */
import { isBasaltError, type BasaltError } from '../../common/errors.js';
import { basalt } from '../../proto/generated/basalt.js';
import { validatePath } from '../tree/path.js';
import type { ClientRequest } from './protocol.js';

type Op = Omit<ClientRequest, 'xid'>;

function isSequentialWire(mode: basalt.coordrpc.CreateMode | null | undefined): boolean {
  return mode === basalt.coordrpc.CreateMode.PERSISTENT_SEQUENTIAL || mode === basalt.coordrpc.CreateMode.EPHEMERAL_SEQUENTIAL;
}

function checkOp(op: Op): void {
  if (op.create) validatePath(op.create.path, 'path', isSequentialWire(op.create.mode));
  for (const single of [op.delete, op.setData, op.getData, op.exists, op.getChildren, op.sync, op.addWatch, op.removeWatches]) {
    if (single) validatePath(single.path, 'path');
  }
  (op.multi?.ops ?? []).forEach((m, i) => {
    const f = `ops[${i}].path`;
    if (m.create) validatePath(m.create.path, f, isSequentialWire(m.create.mode));
    for (const single of [m.delete, m.setData, m.check]) if (single) validatePath(single.path, f);
  });
}

/** The typed error a request would fail with, or undefined when it may be sent. */
export function requestProblem(op: Op): BasaltError | undefined {
  try {
    checkOp(op);
    return undefined;
  } catch (err) {
    if (isBasaltError(err)) return err;
    throw err;
  }
}
