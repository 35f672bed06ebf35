/**
 * Opening and closing regions on region servers, with every state change persisted before the
 * step it announces (in basalt:meta, or for meta itself in /basalt/meta-region-server). Each
 * operation is idempotent and driven by the persisted state, so a procedure that re-runs it after
 * a master failover continues where the last master stopped:
 *
 * - assign: OPENING(server, epoch+1) is written before OpenRegion is sent; a re-run that finds the
 *   region OPENING asks that server whether it holds the region at that epoch and finishes, or opens
 *   again. Each open uses a new, higher open epoch, so WAL entries and manifests of an earlier owner
 *   are recognisably older (DESIGN.md, "Fencing").
 * - unassign: CLOSING is written, then CloseRegion (which flushes) is sent; a dead server's regions
 *   are CLOSED at once: its session ended, so its lease fence already refuses every write.
 */
import type { Clock } from '../common/clock.js';
import { BasaltError, ErrorCodes, isBasaltError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { META_ENCODED_NAME, META_TABLE, type RegionState } from '../common/meta.js';
import type { RegionServerClient } from '../client/rpc/region-server-client.js';
import type { MetaStore } from './meta-store.js';
import type { RegionNode, RegionStates } from './region-states.js';
import type { LiveServer, ServerTracker } from './server-tracker.js';
import { TableStore } from './table-store.js';

/** Opens that fail this many times in a row (on different servers) leave the region FAILED_OPEN. */
export const MAX_OPEN_ATTEMPTS = 3;

export interface AssignmentOptions {
  states: RegionStates;
  servers: ServerTracker;
  meta: MetaStore;
  tables: TableStore;
  clock: Clock;
  log: Logger;
  /** Throws MASTER_NOT_RUNNING once this master is no longer the active one. */
  checkActive(): void;
}

const TRANSIENT: ReadonlySet<string> = new Set([
  ErrorCodes.UNAVAILABLE,
  ErrorCodes.TIMEOUT,
  ErrorCodes.CLOSED,
  ErrorCodes.SERVER_BUSY,
  ErrorCodes.NOT_SERVING_REGION,
  ErrorCodes.REGION_OPENING,
  ErrorCodes.REGION_CLOSING,
  ErrorCodes.META_NOT_AVAILABLE,
  ErrorCodes.CONNECTION_LOSS,
  ErrorCodes.NOT_LEADER,
  ErrorCodes.PROPOSAL_DROPPED,
  // A region server that cannot prove its lease for a moment refuses writes (nothing happened); a
  // write whose acknowledgement it could not give is in doubt. Meta writes are idempotent: retried.
  ErrorCodes.FENCED,
  ErrorCodes.OUTCOME_UNKNOWN,
]);

export function isTransient(err: unknown): boolean {
  return isBasaltError(err) && TRANSIENT.has(err.code);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export class AssignmentManager {
  /** Placements chosen but not yet recorded: parallel assigns must not all pick the same server. */
  private readonly reserved = new Map<string, number>();

  constructor(private readonly o: AssignmentOptions) {}

  /** Throws unless this master is active and holds its lease: called right before every call that changes a region server. */
  checkActive(): void {
    this.o.checkActive();
  }

  // ---- meta's location ----

  /** The client of the server holding meta, or META_NOT_AVAILABLE. */
  metaClient(): RegionServerClient {
    const node = this.o.states.get(META_ENCODED_NAME);
    const server = node && node.state === 'OPEN' ? this.o.servers.get(node.serverName) : undefined;
    if (!server) throw new BasaltError(ErrorCodes.META_NOT_AVAILABLE, 'the meta region is not open on a live server');
    return server.client;
  }

  // ---- persistence ----

  /** Runs `fn` until it succeeds, retrying transient failures with capped backoff while this master is active. */
  async retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    let delay = 50;
    for (;;) {
      this.o.checkActive();
      try {
        return await fn();
      } catch (err) {
        if (!isTransient(err)) throw err;
        this.o.log.debug({ err, what }, 'transient failure; retrying');
        await sleep(delay);
        delay = Math.min(delay * 2, 1_000);
      }
    }
  }

  /** Persists a new state of a region, then updates the in-memory copy. */
  async setState(node: RegionNode, state: RegionState, changes: Partial<Pick<RegionNode, 'serverName' | 'address' | 'openEpoch' | 'reason'>> = {}): Promise<RegionNode> {
    const next: RegionNode = { ...node, ...changes, state, sinceMs: this.o.clock.now() };
    if (state !== 'FAILED_OPEN' && changes.reason === undefined) next.reason = '';
    await this.retrying(`persist ${node.region.encodedName} ${state}`, async () => {
      this.o.checkActive();
      if (next.region.encodedName === META_ENCODED_NAME) {
        await this.o.meta.writeLocation({ address: next.address, serverName: next.serverName, openEpoch: next.openEpoch, state, sinceMs: next.sinceMs });
      } else {
        await this.o.meta.write(next);
      }
    });
    this.o.states.put(next);
    return next;
  }

  // ---- placement ----

  /** The live server with the fewest regions, skipping `exclude`. */
  chooseServer(exclude: ReadonlySet<string> = new Set()): LiveServer {
    const counts = this.o.states.countsByServer();
    const candidates = this.o.servers.liveServers().filter((s) => !exclude.has(s.serverName));
    if (candidates.length === 0) {
      throw new BasaltError(ErrorCodes.NO_SERVER_AVAILABLE, 'no live region server to open the region on', { excluded: [...exclude].join(' ') });
    }
    const load = (name: string) => (counts.get(name) ?? 0) + (this.reserved.get(name) ?? 0);
    candidates.sort((a, b) => load(a.serverName) - load(b.serverName) || (a.serverName < b.serverName ? -1 : 1));
    return candidates[0]!;
  }

  private node(encodedName: string): RegionNode {
    const node = this.o.states.get(encodedName);
    if (!node) throw new BasaltError(ErrorCodes.REGION_NOT_FOUND, `region ${encodedName} does not exist`, { region: encodedName });
    return node;
  }

  /** The epoch at which `server` holds the region now, or undefined. */
  private async onlineEpoch(server: LiveServer, encodedName: string): Promise<number | undefined> {
    const { regions } = await server.client.onlineRegions();
    return regions.find((r) => r.info.encodedName === encodedName)?.openEpoch;
  }

  private async families(table: string) {
    const record = table === META_TABLE ? TableStore.metaRecord() : await this.o.tables.require(table);
    return record.families;
  }

  // ---- assign ----

  /**
   * Opens the region on `target` (a serverName), or on the least loaded live server (never one in
   * `exclude`). Resolves once it is OPEN and recorded so. A target that is not live (it died after
   * a move or reopen chose it, even after the region was closed for it) is dropped: the region
   * opens elsewhere rather than staying closed.
   */
  async assign(encodedName: string, options: { target?: string; exclude?: ReadonlySet<string> } = {}): Promise<void> {
    const exclude = new Set(options.exclude ?? []);
    let preferred = options.target;
    let failures = 0;
    for (;;) {
      this.o.checkActive();
      if (preferred && !this.o.servers.isLive(preferred)) {
        this.o.log.warn({ region: encodedName, server: preferred }, 'the chosen server is gone; opening the region elsewhere');
        preferred = undefined;
      }
      let node = this.node(encodedName);
      // A split parent never opens again: its daughters reference its files and serve its rows.
      if (node.region.split) throw new BasaltError(ErrorCodes.REGION_NOT_FOUND, `region ${encodedName} was split; it is retired`, { region: encodedName });
      const holder = node.serverName ? this.o.servers.get(node.serverName) : undefined;
      const wanted = (s: string) => (preferred ? s === preferred : !exclude.has(s));

      if (holder && (node.state === 'OPEN' || node.state === 'OPENING' || node.state === 'CLOSING')) {
        let epoch: number | undefined;
        try {
          epoch = await this.onlineEpoch(holder, encodedName);
        } catch (err) {
          if (!isTransient(err)) throw err;
          // The holder does not answer: wait, then look again (its session may be ending).
          await sleep(200);
          continue;
        }
        if (epoch === node.openEpoch && node.state !== 'CLOSING' && wanted(holder.serverName)) {
          if (node.state !== 'OPEN') await this.setState(node, 'OPEN');
          return;
        }
        if (epoch !== undefined) {
          // Open there at another epoch, or on the wrong server: close it first.
          await this.unassign(encodedName);
          continue;
        }
        // Not open there, but an open (or a close) may still be running on it — sent by us before a
        // timeout, or by the previous master. Opening elsewhere now could leave it open on two
        // servers: make sure it is not there (a close answers REGION_OPENING until that open ends).
        try {
          this.o.checkActive();
          await holder.client.closeRegion(encodedName);
          continue; // it had just finished opening: closed now, look again
        } catch (err) {
          if (!isBasaltError(err, ErrorCodes.NOT_SERVING_REGION)) {
            if (!isTransient(err)) throw err;
            await sleep(200);
            continue;
          }
        }
      }

      const target = preferred ? this.o.servers.get(preferred) : this.chooseServer(exclude);
      if (!target) continue; // it died just now: the next round drops it
      const epoch = node.openEpoch + 1;
      this.reserved.set(target.serverName, (this.reserved.get(target.serverName) ?? 0) + 1);
      try {
        node = await this.setState(node, 'OPENING', { serverName: target.serverName, address: target.address, openEpoch: epoch });
      } finally {
        const left = (this.reserved.get(target.serverName) ?? 1) - 1;
        if (left > 0) this.reserved.set(target.serverName, left);
        else this.reserved.delete(target.serverName);
      }
      try {
        const families = await this.families(node.region.table);
        const r = node.region;
        this.o.checkActive();
        await target.client.openRegion({
          info: { table: r.table, startKey: r.startKey, endKey: r.endKey, regionId: r.regionId, encodedName: r.encodedName },
          families,
          openEpoch: epoch,
        });
      } catch (err) {
        if (isBasaltError(err, ErrorCodes.MASTER_NOT_RUNNING)) throw err;
        if (isTransient(err) || !this.o.servers.isLive(target.serverName)) {
          await sleep(100);
          continue; // the next round asks the server what it holds, or picks another
        }
        failures++;
        this.o.log.warn({ region: encodedName, server: target.serverName, err }, 'region failed to open');
        if (encodedName === META_ENCODED_NAME) {
          // Nothing works without meta: keep trying (HBase does too), slower each time, never FAILED_OPEN.
          this.o.log.error({ err, attempt: failures }, 'the meta region failed to open; retrying');
          await sleep(Math.min(5_000, 250 * failures));
          continue;
        }
        if (failures >= MAX_OPEN_ATTEMPTS || preferred) {
          const reason = err instanceof Error ? `${isBasaltError(err) ? err.code + ': ' : ''}${err.message}` : String(err);
          await this.setState(this.node(encodedName), 'FAILED_OPEN', { serverName: '', address: '', reason });
          throw new BasaltError(ErrorCodes.PROCEDURE_FAILED, `region ${encodedName} failed to open: ${reason}`, { region: encodedName, reason });
        }
        exclude.add(target.serverName);
        if (exclude.size >= this.o.servers.liveServers().length) exclude.clear();
        continue;
      }
      // Open there: a failure to record it is not a failed open (it stays OPENING; the next assign finds it open).
      await this.setState(node, 'OPEN');
      this.o.log.info({ region: encodedName, table: node.region.table, server: target.serverName, epoch }, 'region opened');
      return;
    }
  }

  // ---- unassign ----

  /** Closes the region wherever it is (flushing it) and records it CLOSED. */
  async unassign(encodedName: string): Promise<void> {
    for (;;) {
      this.o.checkActive();
      const node = this.node(encodedName);
      if (node.state === 'CLOSED' || node.state === 'OFFLINE' || node.state === 'FAILED_OPEN' || node.state === 'SPLIT' || node.state === 'MERGED') {
        if (node.serverName) await this.setState(node, node.state, { serverName: '', address: '' });
        return;
      }
      const holder = this.o.servers.get(node.serverName);
      if (!holder) {
        // The holder's session ended: its fence refuses writes, and its WAL is replayed by the next owner.
        await this.setState(node, 'CLOSED', { serverName: '', address: '' });
        return;
      }
      const closing = node.state === 'CLOSING' ? node : await this.setState(node, 'CLOSING');
      try {
        this.o.checkActive();
        await holder.client.closeRegion(encodedName);
      } catch (err) {
        if (isBasaltError(err, ErrorCodes.NOT_SERVING_REGION)) {
          // Already closed (or never opened there).
        } else if (isTransient(err)) {
          await sleep(100);
          continue;
        } else {
          await this.restoreAfterFailedClose(closing, holder);
          throw err;
        }
      }
      await this.setState(closing, 'CLOSED', { serverName: '', address: '' });
      this.o.log.info({ region: encodedName, server: holder.serverName }, 'region closed');
      return;
    }
  }

  /**
   * A close that failed on a live server (its flush failed) leaves the region in service there:
   * recorded OPEN again when the server still holds it at the recorded epoch, so that clients keep
   * reaching it instead of seeing a region CLOSING with no procedure left to finish it.
   */
  async restoreAfterFailedClose(closing: RegionNode, holder: LiveServer): Promise<void> {
    let epoch: number | undefined;
    try {
      epoch = await this.onlineEpoch(holder, closing.region.encodedName);
    } catch {
      return; // unknown: the next assign of the region asks again
    }
    if (epoch === closing.openEpoch) await this.setState(closing, 'OPEN');
  }

  /** Closes and opens the region again (on the same server when it is live): new descriptor, new epoch. */
  async reopen(encodedName: string): Promise<void> {
    const node = this.node(encodedName);
    const server = node.serverName && this.o.servers.isLive(node.serverName) ? node.serverName : undefined;
    await this.unassign(encodedName);
    await this.assign(encodedName, server ? { target: server } : {});
  }
}
