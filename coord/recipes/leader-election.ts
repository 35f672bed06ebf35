/**
 * Leader election, ZooKeeper's recipe: each candidate creates an EPHEMERAL_SEQUENTIAL node under
 * the election path; the lowest sequence leads; every other candidate watches only its
 * predecessor (no herd effect when the leader goes). Leadership ends when the candidate resigns,
 * its node vanishes, or its session is lost or expired — then `lost` fires, so the caller stops
 * acting as leader (fencing on `client.lastAckedKeepAliveMs` covers the gap before it knows).
 */
import { EventEmitter } from 'node:events';
import { BasaltError, ErrorCodes, isBasaltError } from '../../common/errors.js';
import type { CoordClient } from '../client/index.js';
import { createProtectedSequential, ensurePath, sortBySequence } from './common.js';

const PREFIX = 'n_';

export declare interface LeaderElection {
  on(event: 'elected' | 'lost', listener: () => void): this;
  on(event: 'error', listener: (err: unknown) => void): this;
  once(event: 'elected' | 'lost', listener: () => void): this;
}

export class LeaderElection extends EventEmitter {
  private node: string | undefined;
  private leading = false;
  private stopped = false;
  private checking = false;
  private recheck = false;
  private readonly onSessionLoss = (): void => this.loseLeadership();
  /** After a reconnect the session (and our node) may have survived: look again. */
  private readonly onReconnected = (): void => void this.check();

  constructor(
    private readonly client: CoordClient,
    /** The election's parent znode, e.g. /basalt/master-election. */
    readonly path: string,
    /** What this candidate publishes (e.g. its address); readable by everyone with `leaderData`. */
    private readonly data: string = '',
  ) {
    super();
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** This candidate's znode name (once it joined). */
  get nodeName(): string | undefined {
    return this.node;
  }

  /** Joins the election; resolves once the candidate's node exists (not when it leads). */
  async start(): Promise<void> {
    await ensurePath(this.client, this.path);
    this.node = await createProtectedSequential(this.client, this.path, PREFIX, this.data);
    this.client.on('lost', this.onSessionLoss);
    this.client.on('expired', this.onSessionLoss);
    this.client.on('closed', this.onSessionLoss);
    this.client.on('connected', this.onReconnected);
    await this.check();
  }

  /** Resolves when this candidate leads (rejects if it stops first). */
  waitForLeadership(): Promise<void> {
    if (this.leading) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onElected = (): void => {
        this.off('lost', onLost);
        resolve();
      };
      const onLost = (): void => {
        this.off('elected', onElected);
        reject(new BasaltError(ErrorCodes.LOCK_LOST, 'election left before leading'));
      };
      this.once('elected', onElected);
      this.once('lost', onLost);
    });
  }

  /** The current leader's published data, or undefined when nobody leads. */
  async leaderData(): Promise<string | undefined> {
    const { children } = await this.client.getChildren(this.path);
    for (const name of sortBySequence(children, PREFIX)) {
      try {
        return (await this.client.getData(`${this.path}/${name}`)).data.toString('utf8');
      } catch (err) {
        if (!isBasaltError(err, ErrorCodes.NO_NODE)) throw err;
      }
    }
    return undefined;
  }

  /** Leaves the election (deleting the node hands leadership to the next candidate). */
  async resign(): Promise<void> {
    this.stopped = true;
    this.detach();
    const node = this.node;
    this.loseLeadership();
    if (node) {
      try {
        await this.client.delete(`${this.path}/${node}`);
      } catch (err) {
        if (!isBasaltError(err, ErrorCodes.NO_NODE) && !isBasaltError(err, ErrorCodes.SESSION_EXPIRED) && !isBasaltError(err, ErrorCodes.CLOSED)) throw err;
      }
    }
  }

  private detach(): void {
    this.client.off('lost', this.onSessionLoss);
    this.client.off('expired', this.onSessionLoss);
    this.client.off('closed', this.onSessionLoss);
    this.client.off('connected', this.onReconnected);
  }

  private loseLeadership(): void {
    const was = this.leading;
    this.leading = false;
    if (this.client.state === 'expired' || this.client.state === 'closed') {
      this.stopped = true;
      this.detach();
    }
    if (was || this.stopped) this.emit('lost');
  }

  /** Re-evaluates the candidate's place; serialised so overlapping watch events do not race. */
  private async check(): Promise<void> {
    if (this.checking) {
      this.recheck = true;
      return;
    }
    this.checking = true;
    try {
      do {
        this.recheck = false;
        await this.checkOnce();
      } while (this.recheck && !this.stopped);
    } catch (err) {
      if (!this.stopped) this.emit('error', err);
    } finally {
      this.checking = false;
    }
  }

  private async checkOnce(): Promise<void> {
    if (this.stopped || !this.node) return;
    const { children } = await this.client.getChildren(this.path);
    const ordered = sortBySequence(children, PREFIX);
    const position = ordered.indexOf(this.node);
    if (position < 0) {
      // Our node is gone (the session expired, or someone deleted it): we cannot lead.
      this.stopped = true;
      this.detach();
      this.loseLeadership();
      return;
    }
    if (position === 0) {
      if (!this.leading) {
        this.leading = true;
        this.emit('elected');
      }
      return;
    }
    const predecessor = `${this.path}/${ordered[position - 1]}`;
    const stat = await this.client.exists(predecessor, { watch: () => void this.check() });
    if (!stat) this.recheck = true;
  }
}
