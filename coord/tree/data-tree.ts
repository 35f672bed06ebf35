/**
 * The znode tree itself (ZooKeeper's DataTree): nodes by path, their stats, children and the
 * ephemeral index per session. Mutations throw a typed BasaltError before changing anything, and
 * report what changed so the watch layer can fire. A multi runs inside a transaction: each
 * mutation records its inverse (O(1), never a copy of a parent's child set), and a failed op
 * replays the inverses newest first, so the tree is exactly as before (all or nothing).
 */
import { assert, BasaltError, ErrorCodes } from '../../common/errors.js';
import { childPath, nodeName, parentPath, sequentialSuffix } from './path.js';
import { WatchEventType, type SessionId, type Stat, type Zxid } from './types.js';

export interface Znode {
  readonly path: string;
  data: Uint8Array;
  czxid: Zxid;
  mzxid: Zxid;
  pzxid: Zxid;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  ephemeralOwner: SessionId;
  /** Child names (not paths). */
  children: Set<string>;
}

/** One change to the tree, in the order it happened: what watches react to. */
export interface TreeChange {
  type: WatchEventType;
  path: string;
}

const EMPTY = new Uint8Array(0);

export function statOf(node: Znode): Stat {
  return {
    czxid: node.czxid,
    mzxid: node.mzxid,
    pzxid: node.pzxid,
    ctime: node.ctime,
    mtime: node.mtime,
    version: node.version,
    cversion: node.cversion,
    aversion: 0,
    ephemeralOwner: node.ephemeralOwner,
    dataLength: node.data.length,
    numChildren: node.children.size,
  };
}

function noNode(path: string, field = 'path'): BasaltError {
  return new BasaltError(ErrorCodes.NO_NODE, `no node ${path}`, { path, field });
}

function checkVersion(node: Znode, expected: number): void {
  if (expected !== -1 && node.version !== expected) {
    throw new BasaltError(ErrorCodes.BAD_VERSION, `bad version for ${node.path}: expected ${expected}, is ${node.version}`, {
      path: node.path,
      expected,
      actual: node.version,
    });
  }
}

export class DataTree {
  private readonly nodes = new Map<string, Znode>();
  private readonly ephemerals = new Map<SessionId, Set<string>>();
  /** Inverses of the mutations of the current transaction, oldest first; null outside one. */
  private undoLog: Array<() => void> | null = null;

  constructor() {
    this.nodes.set('/', {
      path: '/',
      data: EMPTY,
      czxid: 0,
      mzxid: 0,
      pzxid: 0,
      ctime: 0,
      mtime: 0,
      version: 0,
      cversion: 0,
      ephemeralOwner: 0,
      children: new Set(),
    });
  }

  get size(): number {
    return this.nodes.size;
  }

  get(path: string): Znode | undefined {
    return this.nodes.get(path);
  }

  /** The node or NO_NODE. */
  require(path: string, field = 'path'): Znode {
    const node = this.nodes.get(path);
    if (!node) throw noNode(path, field);
    return node;
  }

  /** Paths of a session's ephemerals, sorted (the order expiry deletes them in). */
  ephemeralsOf(sessionId: SessionId): string[] {
    return [...(this.ephemerals.get(sessionId) ?? [])].sort();
  }

  /** Every node sorted by path (parents before children): the snapshot order. */
  sortedNodes(): Znode[] {
    return [...this.nodes.keys()].sort().map((p) => this.nodes.get(p)!);
  }

  // ---- transactions (multi) ----

  begin(): void {
    assert(this.undoLog === null, 'nested tree transaction');
    this.undoLog = [];
  }

  commit(): void {
    assert(this.undoLog !== null, 'commit without transaction');
    this.undoLog = null;
  }

  rollback(): void {
    assert(this.undoLog !== null, 'rollback without transaction');
    const undo = this.undoLog;
    this.undoLog = null;
    for (let i = undo.length - 1; i >= 0; i--) undo[i]();
  }

  // ---- checks shared by mutations and multi's check op ----

  check(path: string, version: number): void {
    checkVersion(this.require(path), version);
  }

  // ---- mutations ----

  /**
   * Creates a node; returns its actual path (with the `%010d` suffix taken from the parent's
   * cversion when sequential, as ZooKeeper does) and the changes to fire.
   */
  create(options: {
    path: string;
    data: Uint8Array;
    ephemeralOwner: SessionId;
    sequential: boolean;
    zxid: Zxid;
    nowMs: number;
  }): { path: string; node: Znode; changes: TreeChange[] } {
    const requested = options.path;
    if (requested === '/' && !options.sequential) {
      throw new BasaltError(ErrorCodes.NODE_EXISTS, 'node / exists', { path: '/' });
    }
    // A sequential create may name the parent with a trailing '/', e.g. "/queue/".
    const parentOfRequested = requested.endsWith('/') ? requested.slice(0, -1) || '/' : parentPath(requested);
    const parent = this.nodes.get(parentOfRequested);
    if (!parent) throw noNode(parentOfRequested);
    if (parent.ephemeralOwner !== 0) {
      throw new BasaltError(ErrorCodes.NO_CHILDREN_FOR_EPHEMERALS, `ephemeral ${parent.path} cannot have children`, {
        path: parent.path,
      });
    }
    const path = options.sequential ? requested + sequentialSuffix(parent.cversion) : requested;
    if (this.nodes.has(path)) {
      throw new BasaltError(ErrorCodes.NODE_EXISTS, `node ${path} exists`, { path });
    }
    const node: Znode = {
      path,
      data: options.data,
      czxid: options.zxid,
      mzxid: options.zxid,
      pzxid: options.zxid,
      ctime: options.nowMs,
      mtime: options.nowMs,
      version: 0,
      cversion: 0,
      ephemeralOwner: options.ephemeralOwner,
      children: new Set(),
    };
    const { cversion, pzxid } = parent;
    this.nodes.set(path, node);
    parent.children.add(nodeName(path));
    parent.cversion += 1;
    parent.pzxid = options.zxid;
    if (node.ephemeralOwner !== 0) this.indexEphemeral(node);
    this.undoLog?.push(() => {
      this.nodes.delete(path);
      parent.children.delete(nodeName(path));
      parent.cversion = cversion;
      parent.pzxid = pzxid;
      if (node.ephemeralOwner !== 0) this.unindexEphemeral(node);
    });
    return {
      path,
      node,
      changes: [
        { type: WatchEventType.NodeCreated, path },
        { type: WatchEventType.NodeChildrenChanged, path: parent.path },
      ],
    };
  }

