/**
 * The public client API (DESIGN.md, "Contracts"): what `connect()` returns. HBase's data and admin
 * API in idiomatic TypeScript. Rows, qualifiers and values accept strings (UTF-8) or bytes; results
 * give Buffers with helpers for strings and 8-byte counters. Every failed call rejects with a
 * BasaltError whose `code` is stable.
 */
import type { FilterSpec } from '../common/filter/spec.js';
import type { RegionLoadSummary } from '../common/rs-wire/types.js';

/** A row key, qualifier or value: a UTF-8 string or raw bytes. */
export type BytesInput = string | Buffer | Uint8Array;

export type CellTypeName = 'Put' | 'Delete' | 'DeleteColumn' | 'DeleteFamily' | 'DeleteFamilyVersion';

export interface ConnectOptions {
  /** Coordination members, `host:port[,host:port…]` or a list. Default `127.0.0.1:16100` (the standalone cluster). */
  coord?: string | string[];
  /** The whole time one operation may take, retries included (default 60 s). Past it: TIMEOUT. */
  operationTimeoutMs?: number;
  /** First retry pause; doubles up to maxRetryDelayMs, with jitter (defaults 50 ms, 2 s). */
  retryBaseDelayMs?: number;
  maxRetryDelayMs?: number;
  /** One RPC's own deadline (default 30 s). */
  rpcTimeoutMs?: number;
}

export interface Connection {
  table(name: string): Table;
  admin(): Admin;
  close(): Promise<void>;
}

// ---- data ----

export interface ResultCell {
  row: Buffer;
  family: string;
  qualifier: Buffer;
  timestamp: number;
  type: CellTypeName;
  value: Buffer;
}

/** A row as read: cells in HBase order (family, qualifier, timestamp newest first). */
export interface Result {
  readonly row: Buffer;
  readonly cells: ResultCell[];
  /** True when the row has no cells (a Get of a missing row). */
  readonly isEmpty: boolean;
  /** The newest value of a column, or undefined. */
  value(family: string, qualifier: BytesInput): Buffer | undefined;
  /** The newest value as UTF-8, or undefined. */
  string(family: string, qualifier: BytesInput): string | undefined;
  /** The newest value as an 8-byte big-endian counter, or undefined. */
  counter(family: string, qualifier: BytesInput): bigint | undefined;
  /** Every version of a column, newest first. */
  versions(family: string, qualifier: BytesInput): ResultCell[];
}

export interface PutCell {
  family: string;
  qualifier: BytesInput;
  value: BytesInput;
  /** Milliseconds; default: set by the client when the put is first sent (so a retry writes the same cell). */
  timestamp?: number;
}

export interface Put {
  row: BytesInput;
  cells: PutCell[];
  /**
   * Per-cell TTL in ms for every cell of this put (HBase's Put.setTTL): a cell is visible until
   * its timestamp + ttlMs, and never longer than its family's TTL allows. Default: none.
   */
  ttlMs?: number;
}

/**
 * What to delete from a row. No columns: the whole row (every family, versions ≤ timestamp), sent
 * as one mutation that the region turns into a DeleteFamily marker per family of the table.
 * A column with a qualifier: its newest version, or the version at `timestamp`, or every version
 * (≤ timestamp) with `allVersions`. A family without a qualifier: the whole family.
 */
export interface DeleteColumnSpec {
  family: string;
  qualifier?: BytesInput;
  timestamp?: number;
  allVersions?: boolean;
}
export interface Delete {
  row: BytesInput;
  columns?: DeleteColumnSpec[];
  /** Upper bound for a whole-row or whole-family delete (default: now). */
  timestamp?: number;
}

/** `'cf'` (a family) or `'cf:q'` (a column), or the object form for binary qualifiers. */
export type ColumnInput = string | { family: string; qualifier?: BytesInput };

export interface TimeRangeInput {
  /** Inclusive, ms. */
  min?: number;
  /** Exclusive, ms (default: unbounded). */
  max?: number;
}

export interface Get {
  row: BytesInput;
  columns?: ColumnInput[];
  timeRange?: TimeRangeInput;
  /** Exactly this timestamp (a time range of one ms). */
  timestamp?: number;
  /** Versions per column (default 1). */
  maxVersions?: number;
  /** A filter object or HBase's filter language ("PrefixFilter('a') AND …"). */
  filter?: FilterSpec | string;
  raw?: boolean;
}

