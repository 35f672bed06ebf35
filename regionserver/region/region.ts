/**
 * A Region: one key range of one table, one Store per column family, behind the server's WAL.
 * (API skeleton; bodies land in following commits.)
 */
import type { Clock } from '../../common/clock.js';
import type { RegionServerConfig } from '../../common/config.js';
import type { BasaltError } from '../../common/errors.js';
import type { Wal } from '../wal/wal.js';
import type {
  AppendRequest,
  CheckAndMutateRequest,
  CheckAndMutateResult,
  FamilyDescriptor,
  GetRequest,
  IncrementRequest,
  Mutation,
  RegionInfo,
  RegionLoad,
  RowResult,
  ScanRequest,
} from './api.js';

export interface RegionOpenOptions {
  info: RegionInfo;
  families: FamilyDescriptor[];
  /** The region's directory under the data root (created if missing). */
  dir: string;
  wal: Wal;
  openEpoch: number;
  clock: Clock;
  config: RegionServerConfig;
}

/** A server-side cursor: a snapshot of the region at the read point of its creation. */
export interface RegionScanner {
  next(maxRows: number, maxBytes: number): Promise<{ rows: RowResult[]; more: boolean }>;
  close(): void;
}

/** One incremented column and its new value. */
export interface IncrementResult {
  family: string;
  qualifier: Buffer;
  value: bigint;
}

export class Region {
  readonly info: RegionInfo;

  private constructor(info: RegionInfo) {
    this.info = info;
  }

  static async open(options: RegionOpenOptions): Promise<Region> {
    return new Region(options.info);
  }

  containsRow(row: Buffer): boolean {
    void row;
    throw new Error('not implemented');
  }

  async put(mutation: Mutation): Promise<void> {
    return this.mutate(mutation);
  }

  async mutate(mutation: Mutation): Promise<void> {
    void mutation;
    throw new Error('not implemented');
  }

  async mutateRow(mutations: Mutation[]): Promise<void> {
    void mutations;
    throw new Error('not implemented');
  }

  async batch(mutations: Mutation[]): Promise<Array<void | BasaltError>> {
    void mutations;
    throw new Error('not implemented');
  }

  async get(request: GetRequest): Promise<RowResult | undefined> {
    void request;
    throw new Error('not implemented');
  }

  async exists(request: GetRequest): Promise<boolean> {
    void request;
    throw new Error('not implemented');
  }

  scan(request: ScanRequest): RegionScanner {
    void request;
    throw new Error('not implemented');
  }

  async increment(request: IncrementRequest): Promise<IncrementResult[]> {
    void request;
    throw new Error('not implemented');
  }

  async append(request: AppendRequest): Promise<RowResult> {
    void request;
    throw new Error('not implemented');
  }

  async checkAndMutate(request: CheckAndMutateRequest): Promise<CheckAndMutateResult> {
    void request;
    throw new Error('not implemented');
  }

  /** Flushes every store's memstore; resolves with the flushed sequence id. */
  async flush(): Promise<number> {
    throw new Error('not implemented');
  }

  async compact(major: boolean): Promise<void> {
    void major;
    throw new Error('not implemented');
  }

  async close(options: { flush: boolean } = { flush: true }): Promise<void> {
    void options;
    throw new Error('not implemented');
  }

  load(): RegionLoad {
    throw new Error('not implemented');
  }
}
