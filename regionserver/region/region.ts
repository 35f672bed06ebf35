/**
 * A Region: one key range [startKey, endKey) of one table, one Store per column family, behind
 * the region server's WAL.
 *
 * Write path (write-path.ts; HBase's doMiniBatchMutate, simplified): take the row locks, pass the
 * updates gate, take a sequence id per row mutation, append to the WAL, insert into the memstore
 * (invisible: above the read point), await the WAL sync that covers it — one sync for a whole
 * batch, and concurrent writers share syncs through the WAL's group commit — then complete the
 * MVCC entry, wait for the read point to pass it, and release the locks. Visible ⇒ durable.
 * Opening (store files, WAL replay) is in region-open.ts; increment, append and checkAndMutate in
 * region-rmw.ts.
 *
 * Flush (region-flush.ts) and compaction (region-compaction.ts) run in the background, never
 * inline with a write; the manifest records the store files and the max flushed sequence id, so
 * open knows where WAL replay starts. Open options and what a region asks of its server are in
 * region-options.ts.
 *
 * Buffers are not copied: a mutation's Buffers go into the memstore as they are and reads return
 * cells sharing them, so callers treat both as immutable. docs/storage.md explains the rest.
 */
import { compareBytes } from '../../common/bytes.js';
import type { Clock } from '../../common/clock.js';
import type { RegionServerConfig } from '../../common/config.js';
import { BasaltError, ErrorCodes, invalidArgument, isBasaltError } from '../../common/errors.js';
import { createLogger } from '../../common/logger.js';
import { openMarkerEntry } from '../wal/fencing.js';
import type { Store } from '../storage/store.js';
import type {
  AppendRequest,
  CheckAndMutateRequest,
  CheckAndMutateResult,
  GetRequest,
  IncrementRequest,
  Mutation,
  MutationCell,
  RegionInfo,
  RegionLoad,
  RowResult,
  ScanRequest,
} from './api.js';
import type { RegionManifest } from './manifest.js';
import { referenceCount } from '../storage/reference-file.js';
import { Mvcc } from './mvcc.js';
import { walRegionKey } from './identity.js';
import { RegionNonces } from './nonces.js';
import { planRead, readPlannedRow } from './read-plan.js';
import { RegionCompactor } from './region-compaction.js';
import { RegionFiles } from './region-files.js';
import { RegionFlusher } from './region-flush.js';
import { RegionReadModifyWrite } from './region-rmw.js';
import { loadStores, replayWal, validateFamilies } from './region-open.js';
import type { IncrementResult, RegionBasics, RegionFlushReason, RegionOpenOptions, RegionWriteCore } from './region-options.js';
import { RegionScannerImpl, scanBounds, type RegionScanner } from './region-scanner.js';
import { RowLocks } from './row-locks.js';
import { UpdatesGate } from './updates-gate.js';
import { checkRow, containsRow, requestTooLarge, validateMutation } from './validation.js';
import { memstoreSizeBytes, WritePath, type RowWrite } from './write-path.js';

export type { BackgroundWorkRecorder, IncrementResult, RegionFence, RegionFlushReason, RegionHousekeeping, RegionOpenOptions } from './region-options.js';
export type { RegionScanner } from './region-scanner.js';

const log = createLogger('region');

type RegionState = 'open' | 'closing' | 'closed';

export class Region {
  readonly info: RegionInfo;
  private readonly stores: Map<string, Store>;
  private readonly options: RegionOpenOptions;
  private readonly config: RegionServerConfig;
  private readonly clock: Clock;
  private readonly rowLocks = new RowLocks();
  private readonly gate: UpdatesGate;
  private readonly mvcc: Mvcc;
  private readonly writes: WritePath;
  private readonly nonces: RegionNonces;
  private readonly readModifyWrite: RegionReadModifyWrite;
  private state: RegionState = 'open';
  /** Set when a WAL sync failed: the region serves nothing more and closes without flushing. */
  private abortCause: unknown;
  private closing: Promise<void> | undefined;
  private readonly regionFiles: RegionFiles;
  private readonly flusher: RegionFlusher;
  private readonly compactor: RegionCompactor;
  private readRequests = 0;

