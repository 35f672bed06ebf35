/**
 * Watches, as ZooKeeper's WatchManager: per server, per connected session, never replicated and
 * never in a snapshot. One-shot data / exist / child watches are consumed when they fire;
 * persistent watches (ZooKeeper 3.6 addWatch) stay, optionally covering the whole subtree.
 *
 * Which change fires which watch (ZooKeeper's rules):
 *   NodeCreated(p)          data(p), exist(p), persistent(p), recursive(p or an ancestor)
 *   NodeDeleted(p)          data(p), exist(p), child(p), persistent(p), recursive(p or an ancestor)
 *   NodeDataChanged(p)      data(p), exist(p), persistent(p), recursive(p or an ancestor)
 *   NodeChildrenChanged(p)  child(p), persistent(p)   (recursive watches never get it)
 * A session receives one event per (type, path) even if several of its watches match.
 */
import { BasaltError, ErrorCodes } from '../../common/errors.js';
import type { TreeChange } from './data-tree.js';
import { selfAndAncestors } from './path.js';
import { WatcherType, WatchEventType, type SessionId, type WatchEvent, type WatchSet, type Zxid } from './types.js';

type WatchKind = 'data' | 'exist' | 'child' | 'persistent' | 'recursive';

const KINDS: readonly WatchKind[] = ['data', 'exist', 'child', 'persistent', 'recursive'];

export class WatchManager {
  private readonly byKind: Record<WatchKind, Map<string, Set<SessionId>>> = {
    data: new Map(),
    exist: new Map(),
    child: new Map(),
    persistent: new Map(),
    recursive: new Map(),
  };
  /** Per session: "kind\0path" of every watch it holds (for removal and the bound). */
  private readonly bySession = new Map<SessionId, Set<string>>();

  constructor(private readonly maxWatchesPerSession = 100_000) {}

  /** Number of watches held, over all sessions and kinds. */
  get count(): number {
    let n = 0;
    for (const s of this.bySession.values()) n += s.size;
    return n;
  }

  /** Sessions holding at least one watch, ascending. */
  sessions(): SessionId[] {
    return [...this.bySession.keys()].filter((s) => this.bySession.get(s)!.size > 0).sort((a, b) => a - b);
  }

  addData(sessionId: SessionId, path: string): void {
    this.add('data', sessionId, path);
  }

  addExist(sessionId: SessionId, path: string): void {
    this.add('exist', sessionId, path);
  }

  addChild(sessionId: SessionId, path: string): void {
    this.add('child', sessionId, path);
  }

  addPersistent(sessionId: SessionId, path: string, recursive: boolean): void {
    this.add(recursive ? 'recursive' : 'persistent', sessionId, path);
  }

  /**
   * ZooKeeper's removeWatches: Data removes data and exist watches, Children removes child
   * watches, Any removes those and persistent ones. True when something was removed.
   */
  remove(sessionId: SessionId, path: string, type: WatcherType): boolean {
    const kinds: WatchKind[] =
      type === WatcherType.Data ? ['data', 'exist'] : type === WatcherType.Children ? ['child'] : [...KINDS];
    let removed = false;
    for (const k of kinds) removed = this.removeOne(k, sessionId, path) || removed;
    return removed;
  }

  /** Drops every watch of a session (it closed, expired or moved to another server). */
  removeSession(sessionId: SessionId): void {
    const keys = this.bySession.get(sessionId);
    if (!keys) return;
    for (const key of [...keys]) {
      const sep = key.indexOf('\0');
      this.removeOne(key.slice(0, sep) as WatchKind, sessionId, key.slice(sep + 1));
    }
    this.bySession.delete(sessionId);
  }

  /** The watches a session holds, e.g. to hand over or to check after reconnect. */
  watchesOf(sessionId: SessionId): WatchSet {
    const set: WatchSet = { data: [], exist: [], child: [], persistent: [], persistentRecursive: [] };
    for (const key of [...(this.bySession.get(sessionId) ?? [])].sort()) {
      const sep = key.indexOf('\0');
      const kind = key.slice(0, sep) as WatchKind;
      const path = key.slice(sep + 1);
      (kind === 'recursive' ? set.persistentRecursive : set[kind]).push(path);
    }
    return set;
  }

  /** The events `changes` fire (in order), consuming the one-shot watches that fired. */
  trigger(changes: readonly TreeChange[], zxid: Zxid): WatchEvent[] {
    const events: WatchEvent[] = [];
    for (const change of changes) {
      const recipients = new Set<SessionId>();
      const { path, type } = change;
      const oneShot: WatchKind[] =
        type === WatchEventType.NodeChildrenChanged
          ? ['child']
          : type === WatchEventType.NodeDeleted
            ? ['data', 'exist', 'child']
            : ['data', 'exist'];
      for (const kind of oneShot) {
        const sessions = this.byKind[kind].get(path);
        if (!sessions) continue;
        for (const s of sessions) {
          recipients.add(s);
          this.bySession.get(s)?.delete(`${kind}\0${path}`);
        }
        this.byKind[kind].delete(path);
      }
      for (const s of this.byKind.persistent.get(path) ?? []) recipients.add(s);
      if (type !== WatchEventType.NodeChildrenChanged && this.byKind.recursive.size > 0) {
        for (const p of selfAndAncestors(path)) for (const s of this.byKind.recursive.get(p) ?? []) recipients.add(s);
      }
      if (recipients.size > 0) {
        events.push({ type, path, zxid, sessionIds: [...recipients].sort((a, b) => a - b) });
      }
    }
    return events;
  }

  private add(kind: WatchKind, sessionId: SessionId, path: string): void {
    const key = `${kind}\0${path}`;
    let keys = this.bySession.get(sessionId);
    if (keys?.has(key)) return;
    if ((keys?.size ?? 0) >= this.maxWatchesPerSession) {
      throw new BasaltError(ErrorCodes.SERVER_BUSY, `session ${sessionId} holds ${this.maxWatchesPerSession} watches`, {
        sessionId,
        limit: this.maxWatchesPerSession,
      });
    }
    if (!keys) this.bySession.set(sessionId, (keys = new Set()));
    keys.add(key);
    let sessions = this.byKind[kind].get(path);
    if (!sessions) this.byKind[kind].set(path, (sessions = new Set()));
    sessions.add(sessionId);
  }

  private removeOne(kind: WatchKind, sessionId: SessionId, path: string): boolean {
    const sessions = this.byKind[kind].get(path);
    if (!sessions?.delete(sessionId)) return false;
    if (sessions.size === 0) this.byKind[kind].delete(path);
    const keys = this.bySession.get(sessionId);
    keys?.delete(`${kind}\0${path}`);
    if (keys && keys.size === 0) this.bySession.delete(sessionId);
    return true;
  }
}
