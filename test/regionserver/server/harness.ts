/** Shared fixtures for the data-plane tests: a region server on an ephemeral loopback port and a client. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { basalt } from '../../../proto/generated/basalt.js';
import { CellType } from '../../../common/cell.js';
import { systemClock, type Clock } from '../../../common/clock.js';
import { DEFAULT_CONFIG, type RegionServerConfig } from '../../../common/config.js';
import { RegionServerClient } from '../../../client/rpc/region-server-client.js';
import { RegionServer } from '../../../regionserver/server/region-server.js';
import type { RegionOpener } from '../../../regionserver/server/region-port.js';
import type { FilterDecoder } from '../../../regionserver/server/conversions.js';
import type { WriteFence } from '../../../regionserver/server/dispatcher.js';
import { storageRegionOpener } from '../../../regionserver/server/region-adapter.js';
import { SegmentWal } from '../../../regionserver/wal/segment-wal.js';
import { serverWalDir } from '../../../regionserver/wal/root-reader.js';

import pb = basalt.regionserver;

export interface Harness {
  server: RegionServer;
  client: RegionServerClient;
  dir: string;
  stop(): Promise<void>;
}

/**
 * A region server on 127.0.0.1:0. Without `opener` it serves real regions (LMDB store files under
 * `dir/data`) behind a real segment WAL under `dir/wal/<walName>`, closed when the server stops.
 */
export async function startServer(options: {
  opener?: RegionOpener;
  walName?: string;
  config?: Partial<RegionServerConfig>;
  clock?: Clock;
  fence?: WriteFence;
  filters?: FilterDecoder;
  maxInflightPerStream?: number;
  onStopped?: () => Promise<void>;
  dir?: string;
  port?: number;
  shutdownTimeoutMs?: number;
}): Promise<Harness> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'basalt-rs-'));
  const config = { ...DEFAULT_CONFIG.regionserver, ...options.config };
  const clock = options.clock ?? systemClock;
  let opener = options.opener;
  let onStopped = options.onStopped;
  if (!opener) {
    const wal = await SegmentWal.open({ dir: serverWalDir(dir, options.walName ?? 'rs-test'), replayRoot: dir });
    opener = storageRegionOpener({ dataRoot: dir, wal, clock, config });
    onStopped = async () => {
      await wal.close();
      await options.onStopped?.();
    };
  }
  const server = await RegionServer.start({
    port: options.port ?? 0,
    config,
    openRegion: opener,
    clock,
    ...(options.fence ? { fence: options.fence } : {}),
    ...(options.filters ? { filters: options.filters } : {}),
    ...(options.maxInflightPerStream ? { maxInflightPerStream: options.maxInflightPerStream } : {}),
    ...(onStopped ? { onStopped } : {}),
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 5_000,
  });
  const client = new RegionServerClient({ address: server.address });
  return {
    server,
    client,
    dir,
    async stop() {
      client.close();
      await server.stop();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function regionInfo(encodedName: string, startKey = '', endKey = '', table = 'default:t'): pb.IRegionInfo {
  return { table, startKey: Buffer.from(startKey), endKey: Buffer.from(endKey), regionId: 1, encodedName };
}

export const FAMILIES: pb.IFamilyDescriptor[] = [{ name: 'cf', maxVersions: 3 }, { name: 'meta' }];

export function put(row: string, qualifier: string, value: string | Buffer, family = 'cf'): pb.IMutation {
  return { row: Buffer.from(row), cells: [{ family, qualifier: Buffer.from(qualifier), type: CellType.Put, value: Buffer.from(value) }] };
}

export function del(row: string, qualifier: string, family = 'cf'): pb.IMutation {
  return { row: Buffer.from(row), cells: [{ family, qualifier: Buffer.from(qualifier), type: CellType.DeleteColumn }] };
}

export function get(row: string): pb.IGet {
  return { row: Buffer.from(row) };
}

/** The value of cf:qualifier in a row result, as a string. */
export function valueOf(row: { cells: Array<{ family: string; qualifier: Buffer; value: Buffer }> } | undefined, qualifier: string, family = 'cf'): string | undefined {
  return row?.cells.find((c) => c.family === family && c.qualifier.toString() === qualifier)?.value.toString();
}

/** Polls until `check` holds or the deadline passes (no fixed sleeps: the machine is shared). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
