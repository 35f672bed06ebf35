/**
 * A table seen from the client: every single-row operation is "locate the region, send to its
 * server, retry on a stale location", under one deadline. Puts get their timestamps once, before
 * the first attempt, so a resend writes the same cells; increments, appends and checkAndMutate
 * carry a nonce (the region applies a resend at most once); only newest-version deletes without a
 * timestamp are not resent after an in-doubt failure (OUTCOME_UNKNOWN instead).
 */
import { basalt } from '../proto/generated/basalt.js';
import { BasaltError, ErrorCodes, invalidArgument } from '../common/errors.js';
import { rowFromProto } from '../common/rs-wire/rows.js';
import type {
  Append,
  BatchAction,
  BatchResult,
  BytesInput,
  CheckAndMutate,
  Delete,
  Get,
  Increment,
  Put,
  Result,
  RowMutation,
  Scan,
  Table,
} from './api.js';
import { runBatch, type PreparedAction } from './batch.js';
import type { ClusterConnection } from './connection.js';
import {
  appendMessage,
  checkAndMutateMessage,
  deleteMutation,
  getMessage,
  incrementMessage,
  isIdempotentMutation,
  putMutation,
  rowKey,
  rowMutation,
} from './convert.js';
import type { RegionLocation } from './location-cache.js';
import { toBasaltError } from './retry.js';
import { RowResultView } from './result.js';
import type { RegionServerClient, RequestOp } from './rpc/region-server-client.js';
import { scanTable } from './scanner.js';

import pb = basalt.regionserver;

export class TableClient implements Table {
  constructor(
    readonly conn: ClusterConnection,
    readonly name: string,
  ) {}

  /** A nonce for one non-idempotent call: its retries carry the same one, so it applies at most once. */
  private nonce(): { nonceGroup: number; nonce: number } {
    return { nonceGroup: this.conn.nonceGroup, nonce: this.conn.nextNonce() };
  }

  /** Sends `op(region)` to the region holding `row`, retrying on stale locations until the deadline. */
  async onRow(row: Buffer, what: string, idempotent: boolean, op: (region: string) => RequestOp): Promise<pb.IResponseItem> {
    const { locator } = this.conn;
    let hinted = false;
    return this.conn.retrier.run(
      `${what} on ${this.name}`,
      idempotent,
      async ({ timeoutMs }) => {
        const loc = await locator.locate(this.name, { row }, timeoutMs);
        return this.send(loc, op(loc.encodedName), timeoutMs);
      },
      {
        onRetry: (err) => {
          hinted = err.code === ErrorCodes.REGION_MOVED && (typeof err.details.address === 'string' || typeof err.details.location === 'string');
        },
        skipPause: () => hinted,
      },
    );
  }

  /** One request to one region; a failure drops what it proves stale from the location cache. */
  async send(loc: RegionLocation, op: RequestOp, timeoutMs: number): Promise<pb.IResponseItem> {
    let server: RegionServerClient;
    try {
      server = this.conn.server(loc.address);
      return await server.call(op, { timeoutMs });
    } catch (err) {
      const e = toBasaltError(err);
      if (!this.conn.isClosed) this.conn.locator.onError(loc, e);
      throw e;
    }
  }

  async put(put: Put | Put[]): Promise<void> {
    if (Array.isArray(put)) {
      const results = await this.batch(put.map((p) => ({ put: p })));
      throwFirstError(results);
      return;
    }
    const mutation = putMutation(put, 'put', this.conn.clock.now());
    await this.onRow(Buffer.from(mutation.row!), 'put', true, (region) => ({ mutate: { region, mutation } }));
  }

  async get(get: Get): Promise<Result> {
    const message = getMessage(get, 'get');
    const row = Buffer.from(message.row!);
    const r = await this.onRow(row, 'get', true, (region) => ({ get: { region, get: message } }));
    return RowResultView.from(r.get?.row ? rowFromProto(r.get.row) : undefined, row);
  }

  async getMany(gets: Get[]): Promise<Result[]> {
    if (!Array.isArray(gets)) throw invalidArgument('gets', 'must be an array');
    const results = await this.batch(gets.map((g) => ({ get: g })));
    throwFirstError(results);
    return results.map((r) => (r as { result: Result }).result);
  }

  async exists(get: Get): Promise<boolean> {
    const message = getMessage(get, 'get');
    const r = await this.onRow(Buffer.from(message.row!), 'exists', true, (region) => ({ exists: { region, get: message } }));
    return r.exists?.exists === true;
  }

