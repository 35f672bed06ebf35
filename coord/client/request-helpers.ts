/**
 * CoordClient's small pure helpers: the reconnect backoff bounds, how watch specs are split into
 * SetWatches frames under the frame limit, how much data a request carries, and the shape of a
 * membership change's answer.
 */
import { BasaltError, ErrorCodes, invalidArgument } from '../../common/errors.js';
import { MAX_FRAME_BYTES, type ClientRequest, type WireResponse } from './protocol.js';
import { createModeToWire, statFromWire, toData, type MultiOp, type MultiResult } from './types.js';
import type { WatchRegistry } from './watch-registry.js';

/** Reconnect backoff: the first bound, its cap, and the cap while an election is under way. */
export const BASE_BACKOFF_MS = 25;
export const MAX_BACKOFF_MS = 1_000;
export const ELECTION_POLL_MS = 50;
/** How long after a NOT_LEADER the client keeps polling at ELECTION_POLL_MS (a few election timeouts). */
export const ELECTION_WINDOW_MS = 2_000;
/** A link that stayed up this long was a success: the next reconnect starts the backoff over. */
export const STABLE_LINK_MS = 2_000;

export function reconfigResult(r: WireResponse): { voters: number[]; learners: number[]; clusterId: string } {
  return { voters: r.reconfig?.voters ?? [], learners: r.reconfig?.learners ?? [], clusterId: r.reconfig?.clusterId ?? '' };
}

/** Bytes of watch specs (paths) per SetWatches frame: a quarter of the frame limit. */
const SET_WATCHES_FRAME_BYTES = MAX_FRAME_BYTES / 4;

/** Watch specs in groups whose paths fit one SetWatches frame each. */
export function chunkWatchSpecs(specs: ReturnType<WatchRegistry['specs']>): Array<ReturnType<WatchRegistry['specs']>> {
  const out: Array<ReturnType<WatchRegistry['specs']>> = [];
  let group: ReturnType<WatchRegistry['specs']> = [];
  let bytes = 0;
  for (const spec of specs) {
    const size = Buffer.byteLength(spec.path ?? '', 'utf8') + 8;
    if (group.length > 0 && bytes + size > SET_WATCHES_FRAME_BYTES) {
      out.push(group);
      group = [];
      bytes = 0;
    }
    group.push(spec);
    bytes += size;
  }
  if (group.length > 0) out.push(group);
  return out;
}

/** Bytes of znode data a request carries (the part that can make a frame too large). */
export function payloadSize(op: Omit<ClientRequest, 'xid'>): number {
  let n = (op.create?.data?.length ?? 0) + (op.setData?.data?.length ?? 0);
  for (const m of op.multi?.ops ?? []) n += (m.create?.data?.length ?? 0) + (m.setData?.data?.length ?? 0);
  return n;
}

/** A multi's ops on the wire; a typo (unknown op or create mode) is INVALID_ARGUMENT naming ops[i]. */
export function multiOpsToWire(ops: MultiOp[]): NonNullable<NonNullable<ClientRequest['multi']>['ops']> {
  if (!Array.isArray(ops)) throw invalidArgument('ops', 'expected an array of ops');
  return ops.map((op, i) => {
    switch (op?.op) {
      case 'create':
        return { create: { path: op.path, data: toData(op.data), mode: createModeToWire(op.mode ?? 'persistent', `ops[${i}].mode`) } };
      case 'delete':
        return { delete: { path: op.path, version: op.version ?? -1 } };
      case 'setData':
        return { setData: { path: op.path, data: toData(op.data), version: op.version ?? -1 } };
      case 'check':
        return { check: { path: op.path, version: op.version } };
      default:
        throw invalidArgument(`ops[${i}].op`, `unsupported op ${JSON.stringify((op as { op?: unknown } | undefined)?.op)}; expected create, delete, setData or check`);
    }
  });
}

export function multiResultsFromWire(r: WireResponse): MultiResult[] {
  return (r.multi?.results ?? []).map((res, i): MultiResult => {
    if (res.create) return { op: 'create', path: res.create.path ?? '', stat: statFromWire(res.create.stat) };
    if (res.setData) return { op: 'setData', stat: statFromWire(res.setData.stat) };
    if (res.checked) return { op: 'check' };
    if (res.deleted) return { op: 'delete' };
    throw new BasaltError(ErrorCodes.INTERNAL, `multi: empty result for op ${i}`);
  });
}
