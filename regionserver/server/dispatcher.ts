/**
 * Executes one data request against this server's regions and answers with a response item that
 * holds either the result or the request's own error. Never throws: one failed request never fails
 * its neighbours in a frame. Bounds: request sizes (RequestDecoder), open scanners, scanner batch
 * rows and bytes; writes are acknowledged only while the server's coordination lease holds.
 */
import { basalt } from '../../proto/generated/basalt.js';
import { BasaltError, ErrorCodes, invalidArgument, isBasaltError } from '../../common/errors.js';
import { toWireError } from '../../common/grpc-errors.js';
import type { Mutation, RowResult } from '../region/api.js';
import { num, RequestDecoder, rowToProto, type FilterDecoder, type RequestLimits } from './conversions.js';
import { QualifierCache } from './qualifier-cache.js';
import { containsRow, type OnlineRegion, type RegionRegistry } from './registry.js';
import type { OpenScanner, ScannerRegistry } from './scanners.js';

import pb = basalt.regionserver;

/** Acknowledging a write is allowed only while this holds (DESIGN.md, fencing). */
export interface WriteFence {
  /** Throws FENCED when the server's coordination lease may have lapsed. */
  checkWritable(): void;
}

export const alwaysWritable: WriteFence = { checkWritable: () => undefined };

/**
 * The check after a write was applied: the lease that lapsed meanwhile turns the answer into
 * OUTCOME_UNKNOWN (the write is in the log and will be replayed by the next owner; a retry of a
 * non-idempotent operation needs its nonce).
 */
export function checkAcknowledgeable(fence: WriteFence): void {
  try {
    fence.checkWritable();
  } catch (err) {
    if (!isBasaltError(err, ErrorCodes.FENCED)) throw err;
    throw new BasaltError(ErrorCodes.OUTCOME_UNKNOWN, 'the write was applied, but the lease lapsed before it could be acknowledged: it may survive', {
      ...err.details,
      applied: true,
    });
  }
}

export interface DispatcherOptions {
  limits: RequestLimits;
  filters: FilterDecoder;
  scannerBatchRows: number;
  scannerBatchBytes: number;
}

export interface RequestCounters {
  read: number;
  write: number;
}

/** Sees every request's operation, latency and outcome ('ok' or the error code): the metrics hook. */
export type RequestObserver = (operation: string, seconds: number, outcome: string) => void;

const OPERATIONS = ['get', 'mutate', 'multi', 'checkAndMutate', 'mutateRow', 'scan', 'exists'] as const;

function operationOf(item: pb.IRequestItem): string {
  for (const op of OPERATIONS) if (item[op]) return op;
  return 'unknown';
}

export class Dispatcher {
  readonly counters: RequestCounters = { read: 0, write: 0 };
  /** Set by the info port's metrics (off: nothing is timed). */
  observer: RequestObserver | undefined;

  /** Written cells of one table share few qualifiers: one copy each (qualifier-cache.ts). */
  private readonly qualifiers = new QualifierCache();

  constructor(
    private readonly registry: RegionRegistry,
    private readonly scanners: ScannerRegistry,
    private readonly fence: WriteFence,
    private readonly options: DispatcherOptions,
  ) {}

  async execute(item: pb.IRequestItem): Promise<pb.IResponseItem> {
    const id = item.id ?? 0;
    const observer = this.observer;
    const started = observer ? process.hrtime.bigint() : 0n;
    try {
      const response = { id, ...(await this.run(item)) };
      observer?.(operationOf(item), Number(process.hrtime.bigint() - started) / 1e9, 'ok');
      return response;
    } catch (err) {
      const error = toWireError(err);
      observer?.(operationOf(item), Number(process.hrtime.bigint() - started) / 1e9, error.code ?? 'INTERNAL');
      return { id, error };
    }
  }

