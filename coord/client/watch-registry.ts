/**
 * The client's own record of the watches it holds, so that events are routed to the right
 * callbacks and, after a reconnect, every watch can be re-armed on the new member with the last
 * zxid seen (ZooKeeper's SetWatches) — the server then fires what changed in between, so no event
 * is lost across a leader change.
 */
import { basalt } from '../../proto/generated/basalt.js';
import type { WatchedEvent, Watcher } from './types.js';

export type WatchKind = 'data' | 'exist' | 'child' | 'persistent' | 'persistentRecursive';

const WIRE_KIND: Record<WatchKind, basalt.coordrpc.WatchKind> = {
  data: basalt.coordrpc.WatchKind.DATA,
  exist: basalt.coordrpc.WatchKind.EXIST,
  child: basalt.coordrpc.WatchKind.CHILD,
  persistent: basalt.coordrpc.WatchKind.PERSISTENT,
  persistentRecursive: basalt.coordrpc.WatchKind.PERSISTENT_RECURSIVE,
};

export class WatchRegistry {
  private readonly byKind: Record<WatchKind, Map<string, Set<Watcher>>> = {
    data: new Map(),
    exist: new Map(),
    child: new Map(),
    persistent: new Map(),
    persistentRecursive: new Map(),
  };

  add(kind: WatchKind, path: string, watcher: Watcher): void {
    const map = this.byKind[kind];
    let set = map.get(path);
    if (!set) map.set(path, (set = new Set()));
    set.add(watcher);
  }

  has(kind: WatchKind, path: string, watcher: Watcher): boolean {
    return this.byKind[kind].get(path)?.has(watcher) ?? false;
  }

  /** Drops one registration (a watch whose arming request failed). */
  removeOne(kind: WatchKind, path: string, watcher: Watcher): void {
    const set = this.byKind[kind].get(path);
    if (!set) return;
    set.delete(watcher);
    if (set.size === 0) this.byKind[kind].delete(path);
  }

  remove(path: string): void {
    for (const map of Object.values(this.byKind)) map.delete(path);
  }

  get size(): number {
    let n = 0;
    for (const map of Object.values(this.byKind)) n += map.size;
    return n;
  }

  /**
   * The watchers an event triggers, ZooKeeper's rules: data/created → data and exist watches;
   * children → child watches; deleted → all three. One-shot watches are consumed; persistent ones stay.
   */
  trigger(event: WatchedEvent): Watcher[] {
    const fired: Watcher[] = [];
    const take = (kind: WatchKind): void => {
      const set = this.byKind[kind].get(event.path);
      if (!set) return;
      fired.push(...set);
      this.byKind[kind].delete(event.path);
    };
    switch (event.type) {
      case 'created':
      case 'dataChanged':
        take('data');
        take('exist');
        break;
      case 'childrenChanged':
        take('child');
        break;
      case 'deleted':
        take('data');
        take('exist');
        take('child');
        break;
    }
    const persistent = this.byKind.persistent.get(event.path);
    if (persistent) fired.push(...persistent);
    // A persistent recursive watch sees every event on its subtree except children changes
    // (ZooKeeper leaves those out: the creates and deletes themselves are delivered).
    if (event.type !== 'childrenChanged') {
      for (const [root, set] of this.byKind.persistentRecursive) {
        if (event.path === root || event.path.startsWith(root === '/' ? '/' : root + '/')) fired.push(...set);
      }
    }
    return [...new Set(fired)];
  }

  /** Everything to re-arm on a new member. */
  specs(): basalt.coordrpc.WatchSpec.$Properties[] {
    const out: basalt.coordrpc.WatchSpec.$Properties[] = [];
    for (const [kind, map] of Object.entries(this.byKind) as Array<[WatchKind, Map<string, Set<Watcher>>]>) {
      for (const path of map.keys()) out.push({ path, kind: WIRE_KIND[kind] });
    }
    return out;
  }

  clear(): void {
    for (const map of Object.values(this.byKind)) map.clear();
  }
}