export interface Scan {
  /** Inclusive start row (default: the table's first row). */
  start?: BytesInput;
  /** Exclusive stop row (default: past the table's last row). */
  stop?: BytesInput;
  prefix?: BytesInput;
  reversed?: boolean;
  /** Most rows in total. */
  limit?: number;
  /** Most cells per returned row chunk (HBase's setBatch). */
  batch?: number;
  /** Rows fetched per round trip (HBase's caching; default 100). */
  caching?: number;
  columns?: ColumnInput[];
  timeRange?: TimeRangeInput;
  timestamp?: number;
  maxVersions?: number;
  filter?: FilterSpec | string;
  raw?: boolean;
}

export interface IncrementColumnInput {
  family: string;
  qualifier: BytesInput;
  amount: number | bigint;
}
export interface Increment {
  row: BytesInput;
  columns: IncrementColumnInput[];
  /** The new counter cells' own TTL in ms (HBase's Increment.setTTL); as Put.ttlMs. */
  ttlMs?: number;
}

export interface AppendColumnInput {
  family: string;
  qualifier: BytesInput;
  value: BytesInput;
}
export interface Append {
  row: BytesInput;
  columns: AppendColumnInput[];
  /** The new cells' own TTL in ms (HBase's Append.setTTL); as Put.ttlMs. */
  ttlMs?: number;
}

export type CompareOperator = 'LESS' | 'LESS_OR_EQUAL' | 'EQUAL' | 'NOT_EQUAL' | 'GREATER_OR_EQUAL' | 'GREATER';

export interface CheckAndMutate {
  row: BytesInput;
  /** The column checked: with `value`, compared by `op` (default EQUAL); without, it must not exist (HBase's ifNotExists). */
  family?: string;
  qualifier?: BytesInput;
  op?: CompareOperator;
  value?: BytesInput;
  /** Check that the column exists (any value) instead. */
  ifExists?: boolean;
  /** Or: the row must pass this filter. */
  filter?: FilterSpec | string;
  timeRange?: TimeRangeInput;
  /** Applied atomically when the check passes. */
  put?: Put;
  delete?: Delete;
  mutations?: Array<{ put: Put } | { delete: Delete }>;
}

export type RowMutation = { put: Put } | { delete: Delete };

export type BatchAction = { put: Put } | { delete: Delete } | { get: Get } | { increment: Increment } | { append: Append };

/** One action's outcome in a batch: its result, or its error (the others are unaffected). */
export type BatchResult = { ok: true; result?: Result } | { ok: false; error: Error & { code: string } };

export interface Table {
  readonly name: string;
  put(put: Put | Put[]): Promise<void>;
  get(get: Get): Promise<Result>;
  getMany(gets: Get[]): Promise<Result[]>;
  exists(get: Get): Promise<boolean>;
  delete(del: Delete | Delete[]): Promise<void>;
  scan(scan?: Scan): AsyncIterable<Result>;
  increment(increment: Increment): Promise<Result>;
  /** Increments one column and returns its new value (HBase's incrementColumnValue). */
  incrementColumnValue(row: BytesInput, family: string, qualifier: BytesInput, amount?: number | bigint): Promise<bigint>;
  append(append: Append): Promise<Result>;
  /** True when the check passed and the mutation was applied. */
  checkAndMutate(check: CheckAndMutate): Promise<boolean>;
  /** Several puts and deletes of one row, applied atomically. */
  mutateRow(row: BytesInput, mutations: RowMutation[]): Promise<void>;
  /** Many actions on many rows, grouped per server; one result per action, in order. */
  batch(actions: BatchAction[]): Promise<BatchResult[]>;
}

// ---- admin ----

export type KeepDeletedCellsInput = boolean | 'TRUE' | 'FALSE' | 'TTL';
export type BloomFilterInput = 'NONE' | 'ROW' | 'ROWCOL';

export interface FamilyInput {
  name: string;
  /** VERSIONS (default 1). */
  versions?: number;
  minVersions?: number;
  /** TTL in seconds (default forever). */
  ttl?: number;
  keepDeletedCells?: KeepDeletedCellsInput;
  bloomFilter?: BloomFilterInput;
  inMemory?: boolean;
}

export interface FamilyDescription {
  name: string;
  versions: number;
  minVersions: number;
  ttl: number;
  keepDeletedCells: 'TRUE' | 'FALSE' | 'TTL';
  bloomFilter: BloomFilterInput;
  inMemory: boolean;
}

export interface CreateTableInput {
  name: string;
  families: Array<FamilyInput | string>;
  /** Pre-split at these keys … */
  splits?: BytesInput[];
  /** … or into this many regions by splitAlgorithm (HexStringSplit by default). */
  numRegions?: number;
  splitAlgorithm?: 'HexStringSplit' | 'UniformSplit';
}