  /**
   * The stream's entry point: like `execute`, but a successful get comes back as its ResponseItem
   * already encoded. Gets are most of a read load and a get of a row in memstore/store files is
   * served synchronously, so its per-request cost is what the data plane adds around it: one
   * promise hop instead of a chain of async frames, and no intermediate protobuf objects. Calls
   * `done` exactly once and never throws.
   */
  executeWire(item: pb.IRequestItem, done: (response: pb.IResponseItem | Uint8Array) => void, fits?: (bytes: number) => boolean): void {
    const req = item.get;
    if (!req) {
      void this.execute(item).then(done);
      return;
    }
    const id = item.id ?? 0;
    const observer = this.observer;
    if (observer) {
      // Timed: wrap `done` (the untimed path below stays as lean as it was).
      const started = process.hrtime.bigint();
      const inner = done;
      done = (response) => {
        const outcome = response instanceof Uint8Array ? 'ok' : (response.error?.code ?? 'ok');
        observer('get', Number(process.hrtime.bigint() - started) / 1e9, outcome);
        inner(response);
      };
    }
    let entry: OnlineRegion;
    let pending: Promise<RowResult | undefined>;
    try {
      const d = this.decoder();
      const region = d.region(req.region);
      const get = d.get(req.get, 'get');
      entry = this.registry.acquire(region, get.row);
      try {
        pending = entry.port!.get(get);
      } catch (err) {
        this.registry.release(entry);
        throw err;
      }
    } catch (err) {
      done({ id, error: toWireError(err) });
      return;
    }
    pending.then(
      (row) => {
        this.registry.release(entry);
        this.counters.read++;
        let bytes: Uint8Array;
        try {
          bytes = encodeGetResponseItem(id, row, fits);
        } catch (err) {
          done({ id, error: toWireError(err) });
          return;
        }
        done(bytes);
      },
      (err: unknown) => {
        this.registry.release(entry);
        done({ id, error: toWireError(err) });
      },
    );
  }

  private decoder(): RequestDecoder {
    return new RequestDecoder(this.options.limits, this.options.filters, this.qualifiers);
  }

  private async run(item: pb.IRequestItem): Promise<Omit<pb.IResponseItem, 'id'>> {
    if (item.get) return { get: await this.get(item.get) };
    if (item.mutate) return { mutate: await this.mutate(item.mutate) };
    if (item.multi) return { multi: await this.multi(item.multi) };
    if (item.checkAndMutate) return { checkAndMutate: await this.checkAndMutate(item.checkAndMutate) };
    if (item.mutateRow) return { mutateRow: await this.mutateRow(item.mutateRow) };
    if (item.scan) return { scan: await this.scan(item.scan) };
    if (item.exists) return { exists: await this.exists(item.exists) };
    throw invalidArgument('op', 'the request names no operation');
  }

  /** Runs `fn` on the region while holding it, so a close waits for it. */
  private async onRegion<T>(region: string, row: Buffer | undefined, fn: (entry: OnlineRegion) => Promise<T>): Promise<T> {
    const entry = this.registry.acquire(region, row);
    try {
      return await fn(entry);
    } finally {
      this.registry.release(entry);
    }
  }

  /**
   * A write: fenced before it starts (FENCED: refused, nothing happened) and again before it is
   * acknowledged. A write applied while the lease lapsed is answered OUTCOME_UNKNOWN, never FENCED:
   * it is in the WAL and the next owner replays it (STYLE.md §13, an answer never lies).
   */
  private async write<T>(region: string, row: Buffer | undefined, fn: (entry: OnlineRegion) => Promise<T>): Promise<T> {
    this.fence.checkWritable();
    const result = await this.onRegion(region, row, fn);
    this.counters.write++;
    checkAcknowledgeable(this.fence);
    return result;
  }

  private async get(req: pb.IGetRequest): Promise<pb.IGetResponse> {
    const d = this.decoder();
    const region = d.region(req.region);
    const get = d.get(req.get, 'get');
    const row = await this.onRegion(region, get.row, (e) => e.port!.get(get));
    this.counters.read++;
    return row && row.cells.length > 0 ? { row: rowToProto(row) } : {};
  }

  private async exists(req: pb.IExistsRequest): Promise<pb.IExistsResponse> {
    const d = this.decoder();
    const region = d.region(req.region);
    const get = d.get(req.get, 'get');
    const exists = await this.onRegion(region, get.row, (e) => e.port!.exists(get));
    this.counters.read++;
    return { exists };
  }