  /** `lastSequenceId`: the highest sequence id in the store files or the replayed log. */
  private constructor(options: RegionOpenOptions, stores: Map<string, Store>, manifest: RegionManifest, lastSequenceId: number) {
    this.info = options.info;
    this.options = options;
    this.config = options.config;
    this.clock = options.clock;
    this.stores = stores;
    this.gate = new UpdatesGate(options.info.encodedName);
    this.mvcc = new Mvcc(lastSequenceId);
    this.nonces = new RegionNonces(options.clock);
    // Every manifest keeps the nonce table, so a flush never forgets a nonce (nonces.ts).
    this.regionFiles = new RegionFiles({ ...options, nonces: () => this.nonces.entries() }, stores);
    const isOpen = (): boolean => this.state === 'open';
    const basics: RegionBasics = { info: options.info, stores, clock: options.clock, config: options.config };
    const core: RegionWriteCore = { ...basics, wal: options.wal, gate: this.gate, mvcc: this.mvcc };
    this.compactor = new RegionCompactor({
      ...basics,
      files: this.regionFiles,
      housekeeping: options.housekeeping,
      isOpen,
      maxFlushedSequenceId: () => this.flusher.maxFlushedSequenceId,
      afterCompaction: () => this.flusher.maybeRequestFlush(),
    });
    this.flusher = new RegionFlusher({
      ...core,
      files: this.regionFiles,
      maxFlushedSequenceId: manifest.maxFlushedSequenceId,
      isOpen,
      // A flush never compacts: it queues a compaction for the server's slots.
      requestCompaction: () => this.compactor.schedule(),
      work: options.housekeeping?.work,
    });
    this.writes = new WritePath({
      ...core,
      openEpoch: options.openEpoch,
      maybeRequestFlush: () => this.flusher.maybeRequestFlush(),
      abort: (cause) => this.abort(cause),
      recordNonce: (nonce) => this.nonces.record(nonce),
      ...(options.housekeeping ? { checkServerMemstore: () => options.housekeeping!.checkMemstore() } : {}),
    });
    this.readModifyWrite = new RegionReadModifyWrite({
      ...basics,
      rowLocks: this.rowLocks,
      writes: this.writes,
      nonces: this.nonces,
    });
  }

  /**
   * Opens a region: loads its store files (a corrupt one fails the open with CORRUPT_STORE_FILE
   * and nothing is touched), replays the WAL after the max flushed sequence id into the memstore,
   * flushes what it replayed so the previous owner's log is never needed again, then writes and
   * syncs an open marker at its epoch (fencing) before taking writes.
   */
  static async open(options: RegionOpenOptions): Promise<Region> {
    validateFamilies(options.families);
    const { manifest, stores } = loadStores(options.dir, options.families, options.openEpoch, options.info, options.files);
    let region: Region | undefined;
    try {
      const replayedNonces: string[] = [];
      const { maxSequenceId, replayed } = await replayWal(options.wal, options.info, manifest, stores, (n) => replayedNonces.push(n));
      region = new Region(options, stores, manifest, maxSequenceId);
      // Nonces a flush took out of replay come back from the manifest, then the replayed ones.
      region.nonces.restore(manifest.nonces ?? []);
      for (const n of replayedNonces) region.nonces.record(n);
      // DESIGN.md: the new owner flushes what it replayed before taking writes, so the previous
      // owner's log is never needed again for this region (only when replay produced edits).
      if (replayed > 0) await region.flush('open');
      // Then the durable open marker at this open's epoch and first new sequence id: replay drops
      // every entry of an older epoch after it, so a zombie's later writes stay fenced even if this
      // open crashes before its first edit (regionserver/wal/fencing.ts).
      const markerId = region.mvcc.begin();
      await options.wal.sync(options.wal.append(openMarkerEntry(walRegionKey(options.info), markerId, options.openEpoch)));
      region.mvcc.complete(markerId);
      // A split daughter or merged region reads its parents' files through references until a
      // major compaction rewrites them into its own (and lets the parents' directories go).
      if (region.referenceFileCount() > 0) void region.compact(true).catch(() => undefined);
    } catch (err) {
      // A failed open leaves nothing open behind it (the files stay as they were on disk).
      if (region) region.state = 'closed';
      await Promise.all([...stores.values()].map((s) => s.close()));
      throw err;
    }
    return region;
  }