  delete(path: string, version: number, zxid: Zxid): TreeChange[] {
    if (path === '/') {
      throw new BasaltError(ErrorCodes.INVALID_ARGUMENT, 'path: the root cannot be deleted', { field: 'path' });
    }
    const node = this.require(path);
    checkVersion(node, version);
    if (node.children.size > 0) {
      throw new BasaltError(ErrorCodes.NOT_EMPTY, `node ${path} has ${node.children.size} children`, { path });
    }
    const parent = this.nodes.get(parentPath(path));
    assert(parent, `parent of ${path} exists`);
    const { pzxid } = parent;
    this.nodes.delete(path);
    if (node.ephemeralOwner !== 0) this.unindexEphemeral(node);
    parent.children.delete(nodeName(path));
    // ZooKeeper moves only pzxid on a delete: cversion (and with it the sequential suffix)
    // advances on child creations only.
    parent.pzxid = zxid;
    this.undoLog?.push(() => {
      this.nodes.set(path, node);
      if (node.ephemeralOwner !== 0) this.indexEphemeral(node);
      parent.children.add(nodeName(path));
      parent.pzxid = pzxid;
    });
    return [
      { type: WatchEventType.NodeDeleted, path },
      { type: WatchEventType.NodeChildrenChanged, path: parent.path },
    ];
  }

  setData(path: string, data: Uint8Array, version: number, zxid: Zxid, nowMs: number): { node: Znode; changes: TreeChange[] } {
    const node = this.require(path);
    checkVersion(node, version);
    const before = { data: node.data, version: node.version, mzxid: node.mzxid, mtime: node.mtime };
    this.undoLog?.push(() => Object.assign(node, before));
    node.data = data;
    node.version += 1;
    node.mzxid = zxid;
    node.mtime = nowMs;
    return { node, changes: [{ type: WatchEventType.NodeDataChanged, path }] };
  }

  /** Sorted child names. */
  children(path: string): string[] {
    return [...this.require(path).children].sort();
  }

  /** Descendant paths of `path` (excluding itself), sorted; bounded by `limit`. */
  descendants(path: string, limit: number): string[] {
    const out: string[] = [];
    const stack = [path];
    while (stack.length > 0 && out.length < limit) {
      const p = stack.pop()!;
      const node = this.nodes.get(p);
      if (!node) continue;
      for (const name of node.children) {
        const c = childPath(p, name);
        out.push(c);
        stack.push(c);
      }
    }
    return out.slice(0, limit).sort();
  }

  // ---- restore ----

  /** Inserts a node read from a snapshot; its parent must already be there (snapshot order). */
  restoreNode(node: Omit<Znode, 'children'>): void {
    if (node.path === '/') {
      const root = this.nodes.get('/')!;
      Object.assign(root, { ...node, children: root.children });
      return;
    }
    const parent = this.nodes.get(parentPath(node.path));
    // (Messages built only on failure: this runs once per node of a possibly large snapshot.)
    if (!parent) assert(false, `snapshot lists ${node.path} before its parent`);
    if (this.nodes.has(node.path)) assert(false, `snapshot lists ${node.path} twice`);
    const restored: Znode = {
      path: node.path,
      data: node.data,
      czxid: node.czxid,
      mzxid: node.mzxid,
      pzxid: node.pzxid,
      ctime: node.ctime,
      mtime: node.mtime,
      version: node.version,
      cversion: node.cversion,
      ephemeralOwner: node.ephemeralOwner,
      children: new Set(),
    };
    this.nodes.set(node.path, restored);
    parent.children.add(nodeName(node.path));
    if (restored.ephemeralOwner !== 0) this.indexEphemeral(restored);
  }

  private indexEphemeral(node: Znode): void {
    let set = this.ephemerals.get(node.ephemeralOwner);
    if (!set) this.ephemerals.set(node.ephemeralOwner, (set = new Set()));
    set.add(node.path);
  }

  private unindexEphemeral(node: Znode): void {
    const set = this.ephemerals.get(node.ephemeralOwner);
    if (!set) return;
    set.delete(node.path);
    if (set.size === 0) this.ephemerals.delete(node.ephemeralOwner);
  }
}