  private async mutate(req: pb.IMutateRequest): Promise<pb.IMutateResponse> {
    const d = this.decoder();
    const region = d.region(req.region);
    if (req.mutation) {
      const m = d.mutation(req.mutation, 'mutation');
      await this.write(region, m.row, (e) => e.port!.mutate(m));
      return {};
    }
    if (req.increment) {
      const inc = d.increment(req.increment, 'increment');
      return { row: rowToProto(await this.write(region, inc.row, (e) => e.port!.increment(inc))) };
    }
    if (req.append) {
      const app = d.append(req.append, 'append');
      return { row: rowToProto(await this.write(region, app.row, (e) => e.port!.append(app))) };
    }
    throw invalidArgument('mutate.kind', 'mutation, increment or append is required');
  }

  private async mutateRow(req: pb.IMutateRowRequest): Promise<pb.IMutateRowResponse> {
    const d = this.decoder();
    const region = d.region(req.region);
    const list = req.mutations ?? [];
    if (list.length === 0) throw invalidArgument('mutateRow.mutations', 'at least one mutation');
    const mutations = list.map((m, i) => d.mutation(m, `mutateRow.mutations[${i}]`));
    const row = mutations[0]!.row;
    mutations.forEach((m, i) => {
      if (!m.row.equals(row)) throw invalidArgument(`mutateRow.mutations[${i}].row`, 'every mutation must be on the same row');
    });
    await this.write(region, row, (e) => e.port!.mutateRow(mutations));
    return {};
  }

  private async checkAndMutate(req: pb.ICheckAndMutateRequest): Promise<pb.ICheckAndMutateResponse> {
    const d = this.decoder();
    const region = d.region(req.region);
    const cam = d.checkAndMutate(req, 'checkAndMutate');
    const result = await this.write(region, cam.row, (e) => e.port!.checkAndMutate(cam));
    return { succeeded: result.succeeded };
  }

  /**
   * Many actions on one region, each with its own result. Mutations go to the region as one batch
   * (one group commit); reads run alongside. An action that is malformed or outside the region
   * fails alone.
   */
  private async multi(req: pb.IMultiRequest): Promise<pb.IMultiResponse> {
    const d = this.decoder();
    const region = d.region(req.region);
    const actions = req.actions ?? [];
    if (actions.length > this.options.limits.maxRowsPerRequest) {
      throw invalidArgument('multi.actions', `more than ${this.options.limits.maxRowsPerRequest} actions`, {
        limit: this.options.limits.maxRowsPerRequest,
      });
    }
    const results: pb.IMultiActionResult[] = new Array(actions.length);
    const hasWrite = actions.some((a) => !a.get);
    if (hasWrite) this.fence.checkWritable();
    return this.onRegion(region, undefined, async (entry) => {
      const port = entry.port!;
      const mutationIndexes: number[] = [];
      const mutations: Mutation[] = [];
      const others: Array<Promise<void>> = [];
      const inRegion = (row: Buffer): void => {
        if (!containsRow(entry.info, row)) {
          throw new BasaltError(ErrorCodes.WRONG_REGION, `row is outside region ${region}`, { region });
        }
      };
      const fail = (i: number, err: unknown): void => {
        results[i] = { error: toWireError(err) };
      };
      actions.forEach((action, i) => {
        const field = `multi.actions[${i}]`;
        try {
          if (action.mutation) {
            const m = d.mutation(action.mutation, `${field}.mutation`);
            inRegion(m.row);
            mutationIndexes.push(i);
            mutations.push(m);
          } else if (action.get) {
            const get = d.get(action.get, `${field}.get`);
            inRegion(get.row);
            others.push(
              port.get(get).then(
                (row) => {
                  this.counters.read++;
                  results[i] = row && row.cells.length > 0 ? { row: rowToProto(row) } : {};
                },
                (err) => fail(i, err),
              ),
            );
          } else if (action.increment) {
            const inc = d.increment(action.increment, `${field}.increment`);
            inRegion(inc.row);
            others.push(port.increment(inc).then((row) => void (results[i] = { row: rowToProto(row) }), (err) => fail(i, err)));
          } else if (action.append) {
            const app = d.append(action.append, `${field}.append`);
            inRegion(app.row);
            others.push(port.append(app).then((row) => void (results[i] = { row: rowToProto(row) }), (err) => fail(i, err)));
          } else {
            throw invalidArgument(`${field}.kind`, 'mutation, get, increment or append is required');
          }
        } catch (err) {
          fail(i, err);
        }
      });
      if (mutations.length > 0) {
        try {
          const outcomes = await port.batch(mutations);
          outcomes.forEach((err, j) => {
            const i = mutationIndexes[j]!;
            results[i] = err ? { error: toWireError(err) } : {};
          });
          this.counters.write += mutations.length;
        } catch (err) {
          for (const i of mutationIndexes) fail(i, err);
        }
      }
      await Promise.all(others);
      if (hasWrite) {
        // The lease may have lapsed while the batch ran: the applied writes are OUTCOME_UNKNOWN.
        try {
          checkAcknowledgeable(this.fence);
        } catch (err) {
          actions.forEach((a, i) => {
            if (!a.get && !results[i]?.error) fail(i, err);
          });
        }
      }
      return { results };
    });
  }

