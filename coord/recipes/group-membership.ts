/**
 * Group membership: each member registers an EPHEMERAL node named after itself under the group
 * path; watchers get the full member list on every change (the children watch is re-armed
 * before the list is read, so no change between two reads goes unseen).
 */
import { EventEmitter } from 'node:events';
import { ErrorCodes, isBasaltError } from '../../common/errors.js';
import { validatePath } from '../tree/path.js';
import type { CoordClient } from '../client/index.js';
import { ensurePath } from './common.js';

export interface GroupMember {
  name: string;
  data: string;
}

export declare interface GroupMembership {
  on(event: 'change', listener: (members: string[]) => void): this;
  on(event: 'error', listener: (err: unknown) => void): this;
}

export class GroupMembership extends EventEmitter {
  private watching = false;
  private stopped = false;
  private last: string[] | undefined;

  constructor(
    private readonly client: CoordClient,
    readonly path: string,
  ) {
    super();
  }

  /** Registers this process as `name` (an ephemeral node: it leaves when the session ends). */
  async join(name: string, data = ''): Promise<void> {
    validatePath(`${this.path}/${name}`, 'name');
    await ensurePath(this.client, this.path);
    await this.client.create(`${this.path}/${name}`, data, { ephemeral: true });
  }

  async leave(name: string): Promise<void> {
    try {
      await this.client.delete(`${this.path}/${name}`);
    } catch (err) {
      if (!isBasaltError(err, ErrorCodes.NO_NODE)) throw err;
    }
  }

  /** Current member names, sorted. */
  async members(): Promise<string[]> {
    try {
      return (await this.client.getChildren(this.path)).children;
    } catch (err) {
      if (isBasaltError(err, ErrorCodes.NO_NODE)) return [];
      throw err;
    }
  }

  /** Members with their published data. */
  async membersWithData(): Promise<GroupMember[]> {
    const out: GroupMember[] = [];
    for (const name of await this.members()) {
      try {
        out.push({ name, data: (await this.client.getData(`${this.path}/${name}`)).data.toString('utf8') });
      } catch (err) {
        if (!isBasaltError(err, ErrorCodes.NO_NODE)) throw err;
      }
    }
    return out;
  }

  /** Emits `change` with the member list now and after every change; returns the current list. */
  async watch(): Promise<string[]> {
    await ensurePath(this.client, this.path);
    this.watching = true;
    return this.refresh();
  }

  unwatch(): void {
    this.stopped = true;
  }

  private async refresh(): Promise<string[]> {
    const { children } = await this.client.getChildren(this.path, {
      watch: () => {
        if (this.stopped) return;
        this.refresh().catch((err: unknown) => this.emit('error', err));
      },
    });
    if (this.watching && !this.stopped && (this.last === undefined || this.last.join('\0') !== children.join('\0'))) {
      this.last = children;
      this.emit('change', children);
    }
    return children;
  }
}
