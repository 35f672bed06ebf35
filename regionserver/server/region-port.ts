/**
 * What the data plane needs from a region, and how it gets one. The server depends on this narrow
 * port, not on the storage engine's class: the daemon wires the real `Region` (regionserver/region)
 * through an adapter, tests may wire a double. Everything here is plain data from region/api.ts.
 */
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
} from '../region/api.js';

/** A server-side cursor over one region. `more` is false once the scan is exhausted. */
export interface ScannerPort {
  next(maxRows: number, maxBytes: number): Promise<{ rows: RowResult[]; more: boolean }>;
  close(): Promise<void> | void;
}

export interface RegionPort {
  readonly info: RegionInfo;
  get(request: GetRequest): Promise<RowResult | undefined>;
  exists(request: GetRequest): Promise<boolean>;
  /** One atomic row mutation (puts and deletes). */
  mutate(mutation: Mutation): Promise<void>;
  /** HBase's mutateRow (RowMutations): several mutations of one row, applied atomically. */
  mutateRow(mutations: Mutation[]): Promise<void>;
  /** Many row mutations, one group commit; one result per mutation (undefined = applied). */
  batch(mutations: Mutation[]): Promise<Array<Error | undefined>>;
  increment(request: IncrementRequest): Promise<RowResult>;
  append(request: AppendRequest): Promise<RowResult>;
  checkAndMutate(request: CheckAndMutateRequest): Promise<CheckAndMutateResult>;
  scan(request: ScanRequest): Promise<ScannerPort>;
  /** Flushes the memstore; resolves with the flushed sequence id. */
  flush(): Promise<number>;
  compact(major: boolean): Promise<void>;
  /** Flushes (unless abort) and releases the region's files. */
  close(options?: { abort?: boolean }): Promise<void>;
  load(): RegionLoad;
}

export interface OpenRegionParams {
  info: RegionInfo;
  families: FamilyDescriptor[];
  openEpoch: number;
}

/** Opens (and replays) a region; the server owns the returned port until it closes it. */
export type RegionOpener = (params: OpenRegionParams) => Promise<RegionPort>;