  private async scan(req: pb.IScanRequest): Promise<pb.IScanResponse> {
    const d = this.decoder();
    const region = d.region(req.region);
    const scannerId = num(req.scannerId);
    if (!scannerId) {
      if (req.closeScanner) return { scannerId: 0 };
      const spec = d.scan(req.scan, 'scan.scan');
      this.scanners.checkCapacity();
      const scanner = await this.onRegion(region, undefined, (e) => e.port!.scan(spec));
      const entry = this.scanners.register(region, scanner, { reversed: spec.reversed === true, ...(spec.limit ? { limit: spec.limit } : {}) });
      return this.nextBatch(entry, req);
    }
    const entry = this.scanners.lookup(scannerId, region, req.closeScanner ? undefined : (req.callSeq ?? 0));
    if (req.closeScanner) {
      await this.scanners.close(entry);
      return { scannerId: 0 };
    }
    return this.nextBatch(entry, req);
  }

  private async nextBatch(entry: OpenScanner, req: pb.IScanRequest): Promise<pb.IScanResponse> {
    const maxRows = Math.min(req.maxRows || this.options.scannerBatchRows, this.options.limits.maxRowsPerRequest, entry.remaining);
    const maxBytes = Math.min(req.maxBytes || this.options.scannerBatchBytes, this.options.scannerBatchBytes);
    entry.busy = true;
    let rows: RowResult[];
    let more: boolean;
    try {
      // Holding the region keeps a close from releasing its files under the running batch.
      ({ rows, more } = await this.onRegion(entry.region, undefined, () => entry.scanner.next(maxRows, maxBytes)));
    } catch (err) {
      entry.busy = false;
      await this.scanners.close(entry).catch(() => undefined);
      throw err;
    }
    entry.busy = false;
    entry.callSeq++;
    this.scanners.touch(entry);
    this.counters.read += rows.length;
    let completeRows = 0;
    for (const r of rows) if (!r.partial) completeRows++;
    entry.remaining -= completeRows;
    if (entry.remaining <= 0) more = false;
    const out: pb.IScanResponse = { rows: rows.map(rowToProto), moreResults: more, leaseMs: this.scanners.leaseMs };
    const last = rows[rows.length - 1];
    if (last) {
      // A client that must continue elsewhere (region moved, scanner expired) restarts here: after
      // the last whole row, or at the row whose chunks were cut short.
      out.resumeRow = last.row;
      out.resumeInclusive = last.partial === true;
      out.hasResume = true;
    }
    if (more) {
      out.scannerId = entry.id;
    } else {
      out.scannerId = 0;
      await this.scanners.close(entry);
    }
    return out;
  }
}

/**
 * A get's ResponseItem, encoded straight from the region's cells: the same bytes as
 * `pb.ResponseItem.encode({ id, get: { row: rowToProto(row) } })` (proto3 defaults omitted, an
 * empty GetResponse when the row has no visible cells). Sizes are computed first and the bytes
 * written into one buffer: protobufjs' Writer allocates an operation node per field (some 70 per
 * 10-cell row) and copies the result once more. A cell with a number the fast path does not cover
 * (negative or fractional) takes the generic encoder.
 */
/**
 * `fits`: asked with the encoded size before anything is allocated; when it says no, the answer is
 * SERVER_BUSY (the stream's response bytes are at their bound; a get is safe to retry).
 */
