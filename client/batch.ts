/**
 * batch(): many actions on many rows. Each round locates every unfinished action, groups them per
 * region (one Multi per region, at most MAX_ACTIONS_PER_MULTI actions; the requests bound for one
 * server leave in one stream frame), and sends the groups in parallel. A region-level refusal
 * (stale location) puts its actions back for the next round; an in-doubt failure puts back only
 * the idempotent ones (the others answer OUTCOME_UNKNOWN); any other error answers the actions it
 * concerns. Rounds pause with the same backoff as single operations and stop at the deadline
 * (remaining actions: TIMEOUT). One result per action, in order.
 */
import { basalt } from '../proto/generated/basalt.js';
import { BasaltError } from '../common/errors.js';
import { fromWireError } from '../common/grpc-errors.js';
import { rowFromProto } from '../common/rs-wire/rows.js';
import type { BatchResult } from './api.js';
import type { RegionLocation } from './location-cache.js';
import { classify, outcomeUnknown, toBasaltError } from './retry.js';
import { RowResultView } from './result.js';
import type { TableClient } from './table.js';

import pb = basalt.regionserver;

/** Stays well under the server's maxRowsPerRequest (10,000 by default). */
const MAX_ACTIONS_PER_MULTI = 1_000;

export interface PreparedAction {
  row: Buffer;
  action: pb.IMultiAction;
  idempotent: boolean;
  returnsRow: boolean;
}

export async function runBatch(table: TableClient, actions: PreparedAction[]): Promise<BatchResult[]> {
  const results: Array<BatchResult | undefined> = new Array(actions.length);
  let pending: number[] = actions.map((_, i) => i);
  const budget = table.conn.retrier.budget(`batch of ${actions.length} on ${table.name}`);
  let lastError: BasaltError | undefined;
  const fail = (i: number, err: BasaltError): void => {
    results[i] = { ok: false, error: err };
  };
  /** An action that met a retryable error: retried next round, or answered now if it must not be resent. */
  const retryOrAnswer = (i: number, err: BasaltError, next: number[]): void => {
    const kind = classify(err);
    if (kind === 'final') return fail(i, err);
    if (kind === 'in-doubt') {
      if (!actions[i]!.idempotent) return fail(i, outcomeUnknown('batch action', err));
      budget.inDoubt = true;
    }
    lastError = err;
    next.push(i);
  };

  while (pending.length > 0) {
    const next: number[] = [];
    const timeoutMs = budget.rpcTimeoutMs();
    // Locate every pending action (the cache answers most; misses share meta lookups).
    const located = await Promise.all(
      pending.map((i) =>
        table.conn.locator.locate(table.name, { row: actions[i]!.row }, timeoutMs).then(
          (loc) => ({ i, loc }),
          (err: unknown) => ({ i, err: toBasaltError(err) }),
        ),
      ),
    );
    const groups = new Map<string, { loc: RegionLocation; indexes: number[] }>();
    for (const entry of located) {
      if ('err' in entry) {
        retryOrAnswer(entry.i, entry.err, next);
        continue;
      }
      const key = `${entry.loc.encodedName}@${entry.loc.address}`;
      const group = groups.get(key) ?? { loc: entry.loc, indexes: [] };
      group.indexes.push(entry.i);
      groups.set(key, group);
    }
    const sends: Array<Promise<void>> = [];
    for (const { loc, indexes } of groups.values()) {
      for (let from = 0; from < indexes.length; from += MAX_ACTIONS_PER_MULTI) {
        const chunk = indexes.slice(from, from + MAX_ACTIONS_PER_MULTI);
        const request = { multi: { region: loc.encodedName, actions: chunk.map((i) => actions[i]!.action) } };
        sends.push(
          table.send(loc, request, timeoutMs).then(
            (response) => {
              const answers = response.multi?.results ?? [];
              chunk.forEach((i, k) => {
                const answer = answers[k];
                if (!answer) return retryOrAnswer(i, new BasaltError('INTERNAL', 'the server answered fewer results than actions'), next);
                if (answer.error) {
                  const err = fromWireError(answer.error);
                  // A per-action location error: the region changed under this one action.
                  if (classify(err) !== 'final') table.conn.locator.onError(loc, err);
                  return retryOrAnswer(i, err, next);
                }
                const a = actions[i]!;
                results[i] = a.returnsRow ? { ok: true, result: RowResultView.from(answer.row ? rowFromProto(answer.row) : undefined, a.row) } : { ok: true };
              });
            },
            (err: unknown) => {
              const e = toBasaltError(err);
              for (const i of chunk) retryOrAnswer(i, e, next);
            },
          ),
        );
      }
    }
    await Promise.all(sends);
    pending = next;
    if (pending.length === 0) break;
    try {
      await budget.pause(lastError ?? new BasaltError('UNAVAILABLE', 'retrying'));
    } catch (err) {
      const e = toBasaltError(err);
      for (const i of pending) fail(i, e);
      pending = [];
    }
  }
  return results.map((r) => r ?? { ok: false, error: new BasaltError('INTERNAL', 'batch action was never answered') });
}
