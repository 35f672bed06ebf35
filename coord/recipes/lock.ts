/**
 * A distributed lock (ZooKeeper's recipe): an EPHEMERAL_SEQUENTIAL node per contender; the lowest
 * holds the lock; each waiter watches only its predecessor. The lock is lost with the session:
 * `lost` fires and `isHeld` turns false, so a holder stops touching what the lock protects.
 */
import { EventEmitter } from 'node:events';
import { BasaltError, ErrorCodes, isBasaltError } from '../../common/errors.js';
import type { CoordClient } from '../client/index.js';
import { createProtectedSequential, ensurePath, sortBySequence } from './common.js';

const PREFIX = 'lock-';

export class DistributedLock extends EventEmitter {
  private node: string | undefined;
  private held = false;
  private readonly onSessionLoss = (): void => {
    if (!this.held) return;
    this.held = false;
    this.emit('lost');
  };

  constructor(
    private readonly client: CoordClient,
    readonly path: string,
  ) {
    super();
  }

  get isHeld(): boolean {
    return this.held;
  }

  /** Waits for the lock; rejects with TIMEOUT (and withdraws) after `timeoutMs`. */
  async acquire(timeoutMs = 30_000): Promise<void> {
    if (this.held) return;
    await ensurePath(this.client, this.path);
    this.node = await createProtectedSequential(this.client, this.path, PREFIX, '');
    const created = `${this.path}/${this.node}`;
    const deadline = performance.now() + timeoutMs;
    try {
      for (;;) {
        const { children } = await this.client.getChildren(this.path);
        const ordered = sortBySequence(children, PREFIX);
        const position = ordered.indexOf(this.node);
        if (position < 0) throw new BasaltError(ErrorCodes.LOCK_LOST, `lock node ${created} vanished (session lost?)`);
        if (position === 0) break;
        const predecessor = `${this.path}/${ordered[position - 1]}`;
        let wake: () => void = () => undefined;
        const changed = new Promise<void>((resolve) => (wake = resolve));
        const stat = await this.client.exists(predecessor, { watch: () => wake() });
        if (!stat) continue;
        const remaining = deadline - performance.now();
        if (remaining <= 0) throw new BasaltError(ErrorCodes.TIMEOUT, `lock ${this.path} not acquired within ${timeoutMs} ms`);
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([changed, new Promise<void>((resolve) => (timer = setTimeout(resolve, remaining)))]);
        clearTimeout(timer);
        if (performance.now() >= deadline) throw new BasaltError(ErrorCodes.TIMEOUT, `lock ${this.path} not acquired within ${timeoutMs} ms`);
      }
    } catch (err) {
      await this.withdraw();
      throw err;
    }
    this.held = true;
    this.client.on('lost', this.onSessionLoss);
    this.client.on('expired', this.onSessionLoss);
  }

  async release(): Promise<void> {
    this.client.off('lost', this.onSessionLoss);
    this.client.off('expired', this.onSessionLoss);
    this.held = false;
    await this.withdraw();
  }

  private async withdraw(): Promise<void> {
    const node = this.node;
    this.node = undefined;
    if (!node) return;
    try {
      await this.client.delete(`${this.path}/${node}`);
    } catch (err) {
      if (!isBasaltError(err, ErrorCodes.NO_NODE) && !isBasaltError(err, ErrorCodes.SESSION_EXPIRED) && !isBasaltError(err, ErrorCodes.CLOSED)) throw err;
    }
  }
}