  /** The region's WAL key (table + encoded name): what the WAL's pressure names. */
  get walKey(): string {
    return walRegionKey(this.info);
  }

  get memstoreSizeBytes(): number {
    return memstoreSizeBytes(this.stores);
  }

  get lastWriteMs(): number {
    return this.writes.lastWriteMs;
  }

  /**
   * How close the fullest store is to blocking writes, as HBase's compaction pressure: (files −
   * compactionMinFiles) / (maxStoreFiles − compactionMinFiles), 0 when below the minimum; above 1
   * once a store holds maxStoreFiles or more.
   */
  get compactionPressure(): number {
    const { compactionMinFiles, maxStoreFiles } = this.config;
    let pressure = 0;
    for (const s of this.stores.values()) {
      pressure = Math.max(pressure, (s.files.length - compactionMinFiles) / Math.max(1, maxStoreFiles - compactionMinFiles));
    }
    return pressure;
  }

  /** Open, not aborted, and with something in a memstore to flush. */
  get flushable(): boolean {
    if (this.state !== 'open' || this.abortCause !== undefined) return false;
    for (const s of this.stores.values()) if (s.memstore.activeSizeBytes > 0) return true;
    return false;
  }

  containsRow(row: Buffer): boolean {
    return containsRow(this.info, row);
  }

  // ---------------------------------------------------------------- writes

  async put(mutation: Mutation): Promise<void> {
    return this.mutate(mutation);
  }

  /** One atomic row mutation (puts and deletes); resolves after the WAL sync covering it. */
  async mutate(mutation: Mutation): Promise<void> {
    this.checkServing();
    validateMutation(this.info, this.config, this.stores, mutation);
    const rowKey = mutation.row.toString('latin1');
    const release = this.rowLocks.tryAcquire(rowKey) ?? (await this.rowLocks.acquire([rowKey]));
    try {
      await this.writes.writeLocked([{ row: mutation.row, cells: mutation.cells }]);
    } finally {
      release();
    }
  }

  /** HBase's mutateRow: several puts/deletes of one row, applied atomically (one sequence id). */
  async mutateRow(mutations: Mutation[]): Promise<void> {
    if (!Array.isArray(mutations) || mutations.length === 0) throw invalidArgument('mutations', 'must be a non-empty array');
    const row = mutations[0]!.row;
    const cells: MutationCell[] = [];
    mutations.forEach((m, i) => {
      if (!Buffer.isBuffer(m?.row) || compareBytes(m.row, row) !== 0) throw invalidArgument(`mutations[${i}].row`, 'every mutation of mutateRow must name the same row');
      cells.push(...(m.cells ?? []));
    });
    return this.mutate({ row, cells });
  }

  /**
   * Many row mutations with one WAL sync. Each entry gets its own result: undefined when applied,
   * or the typed error that rejected it (the others still apply).
   */
  async batch(mutations: Mutation[]): Promise<Array<void | BasaltError>> {
    this.checkServing();
    if (!Array.isArray(mutations)) throw invalidArgument('mutations', 'must be an array');
    if (mutations.length > this.config.maxRowsPerRequest) {
      throw invalidArgument('mutations', `at most ${this.config.maxRowsPerRequest} per request`, { limit: this.config.maxRowsPerRequest });
    }
    const results: Array<void | BasaltError> = new Array(mutations.length).fill(undefined);
    const valid: Array<{ index: number; write: RowWrite }> = [];
    let total = 0;
    mutations.forEach((m, i) => {
      try {
        total += validateMutation(this.info, this.config, this.stores, m, `mutations[${i}]`);
        valid.push({ index: i, write: { row: m.row, cells: m.cells } });
      } catch (err) {
        if (!isBasaltError(err)) throw err;
        results[i] = err;
      }
    });
    if (total > this.config.maxRequestBytes) throw requestTooLarge('mutations', total, this.config.maxRequestBytes);
    if (valid.length === 0) return results;
    const release = await this.rowLocks.acquire(valid.map((v) => v.write.row.toString('latin1')));
    try {
      await this.writes.writeLocked(valid.map((v) => v.write));
    } catch (err) {
      if (!isBasaltError(err)) throw err;
      for (const v of valid) results[v.index] = err;
    } finally {
      release();
    }
    return results;
  }

