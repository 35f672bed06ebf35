/**
 * The client's own record of the watches it holds, so that events are routed to the right
 * callbacks and, after a reconnect, every watch can be re-armed on the new member with the last
 * zxid seen (ZooKeeper's SetWatches) — the server then fires what changed in between, so no event
 * is lost across a leader change.
 *
 * Each registration is bound to the read that armed it. It is recorded *pending* before the read
 * is sent (the server may deliver the watch's event before the read's answer: answers keep
 * request order, events do not wait), and becomes *armed at zxid R* when the answer reports the
 * applied index R the read observed. An event fires a registration only if its zxid is above R:
 * an event for an earlier change belongs to an earlier registration and must not consume this one
 * (otherwise the server's new watch later fires, finds no watcher, and the event is lost).
 * Events that arrive while a registration is pending are kept with it and sorted out when it is
 * armed. The server sends every event with a zxid ≤ R before the read's answer, so an armed
 * registration never sees one again.
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

/** One watcher armed (or being armed) by one read. */
export interface WatchRegistration {
  kind: WatchKind;
  readonly path: string;
  readonly watcher: Watcher;
  /** The applied index the arming read observed; undefined while its answer is outstanding. */
  armedZxid: number | undefined;
  /** Events seen while pending; `delivered`: the same watcher already got it through another registration. */
  readonly early: Array<{ event: WatchedEvent; delivered: boolean }>;
  removed: boolean;
}

function isPersistent(kind: WatchKind): boolean {
  return kind === 'persistent' || kind === 'persistentRecursive';
}

export class WatchRegistry {
  private readonly byKind: Record<WatchKind, Map<string, WatchRegistration[]>> = {
    data: new Map(),
    exist: new Map(),
    child: new Map(),
    persistent: new Map(),
    persistentRecursive: new Map(),
  };

  /** Records a pending registration, before its read is sent. */
  add(kind: WatchKind, path: string, watcher: Watcher): WatchRegistration {
    const registration: WatchRegistration = { kind, path, watcher, armedZxid: undefined, early: [], removed: false };
    this.insert(registration);
    return registration;
  }

  /**
   * The read that armed `registration` observed `readZxid`: returns the early events it must fire
   * now (changes after the read), consuming a one-shot registration that fires.
   */
  arm(registration: WatchRegistration, readZxid: number): Array<{ watcher: Watcher; event: WatchedEvent }> {
    if (registration.removed || registration.armedZxid !== undefined) return [];
    registration.armedZxid = readZxid;
    const later = registration.early.filter((e) => e.event.zxid > readZxid);
    registration.early.length = 0;
    if (isPersistent(registration.kind)) {
      return later.filter((e) => !e.delivered).map((e) => ({ watcher: registration.watcher, event: e.event }));
    }
    const first = later[0];
    if (!first) return [];
    this.cancel(registration);
    return first.delivered ? [] : [{ watcher: registration.watcher, event: first.event }];
  }

  /** ZooKeeper arms a data watch when exists() finds the node: record it as one. */
  rekind(registration: WatchRegistration, kind: WatchKind): void {
    if (registration.removed || registration.kind === kind) return;
    this.detach(registration);
    registration.kind = kind;
    this.insert(registration);
  }

  /** Drops one registration (its arming request failed). */
  cancel(registration: WatchRegistration): void {
    if (registration.removed) return;
    this.detach(registration);
    registration.removed = true;
  }

  remove(path: string): void {
    for (const map of Object.values(this.byKind)) {
      for (const registration of map.get(path) ?? []) registration.removed = true;
      map.delete(path);
    }
  }

  /** Number of (kind, path) pairs with at least one registration. */
  get size(): number {
    let n = 0;
    for (const map of Object.values(this.byKind)) n += map.size;
    return n;
  }

  /**
   * The watchers an event triggers, ZooKeeper's rules: data/created → data and exist watches;
   * children → child watches; deleted → all three; persistent ones always, recursive ones for
   * the subtree except children changes. One-shot registrations armed before the change are
   * consumed; a watcher fires once per event however many of its registrations match.
   */
  trigger(event: WatchedEvent): Watcher[] {
    const matching: WatchRegistration[] = [];
    const collect = (kind: WatchKind, path: string): void => {
      for (const registration of this.byKind[kind].get(path) ?? []) matching.push(registration);
    };
    switch (event.type) {
      case 'created':
      case 'dataChanged':
        collect('data', event.path);
        collect('exist', event.path);
        break;
      case 'childrenChanged':
        collect('child', event.path);
        break;
      case 'deleted':
        collect('data', event.path);
        collect('exist', event.path);
        collect('child', event.path);
        break;
    }
    collect('persistent', event.path);
    // A persistent recursive watch sees every event on its subtree except children changes
    // (ZooKeeper leaves those out: the creates and deletes themselves are delivered).
    if (event.type !== 'childrenChanged') {
      for (const [root, list] of this.byKind.persistentRecursive) {
        if (event.path === root || event.path.startsWith(root === '/' ? '/' : root + '/')) matching.push(...list);
      }
    }
    const fired = new Set<Watcher>();
    const pending: WatchRegistration[] = [];
    for (const registration of matching) {
      if (registration.armedZxid === undefined) {
        pending.push(registration);
        continue;
      }
      if (event.zxid <= registration.armedZxid) continue; // a change the arming read already saw
      fired.add(registration.watcher);
      if (!isPersistent(registration.kind)) this.cancel(registration);
    }
    for (const registration of pending) registration.early.push({ event, delivered: fired.has(registration.watcher) });
    return [...fired];
  }

  /** Everything armed, to re-arm on a new member (pending reads re-arm themselves when retried). */
  specs(): basalt.coordrpc.WatchSpec.$Properties[] {
    const out: basalt.coordrpc.WatchSpec.$Properties[] = [];
    for (const [kind, map] of Object.entries(this.byKind) as Array<[WatchKind, Map<string, WatchRegistration[]>]>) {
      for (const [path, list] of map) {
        if (list.some((r) => r.armedZxid !== undefined)) out.push({ path, kind: WIRE_KIND[kind] });
      }
    }
    return out;
  }

  clear(): void {
    for (const map of Object.values(this.byKind)) {
      for (const list of map.values()) for (const registration of list) registration.removed = true;
      map.clear();
    }
  }

  private insert(registration: WatchRegistration): void {
    const map = this.byKind[registration.kind];
    let list = map.get(registration.path);
    if (!list) map.set(registration.path, (list = []));
    list.push(registration);
  }

  private detach(registration: WatchRegistration): void {
    const map = this.byKind[registration.kind];
    const list = map.get(registration.path);
    if (!list) return;
    const i = list.indexOf(registration);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) map.delete(registration.path);
  }
}
