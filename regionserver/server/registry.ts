/**
 * The regions this server holds, by encoded name, with their lifecycle (opening → open → closing)
 * and the requests running on each. A request acquires the region and releases it when done, so a
 * close can wait for the running requests to finish before it flushes.
 */
import { compareBytes, toStringBinary } from '../../common/bytes.js';
import { BasaltError, ErrorCodes } from '../../common/errors.js';
import type { RegionInfo } from '../region/api.js';
import type { RegionPort } from './region-port.js';

export type RegionState = 'opening' | 'open' | 'closing';

export interface OnlineRegion {
  info: RegionInfo;
  openEpoch: number;
  state: RegionState;
  port?: RegionPort;
  running: number;
  /** Wakes a close waiting for `running` to reach zero. */
  drained?: () => void;
}

export function containsRow(info: RegionInfo, row: Uint8Array): boolean {
  return compareBytes(row, info.startKey) >= 0 && (info.endKey.length === 0 || compareBytes(row, info.endKey) < 0);
}

export class RegionRegistry {
  private readonly regions = new Map<string, OnlineRegion>();

  constructor(private readonly serverName: () => string) {}

  /** Reserves the name for an open; fails if the region is already here in any state. */
  beginOpen(info: RegionInfo, openEpoch: number): OnlineRegion {
    const existing = this.regions.get(info.encodedName);
    if (existing) {
      const code = existing.state === 'opening' ? ErrorCodes.REGION_OPENING : existing.state === 'closing' ? ErrorCodes.REGION_CLOSING : undefined;
      if (code) throw new BasaltError(code, `region ${info.encodedName} is ${existing.state}`, { region: info.encodedName });
      throw new BasaltError(ErrorCodes.INVALID_ARGUMENT, `region ${info.encodedName} is already open on this server`, {
        field: 'info.encodedName',
        region: info.encodedName,
      });
    }
    const entry: OnlineRegion = { info, openEpoch, state: 'opening', running: 0 };
    this.regions.set(info.encodedName, entry);
    return entry;
  }

  finishOpen(entry: OnlineRegion, port: RegionPort): void {
    entry.port = port;
    entry.state = 'open';
  }

  abortOpen(entry: OnlineRegion): void {
    if (this.regions.get(entry.info.encodedName) === entry) this.regions.delete(entry.info.encodedName);
  }

  /** The open region for a request; the caller must call `release` when the request is done. */
  acquire(name: string, row?: Uint8Array): OnlineRegion {
    const entry = this.regions.get(name);
    if (!entry) {
      throw new BasaltError(ErrorCodes.NOT_SERVING_REGION, `region ${name} is not online on ${this.serverName()}`, {
        region: name,
        server: this.serverName(),
      });
    }
    if (entry.state === 'opening') throw new BasaltError(ErrorCodes.REGION_OPENING, `region ${name} is opening`, { region: name });
    if (entry.state === 'closing') {
      // A closing region is on its way elsewhere: the client must look it up again.
      throw new BasaltError(ErrorCodes.NOT_SERVING_REGION, `region ${name} is closing on ${this.serverName()}`, { region: name, closing: true });
    }
    if (row !== undefined && !containsRow(entry.info, row)) {
      throw new BasaltError(ErrorCodes.WRONG_REGION, `row ${toStringBinary(row)} is outside region ${name}`, {
        region: name,
        row: toStringBinary(row),
        startKey: toStringBinary(entry.info.startKey),
        endKey: toStringBinary(entry.info.endKey),
      });
    }
    entry.running++;
    return entry;
  }

  release(entry: OnlineRegion): void {
    entry.running--;
    if (entry.running === 0 && entry.drained) entry.drained();
  }

  /**
   * Marks the region closing (new requests fail) and resolves once its running requests ended, or
   * after `waitMs` at most: a stuck request must not hold a close (or a shutdown) forever.
   */
  async beginClose(name: string, waitMs = Infinity): Promise<OnlineRegion> {
    const entry = this.regions.get(name);
    if (!entry) throw new BasaltError(ErrorCodes.NOT_SERVING_REGION, `region ${name} is not online`, { region: name });
    if (entry.state !== 'open') {
      const code = entry.state === 'opening' ? ErrorCodes.REGION_OPENING : ErrorCodes.REGION_CLOSING;
      throw new BasaltError(code, `region ${name} is ${entry.state}`, { region: name });
    }
    entry.state = 'closing';
    if (entry.running > 0) {
      await new Promise<void>((resolve) => {
        const timer = Number.isFinite(waitMs) ? setTimeout(resolve, waitMs) : undefined;
        entry.drained = () => {
          if (timer) clearTimeout(timer);
          resolve();
        };
      });
    }
    return entry;
  }

  finishClose(entry: OnlineRegion): void {
    if (this.regions.get(entry.info.encodedName) === entry) this.regions.delete(entry.info.encodedName);
  }

  /** Puts a region whose close failed back in service (its data is still there). */
  reopenAfterFailedClose(entry: OnlineRegion): void {
    entry.state = 'open';
    entry.drained = undefined;
  }

  get(name: string): OnlineRegion | undefined {
    return this.regions.get(name);
  }

  list(): OnlineRegion[] {
    return [...this.regions.values()];
  }

  openRegions(): OnlineRegion[] {
    return this.list().filter((r) => r.state === 'open');
  }
}