  async delete(del: Delete | Delete[]): Promise<void> {
    if (Array.isArray(del)) {
      const results = await this.batch(del.map((d) => ({ delete: d })));
      throwFirstError(results);
      return;
    }
    const mutation = deleteMutation(del, 'delete');
    await this.onRow(Buffer.from(mutation.row!), 'delete', isIdempotentMutation(mutation), (region) => ({ mutate: { region, mutation } }));
  }

  scan(scan?: Scan): AsyncIterable<Result> {
    return scanTable(this, scan);
  }

  async increment(increment: Increment): Promise<Result> {
    const message = { ...incrementMessage(increment, 'increment'), ...this.nonce() };
    const row = Buffer.from(message.row!);
    const r = await this.onRow(row, 'increment', true, (region) => ({ mutate: { region, increment: message } }));
    return RowResultView.from(rowFromProto(r.mutate?.row ?? { row }), row);
  }

  async incrementColumnValue(row: BytesInput, family: string, qualifier: BytesInput, amount: number | bigint = 1): Promise<bigint> {
    const result = await this.increment({ row, columns: [{ family, qualifier, amount }] });
    const value = result.counter(family, qualifier);
    if (value === undefined) throw new BasaltError(ErrorCodes.INTERNAL, 'the increment returned no counter');
    return value;
  }

  async append(append: Append): Promise<Result> {
    const message = { ...appendMessage(append, 'append'), ...this.nonce() };
    const row = Buffer.from(message.row!);
    const r = await this.onRow(row, 'append', true, (region) => ({ mutate: { region, append: message } }));
    return RowResultView.from(rowFromProto(r.mutate?.row ?? { row }), row);
  }

  async checkAndMutate(check: CheckAndMutate): Promise<boolean> {
    const row = rowKey(check?.row, 'check.row');
    const request = { ...checkAndMutateMessage(check, this.conn.clock.now()), ...this.nonce() };
    const r = await this.onRow(row, 'checkAndMutate', true, (region) => ({ checkAndMutate: { ...request, region } }));
    return r.checkAndMutate?.succeeded === true;
  }

  async mutateRow(row: BytesInput, mutations: RowMutation[]): Promise<void> {
    const key = rowKey(row, 'row');
    const mutation = rowMutation(key, mutations, 'mutations', this.conn.clock.now());
    await this.onRow(key, 'mutateRow', isIdempotentMutation(mutation), (region) => ({ mutateRow: { region, mutations: [mutation] } }));
  }

  async batch(actions: BatchAction[]): Promise<BatchResult[]> {
    if (!Array.isArray(actions)) throw invalidArgument('actions', 'must be an array');
    const now = this.conn.clock.now();
    const prepared: PreparedAction[] = [];
    // Every action is checked before anything is sent: a bad one refuses the whole batch.
    for (let i = 0; i < actions.length; i++) {
      const a = actions[i] as Record<string, unknown> | undefined;
      const at = `actions[${i}]`;
      if (typeof a !== 'object' || a === null) throw invalidArgument(at, 'must be an object');
      if (a.put !== undefined) {
        const mutation = putMutation(a.put as Put, `${at}.put`, now);
        prepared.push({ row: Buffer.from(mutation.row!), action: { mutation }, idempotent: true, returnsRow: false });
      } else if (a.delete !== undefined) {
        const mutation = deleteMutation(a.delete as Delete, `${at}.delete`);
        prepared.push({ row: Buffer.from(mutation.row!), action: { mutation }, idempotent: isIdempotentMutation(mutation), returnsRow: false });
      } else if (a.get !== undefined) {
        const get = getMessage(a.get as Get, `${at}.get`);
        prepared.push({ row: Buffer.from(get.row!), action: { get }, idempotent: true, returnsRow: true });
      } else if (a.increment !== undefined) {
        const increment = { ...incrementMessage(a.increment as Increment, `${at}.increment`), ...this.nonce() };
        prepared.push({ row: Buffer.from(increment.row!), action: { increment }, idempotent: true, returnsRow: true });
      } else if (a.append !== undefined) {
        const append = { ...appendMessage(a.append as Append, `${at}.append`), ...this.nonce() };
        prepared.push({ row: Buffer.from(append.row!), action: { append }, idempotent: true, returnsRow: true });
      } else {
        throw invalidArgument(at, 'one of put, delete, get, increment, append');
      }
    }
    return runBatch(this, prepared);
  }
}

function throwFirstError(results: BatchResult[]): void {
  const index = results.findIndex((r) => !r.ok);
  if (index < 0) return;
  const failed = results[index] as { ok: false; error: Error & { code: string } };
  const err = failed.error instanceof BasaltError ? failed.error : toBasaltError(failed.error);
  throw new BasaltError(err.code, `action ${index}: ${err.message}`, { ...err.details, index });
}