  // ---------------------------------------------------------------- read-modify-write (region-rmw.ts)

  /**
   * Adds to 8-byte big-endian counters atomically; NOT_A_COUNTER if a cell is not 8 bytes. A retry
   * whose nonce was already applied writes nothing and answers with the current values.
   */
  async increment(request: IncrementRequest): Promise<IncrementResult[]> {
    this.checkServing();
    return this.readModifyWrite.increment(request);
  }

  /**
   * Appends bytes to columns atomically; returns the new cells (none with returnResults false). A
   * retry whose nonce was already applied writes nothing and answers with the current cells.
   */
  async append(request: AppendRequest): Promise<RowResult> {
    this.checkServing();
    return this.readModifyWrite.append(request);
  }

  /** Applies the mutation atomically if the condition (or filter) holds on the row's current state. */
  async checkAndMutate(request: CheckAndMutateRequest): Promise<CheckAndMutateResult> {
    this.checkServing();
    return this.readModifyWrite.checkAndMutate(request);
  }

  // ---------------------------------------------------------------- reads

  async get(request: GetRequest): Promise<RowResult | undefined> {
    this.checkReadable();
    const row = checkRow(this.info, this.config, request?.row);
    const plan = planRead(this.stores, request, this.clock.now());
    this.readRequests++;
    const { cells } = readPlannedRow(plan, row, this.mvcc.readPoint);
    return cells.length > 0 ? { row, cells } : undefined;
  }

  async exists(request: GetRequest): Promise<boolean> {
    return (await this.get(request)) !== undefined;
  }

  /** A scanner over a snapshot at the current read point. */
  scan(request: ScanRequest = {}): RegionScanner {
    this.checkReadable();
    for (const field of ['startRow', 'stopRow', 'prefix'] as const) {
      const v = request[field];
      if (v !== undefined && !Buffer.isBuffer(v)) throw invalidArgument(field, 'must be bytes');
    }
    const limit = request.limit ?? Infinity;
    if (!(limit >= 0)) throw invalidArgument('limit', 'must be ≥ 0');
    const batch = request.batch ?? 0;
    if (!Number.isInteger(batch) || batch < 0) throw invalidArgument('batch', 'must be a non-negative integer');
    const plan = planRead(this.stores, request, this.clock.now());
    const views = plan.stores.map((p) => p.store.view());
    return new RegionScannerImpl({
      plan,
      views,
      readPoint: this.mvcc.readPoint,
      bounds: scanBounds(this.info, request),
      reversed: request.reversed === true,
      limit,
      batch,
      checkOpen: () => this.checkReadable(),
      onRows: (n) => (this.readRequests += n),
    });
  }

  // ---------------------------------------------------------------- flush and compaction

  /**
   * Flushes every store's memstore; resolves with the max flushed sequence id (region-flush.ts).
   * `reason` labels the flush in the server's metrics (an explicit request by default).
   */
  async flush(reason: RegionFlushReason = 'admin'): Promise<number> {
    this.checkReadable();
    return this.flusher.flush(reason);
  }

  /** Compacts every store now (major: into one file each, dropping what is dead; region-compaction.ts). */
  async compact(major: boolean): Promise<void> {
    this.checkServing();
    await this.compactor.compact(major);
  }

  // ---------------------------------------------------------------- lifecycle

  /** True once a failed WAL sync aborted the region (it must be reopened from the log). */
  get isAborted(): boolean {
    return this.abortCause !== undefined;
  }