export type TableState = 'ENABLED' | 'DISABLED' | 'ENABLING' | 'DISABLING';

export interface TableDescription {
  /** namespace:table. */
  name: string;
  families: FamilyDescription[];
  state: TableState;
}

export interface NamespaceDescription {
  name: string;
  properties: Record<string, string>;
}

export interface RegionDescription {
  table: string;
  encodedName: string;
  regionId: number;
  startKey: Buffer;
  endKey: Buffer;
  /** host:port,startcode, '' when not open. */
  serverName: string;
  address: string;
  state: string;
  openEpoch: number;
  stateSinceMs: number;
  reason: string;
}

export interface ServerDescription {
  serverName: string;
  address: string;
  regionCount: number;
  readRequests: number;
  writeRequests: number;
  requestsPerSecond: number;
  memstoreSizeBytes: number;
  storeFileSizeBytes: number;
  storeFileCount: number;
  lastReportAgoMs: number;
  /** Each open region's load in the server's last report (absent when none has come yet). */
  regions?: RegionLoadDescription[];
  /** The server process's heap in use and its limit, as last reported (0: not reported). */
  heapUsedBytes?: number;
  heapMaxBytes?: number;
}

/** One region's load as its server last reported it (HBase's RegionMetrics). */
export type RegionLoadDescription = RegionLoadSummary;

export interface ProcedureDescription {
  id: number;
  type: string;
  state: 'RUNNING' | 'SUCCESS' | 'FAILED';
  step: string;
  target: string;
  startedMs: number;
  updatedMs: number;
  error?: { code: string; message: string };
}

export interface ClusterStatus {
  clusterId: string;
  master: string;
  backupMasters: string[];
  liveServers: ServerDescription[];
  deadServers: string[];
  regionsInTransition: Array<{ region: RegionDescription; durationMs: number }>;
  procedures: ProcedureDescription[];
  regionCount: number;
  tableCount: number;
  averageLoad: number;
  balancerOn: boolean;
  version: string;
}

/** A table (every region) or one region (its encoded name). */
export type RegionTargetInput = { table: string } | { region: string };

export interface Admin {
  createTable(table: CreateTableInput): Promise<void>;
  deleteTable(name: string): Promise<void>;
  enableTable(name: string): Promise<void>;
  disableTable(name: string): Promise<void>;
  truncateTable(name: string, options?: { preserveSplits?: boolean }): Promise<void>;
  /** Adds a family to a live table (HBase's alter 't', NAME => 'f2'). */
  addFamily(table: string, family: FamilyInput | string): Promise<void>;
  /** Changes a family's attributes (unnamed attributes keep their values). */
  modifyFamily(table: string, family: FamilyInput): Promise<void>;
  deleteFamily(table: string, family: string): Promise<void>;
  listTables(options?: { pattern?: string | RegExp; includeSystem?: boolean; namespace?: string }): Promise<TableDescription[]>;
  describeTable(name: string): Promise<TableDescription>;
  tableExists(name: string): Promise<boolean>;
  isTableEnabled(name: string): Promise<boolean>;
  isTableDisabled(name: string): Promise<boolean>;

  createNamespace(name: string, properties?: Record<string, string>): Promise<void>;
  /** Replaces a namespace's properties (HBase's modifyNamespace: what is not given is removed). */
  modifyNamespace(name: string, properties: Record<string, string>): Promise<void>;
  deleteNamespace(name: string): Promise<void>;
  describeNamespace(name: string): Promise<NamespaceDescription>;
  listNamespaces(): Promise<NamespaceDescription[]>;
  listNamespaceTables(namespace: string): Promise<TableDescription[]>;

  listRegions(table?: string): Promise<RegionDescription[]>;
  /** The region boundaries of a table (every region's start key but the first). */
  getSplits(table: string): Promise<Buffer[]>;
  split(target: RegionTargetInput, splitKey?: BytesInput): Promise<void>;
  merge(regions: string[]): Promise<void>;
  /** Moves a region to a server (serverName or host:port), or to any other server. */
  move(region: string, server?: string): Promise<void>;
  assign(region: string): Promise<void>;
  unassign(region: string): Promise<void>;
  flush(target: RegionTargetInput): Promise<void>;
  compact(target: RegionTargetInput): Promise<void>;
  majorCompact(target: RegionTargetInput): Promise<void>;
  /** Runs the balancer once; resolves with the number of moves it made (false: it did not run). */
  balance(): Promise<{ ran: boolean; moves: number }>;
  /** Turns the balancer on or off; resolves with the previous setting. */
  balancerSwitch(on: boolean): Promise<boolean>;
  clusterStatus(): Promise<ClusterStatus>;
}