export function encodeGetResponseItem(id: number, row: RowResult | undefined, fits?: (bytes: number) => boolean): Uint8Array {
  if (!row || row.cells.length === 0) return pb.ResponseItem.encode({ id, get: {} }).finish();
  const cellSizes: number[] = new Array(row.cells.length);
  const familyBytes: number[] = new Array(row.cells.length);
  let rowSize = row.row.length > 0 ? 1 + varintSize(row.row.length) + row.row.length : 0;
  for (let i = 0; i < row.cells.length; i++) {
    const c = row.cells[i]!;
    if (!isVarintNumber(c.timestamp) || !isVarintNumber(c.sequenceId) || !isVarintNumber(c.type)) {
      return pb.ResponseItem.encode({ id, get: { row: rowToProto(row) } }).finish();
    }
    const fb = c.family === '' ? 0 : Buffer.byteLength(c.family);
    familyBytes[i] = fb;
    let n = 0;
    if (fb > 0) n += 1 + varintSize(fb) + fb;
    if (c.qualifier.length > 0) n += 1 + varintSize(c.qualifier.length) + c.qualifier.length;
    if (c.timestamp !== 0) n += 1 + varintSize(c.timestamp);
    if ((c.type as number) !== 0) n += 1 + varintSize(c.type);
    if (c.value.length > 0) n += 1 + varintSize(c.value.length) + c.value.length;
    if (c.sequenceId !== 0) n += 1 + varintSize(c.sequenceId);
    cellSizes[i] = n;
    rowSize += 1 + varintSize(n) + n;
  }
  if (row.partial) rowSize += 2;
  const getSize = 1 + varintSize(rowSize) + rowSize;
  const total = (id !== 0 ? 1 + varintSize(id) : 0) + 1 + varintSize(getSize) + getSize;
  if (fits && !fits(total)) {
    return pb.ResponseItem.encode({ id, error: toWireError(new BasaltError(ErrorCodes.SERVER_BUSY, 'responses queued past the byte bound: read the stream, then retry')) }).finish();
  }
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  if (id !== 0) {
    out[pos++] = 8;
    pos = writeVarint(out, pos, id);
  }
  out[pos++] = 26; // ResponseItem.get
  pos = writeVarint(out, pos, getSize);
  out[pos++] = 10; // GetResponse.row
  pos = writeVarint(out, pos, rowSize);
  if (row.row.length > 0) {
    out[pos++] = 10;
    pos = writeVarint(out, pos, row.row.length);
    out.set(row.row, pos);
    pos += row.row.length;
  }
  for (let i = 0; i < row.cells.length; i++) {
    const c = row.cells[i]!;
    out[pos++] = 18; // Row.cells
    pos = writeVarint(out, pos, cellSizes[i]!);
    const fb = familyBytes[i]!;
    if (fb > 0) {
      out[pos++] = 10;
      pos = writeVarint(out, pos, fb);
      pos += out.write(c.family, pos, fb, 'utf8');
    }
    if (c.qualifier.length > 0) {
      out[pos++] = 18;
      pos = writeVarint(out, pos, c.qualifier.length);
      out.set(c.qualifier, pos);
      pos += c.qualifier.length;
    }
    if (c.timestamp !== 0) {
      out[pos++] = 24;
      pos = writeVarint(out, pos, c.timestamp);
    }
    if ((c.type as number) !== 0) {
      out[pos++] = 32;
      pos = writeVarint(out, pos, c.type);
    }
    if (c.value.length > 0) {
      out[pos++] = 42;
      pos = writeVarint(out, pos, c.value.length);
      out.set(c.value, pos);
      pos += c.value.length;
    }
    if (c.sequenceId !== 0) {
      out[pos++] = 48;
      pos = writeVarint(out, pos, c.sequenceId);
    }
  }
  if (row.partial) {
    out[pos++] = 24;
    out[pos++] = 1;
  }
  return out;
}

/** A number the varint fast path encodes exactly as protobufjs would: a non-negative safe integer. */
function isVarintNumber(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeVarint(out: Buffer, pos: number, n: number): number {
  while (n >= 128) {
    out[pos++] = (n % 128) | 128;
    n = Math.floor(n / 128);
  }
  out[pos++] = n;
  return pos;
}