  /**
   * A WAL sync failed: entries may be on disk that this region never made visible, and the log
   * promises nothing more. Serving on would either hide possibly durable writes or expose
   * possibly lost ones, so the region stops serving at once and closes without flushing; reopening
   * it replays the log, which alone knows what was written.
   */
  private abort(cause: unknown): void {
    if (this.abortCause !== undefined) return;
    this.abortCause = cause ?? new Error('unknown');
    log.error({ err: cause, region: this.info.encodedName }, 'WAL sync failed: region aborted, it must be reopened from the log');
    void this.close({ flush: false }).catch((err: unknown) => log.error({ err, region: this.info.encodedName }, 'close after abort failed'));
    try {
      this.options.onAbort?.(cause);
    } catch (err) {
      log.error({ err, region: this.info.encodedName }, 'onAbort callback failed');
    }
  }

  private notServingAborted(): BasaltError {
    return new BasaltError(ErrorCodes.NOT_SERVING_REGION, `region ${this.info.encodedName} aborted after a failed WAL sync`, {
      region: this.info.encodedName,
      aborted: true,
    });
  }

  private checkServing(): void {
    if (this.abortCause !== undefined) throw this.notServingAborted();
    if (this.state !== 'open') {
      throw new BasaltError(this.state === 'closing' ? ErrorCodes.REGION_CLOSING : ErrorCodes.NOT_SERVING_REGION, `region ${this.info.encodedName} is ${this.state}`, {
        region: this.info.encodedName,
      });
    }
  }

  private checkReadable(): void {
    if (this.abortCause !== undefined) throw this.notServingAborted();
    if (this.state === 'closed') {
      throw new BasaltError(ErrorCodes.NOT_SERVING_REGION, `region ${this.info.encodedName} is closed`, { region: this.info.encodedName });
    }
  }

  /** Stops writes, waits for those in flight and background work, flushes (by default), closes files. */
  async close(options: { flush: boolean } = { flush: true }): Promise<void> {
    // A second close while one runs waits for the first.
    this.closing ??= this.closeOnce(options);
    return this.closing;
  }

  private async closeOnce(options: { flush: boolean }): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closing';
    await this.gate.shutAndDrain();
    await this.flusher.idle;
    this.compactor.stop();
    await this.compactor.idle;
    // An aborted region never flushes: its memstore is not to be trusted over the log. Nor does a
    // region whose server lost its lease: the region may already be open elsewhere.
    if (options.flush && this.abortCause === undefined && this.leaseHolds()) {
      try {
        await this.flusher.flush('close');
      } catch (err) {
        log.error({ err, region: this.info.encodedName }, 'flush on close failed; the WAL still holds the edits');
      }
    }
    await Promise.all([...this.stores.values()].map((s) => s.close()));
    this.state = 'closed';
  }

  private leaseHolds(): boolean {
    try {
      this.regionFiles.checkFence();
      return true;
    } catch (err) {
      log.warn({ err, region: this.info.encodedName }, 'closing without a flush: the lease may have lapsed; the WAL holds the edits');
      return false;
    }
  }

  /** Store files read through a reference to another region's directory (split, merge). */
  referenceFileCount(): number {
    let n = 0;
    for (const s of this.stores.values()) n += referenceCount(s.files);
    return n;
  }

  load(): RegionLoad {
    let storeFileCount = 0;
    let storeFileSizeBytes = 0;
    for (const s of this.stores.values()) {
      storeFileCount += s.files.length;
      storeFileSizeBytes += s.storeFileSizeBytes;
    }
    return {
      encodedName: this.info.encodedName,
      table: this.info.table,
      memstoreSizeBytes: memstoreSizeBytes(this.stores),
      storeFileCount,
      storeFileSizeBytes,
      readRequests: this.readRequests,
      writeRequests: this.writes.writeRequests,
      maxSequenceId: this.mvcc.lastAssigned,
      maxFlushedSequenceId: this.flusher.maxFlushedSequenceId,
      referenceFileCount: this.referenceFileCount(),
    };
  }
}
