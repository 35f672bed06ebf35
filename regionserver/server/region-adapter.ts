/**
 * Wires the storage engine's Region (regionserver/region/region.ts) to the data plane's RegionPort,
 * and builds the server's RegionOpener: regions live under `<root>/data/<table>/<encodedName>`,
 * all behind the server's one WAL.
 */
import { CellType } from '../../common/cell.js';
import type { Clock } from '../../common/clock.js';
import type { RegionServerConfig } from '../../common/config.js';
import type { RowResult } from '../region/api.js';
import { regionDir } from '../region/identity.js';
import type { Housekeeper } from './housekeeper.js';
import { Region, type IncrementResult, type RegionFence } from '../region/region.js';
import type { Wal } from '../wal/wal.js';
import type { RegionOpener, RegionPort } from './region-port.js';

/** Counters travel as 8-byte big-endian signed integers (HBase's Bytes.toBytes(long)). */
function incrementResultToRow(row: Buffer, results: IncrementResult[]): RowResult {
  return {
    row,
    cells: results.map((r) => {
      const value = Buffer.alloc(8);
      value.writeBigInt64BE(r.value);
      return { row, family: r.family, qualifier: r.qualifier, timestamp: r.cell.timestamp, type: CellType.Put, value, sequenceId: r.cell.sequenceId };
    }),
  };
}

export function regionPort(region: Region): RegionPort {
  return {
    info: region.info,
    get: (request) => region.get(request),
    exists: (request) => region.exists(request),
    mutate: (mutation) => region.mutate(mutation),
    mutateRow: (mutations) => region.mutateRow(mutations),
    batch: async (mutations) => (await region.batch(mutations)).map((r) => (r instanceof Error ? r : undefined)),
    increment: async (request) => incrementResultToRow(request.row, await region.increment(request)),
    append: (request) => region.append(request),
    checkAndMutate: (request) => region.checkAndMutate(request),
    scan: async (request) => region.scan(request),
    flush: () => region.flush('admin'),
    compact: (major) => region.compact(major),
    close: (options) => region.close({ flush: !options?.abort }),
    load: () => region.load(),
  };
}

export interface StorageOpenerOptions {
  dataRoot: string;
  wal: Wal;
  clock: Clock;
  config: RegionServerConfig;
  /** The server's lease check: every write under the root (flush, compaction, manifest) asks it. */
  fence?: RegionFence;
  /** A region's WAL sync failed: the server must abort (HBase aborts the whole server). */
  onAbort?: (cause: unknown) => void;
  /** Server-wide flushes and compaction slots; every opened region joins it until it closes. */
  housekeeper?: Housekeeper;
}

export function storageRegionOpener(options: StorageOpenerOptions): RegionOpener {
  return async ({ info, families, openEpoch }) => {
    const region = await Region.open({
      info,
      families,
      dir: regionDir(options.dataRoot, info),
      wal: options.wal,
      openEpoch,
      clock: options.clock,
      config: options.config,
      ...(options.fence ? { fence: options.fence } : {}),
      ...(options.onAbort ? { onAbort: options.onAbort } : {}),
      ...(options.housekeeper ? { housekeeping: options.housekeeper } : {}),
    });
    const port = regionPort(region);
    const housekeeper = options.housekeeper;
    if (!housekeeper) return port;
    housekeeper.add(region);
    return {
      ...port,
      close: async (closeOptions) => {
        housekeeper.remove(region);
        await port.close(closeOptions);
      },
    };
  };
}
