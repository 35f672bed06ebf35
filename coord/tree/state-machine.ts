/**
 * CoordStateMachine: the coordination service's replicated state machine (ZooKeeper's DataTree +
 * session table), pure and synchronous. Every member applies the same committed commands in log
 * order and ends in the same state (byte-identical snapshots): no clock, no randomness, no I/O;
 * time arrives inside commands, stamped by the leader.
 *
 * Watches are per server and live beside the replicated state (`watches`), never in a snapshot:
 * reads register them, apply() fires them and returns the events routed to local sessions.
 */
import { assert, BasaltError, ErrorCodes, invalidArgument } from '../../common/errors.js';
import { DataTree, statOf, type TreeChange } from './data-tree.js';
import { validatePath } from './path.js';
import { SessionTable } from './sessions.js';
import { decodeSnapshot, encodeSnapshot } from './codec.js';
import {
  AddWatchMode,
  DEFAULT_STATE_MACHINE_OPTIONS,
  isEphemeralMode,
  isSequentialMode,
  WatchEventType,
  type ApplyResult,
  type CommandResult,
  type CoordCommand,
  type CoordRead,
  type CreateMode,
  type MultiOp,
  type MultiOpResult,
  type ReadResult,
  type SessionId,
  type SessionInfo,
  type Stat,
  type StateMachineOptions,
  type WatcherType,
  type WatchEvent,
  type WatchSet,
  type Zxid,
} from './types.js';
import { WatchManager } from './watches.js';

function resolveOptions(options: StateMachineOptions): Required<StateMachineOptions> {
  const resolved = { ...DEFAULT_STATE_MACHINE_OPTIONS, ...options };
  for (const [field, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 0) throw invalidArgument(field, `must be a non-negative integer, got ${value}`);
  }
  if (resolved.minSessionTimeoutMs > resolved.maxSessionTimeoutMs) {
    throw invalidArgument('minSessionTimeoutMs', 'must not exceed maxSessionTimeoutMs');
  }
  return resolved;
}

function checkVersionArgument(version: number, field: string): void {
  if (!Number.isSafeInteger(version) || version < -1) throw invalidArgument(field, `must be -1 or a version, got ${version}`);
}

const nonNegative = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 0;

/**
 * The numbers a command carries must be safe non-negative integers: a NaN deadline or a
 * fractional session id would make replicas diverge in ways no later command repairs.
 */
function checkNumbers(command: CoordCommand): void {
  if ('nowMs' in command && !nonNegative(command.nowMs)) throw invalidArgument('nowMs', `must be a non-negative integer, got ${command.nowMs}`);
  if ('sessionId' in command && !nonNegative(command.sessionId)) {
    throw invalidArgument('sessionId', `must be a non-negative integer, got ${command.sessionId}`);
  }
  if ('sessionIds' in command && !command.sessionIds.every(nonNegative)) throw invalidArgument('sessionIds', 'must be non-negative integers');
  if (command.type === 'createSession' && !nonNegative(command.timeoutMs)) {
    throw invalidArgument('timeoutMs', `must be a non-negative integer, got ${command.timeoutMs}`);
  }
}

export class CoordStateMachine {
  readonly options: Required<StateMachineOptions>;
  /** This server's watches (not replicated). */
  readonly watches: WatchManager;
  private readonly tree = new DataTree();
  private readonly sessions = new SessionTable();
  private appliedZxid: Zxid = 0;

  constructor(options: StateMachineOptions, watches?: WatchManager) {
    this.options = resolveOptions(options);
    this.watches = watches ?? new WatchManager(this.options.maxWatchesPerSession);
  }

  /** The last applied zxid (Raft index), 0 before the first command. */
  get lastZxid(): Zxid {
    return this.appliedZxid;
  }

  /** Number of znodes, the root included. */
  get nodeCount(): number {
    return this.tree.size;
  }

  /**
   * Applies one committed command; `index` (its Raft log index) becomes its zxid and must
   * increase. A failed command (bad version, missing node, …) changes nothing and still consumes
   * its index; the error is in `outcome`.
   */
  apply(index: number, command: CoordCommand): ApplyResult {
    assert(Number.isSafeInteger(index) && index > this.appliedZxid, `apply index ${index} after ${this.appliedZxid}`);
    this.appliedZxid = index;
    const changes: TreeChange[] = [];
    const endedSessions: SessionId[] = [];
    let outcome: ApplyResult['outcome'];
    try {
      outcome = { ok: true, result: this.execute(index, command, changes, endedSessions) };
    } catch (err) {
      if (!(err instanceof BasaltError)) throw err;
      outcome = { ok: false, error: err };
      changes.length = 0;
    }
    // A session that just ended gets no more events (its connection is being dropped).
    for (const id of endedSessions) this.watches.removeSession(id);
    const events = this.watches.trigger(changes, index);
    return { index, zxid: index, outcome, events, endedSessions };
  }

  private execute(zxid: Zxid, command: CoordCommand, changes: TreeChange[], endedSessions: SessionId[]): CommandResult {
    checkNumbers(command);
    switch (command.type) {
      case 'createSession': {
        if (!Number.isSafeInteger(command.sessionId) || command.sessionId <= 0) {
          throw invalidArgument('sessionId', 'must be a positive integer');
        }
        if (this.sessions.status(command.sessionId) === 'ended') {
          this.sessions.requireLive(command.sessionId);
        }
        const { minSessionTimeoutMs: min, maxSessionTimeoutMs: max } = this.options;
        const timeoutMs = Math.min(max, Math.max(min, command.timeoutMs));
        this.sessions.open(command.sessionId, timeoutMs, command.nowMs, command.password);
        return { type: 'createSession', sessionId: command.sessionId, timeoutMs };
      }
      case 'touchSessions':
        return { type: 'touchSessions', touched: command.sessionIds.filter((id) => this.sessions.touch(id, command.nowMs)) };
      case 'extendAll':
        return { type: 'extendAll', sessionCount: this.sessions.extendAll(command.nowMs) };
      case 'closeSession': {
        this.sessions.requireLive(command.sessionId);
        const deleted = this.endSession(command.sessionId, zxid, changes);
        endedSessions.push(command.sessionId);
        return { type: 'closeSession', deleted };
      }
      case 'expireSessions': {
        const expired: SessionId[] = [];
        const deleted: string[] = [];
        for (const id of command.sessionIds) {
          if (this.sessions.status(id) !== 'live') continue;
          deleted.push(...this.endSession(id, zxid, changes));
          expired.push(id);
          endedSessions.push(id);
        }
        return { type: 'expireSessions', expired, deleted };
      }
      case 'create': {
        this.checkSession(command.sessionId);
        const r = this.create(command.path, command.data, command.mode, command.sessionId, zxid, command.nowMs, 'path');
        changes.push(...r.changes);
        return { type: 'create', path: r.path, stat: r.stat };
      }
      case 'delete':
        this.checkSession(command.sessionId);
        validatePath(command.path, 'path');
        checkVersionArgument(command.version, 'version');
        changes.push(...this.tree.delete(command.path, command.version, zxid));
        return { type: 'delete' };
      case 'setData': {
        this.checkSession(command.sessionId);
        const r = this.setData(command.path, command.data, command.version, zxid, command.nowMs, 'path', 'version');
        changes.push(...r.changes);
        return { type: 'setData', stat: r.stat };
      }
      case 'multi':
        this.checkSession(command.sessionId);
        return { type: 'multi', results: this.multi(command.ops, command.sessionId, zxid, command.nowMs, changes) };
      case 'sync':
        return { type: 'sync' };
      default: {
        const unknown: never = command;
        throw invalidArgument('command', `unknown command ${JSON.stringify((unknown as { type?: unknown }).type)}`);
      }
    }
  }

  /** Session 0 is the admin's "no session"; any other id must be live. */
  private checkSession(sessionId: SessionId): void {
    if (sessionId !== 0) this.sessions.requireLive(sessionId);
  }

  private endSession(sessionId: SessionId, zxid: Zxid, changes: TreeChange[]): string[] {
    const paths = this.tree.ephemeralsOf(sessionId);
    // Ephemerals never have children, so deleting them in path order always succeeds.
    for (const path of paths) changes.push(...this.tree.delete(path, -1, zxid));
    this.sessions.end(sessionId);
    return paths;
  }

  private create(
    path: string,
    data: Uint8Array,
    mode: CreateMode,
    sessionId: SessionId,
    zxid: Zxid,
    nowMs: number,
    field: string,
  ): { path: string; stat: Stat; changes: TreeChange[] } {
    const sequential = isSequentialMode(mode);
    validatePath(path, field, sequential);
    this.checkData(data, 'data');
    const ephemeral = isEphemeralMode(mode);
    if (ephemeral) {
      if (sessionId === 0) throw invalidArgument('sessionId', 'an ephemeral node needs a session');
      this.sessions.requireLive(sessionId);
    }
    const r = this.tree.create({ path, data, ephemeralOwner: ephemeral ? sessionId : 0, sequential, zxid, nowMs });
    return { path: r.path, stat: statOf(r.node), changes: r.changes };
  }

  private setData(
    path: string,
    data: Uint8Array,
    version: number,
    zxid: Zxid,
    nowMs: number,
    field: string,
    versionField: string,
  ): { stat: Stat; changes: TreeChange[] } {
    validatePath(path, field);
    checkVersionArgument(version, versionField);
    this.checkData(data, 'data');
    const r = this.tree.setData(path, data, version, zxid, nowMs);
    return { stat: statOf(r.node), changes: r.changes };
  }

  private checkData(data: Uint8Array, field: string): void {
    if (!(data instanceof Uint8Array)) throw invalidArgument(field, 'must be bytes');
    if (data.length > this.options.maxDataBytes) {
      throw new BasaltError(ErrorCodes.DATA_TOO_LARGE, `${field}: ${data.length} bytes > ${this.options.maxDataBytes}`, {
        field,
        size: data.length,
        limit: this.options.maxDataBytes,
      });
    }
  }

  private multi(ops: MultiOp[], sessionId: SessionId, zxid: Zxid, nowMs: number, changes: TreeChange[]): MultiOpResult[] {
    if (ops.length > this.options.maxMultiOps) throw invalidArgument('ops', `more than ${this.options.maxMultiOps} ops`);
    const results: MultiOpResult[] = [];
    const local: TreeChange[] = [];
    this.tree.begin();
    try {
      ops.forEach((op, i) => {
        try {
          results.push(this.multiOp(op, i, sessionId, zxid, nowMs, local));
        } catch (err) {
          if (err instanceof BasaltError) {
            throw new BasaltError(err.code, `multi op ${i} (${op.type}): ${err.message}`, { ...err.details, opIndex: i });
          }
          throw err;
        }
      });
    } catch (err) {
      this.tree.rollback();
      throw err;
    }
    this.tree.commit();
    changes.push(...local);
    return results;
  }

  private multiOp(op: MultiOp, i: number, sessionId: SessionId, zxid: Zxid, nowMs: number, changes: TreeChange[]): MultiOpResult {
    const field = `ops[${i}].path`;
    switch (op.type) {
      case 'check':
        validatePath(op.path, field);
        checkVersionArgument(op.version, `ops[${i}].version`);
        this.tree.check(op.path, op.version);
        return { type: 'check' };
      case 'create': {
        const r = this.create(op.path, op.data, op.mode, sessionId, zxid, nowMs, field);
        changes.push(...r.changes);
        return { type: 'create', path: r.path, stat: r.stat };
      }
      case 'setData': {
        const r = this.setData(op.path, op.data, op.version, zxid, nowMs, field, `ops[${i}].version`);
        changes.push(...r.changes);
        return { type: 'setData', stat: r.stat };
      }
      case 'delete':
        validatePath(op.path, field);
        checkVersionArgument(op.version, `ops[${i}].version`);
        changes.push(...this.tree.delete(op.path, op.version, zxid));
        return { type: 'delete' };
      default: {
        const unknown: never = op;
        throw invalidArgument(`ops[${i}].type`, `unknown op ${JSON.stringify((unknown as { type?: unknown }).type)}`);
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Reads.

  /**
   * A local read (linearizable once the server did its read-index). With `watch: true` it also
   * registers a one-shot watch for `sessionId`, atomically with the read: getData → data watch,
   * exists → data watch if the node exists else exist watch, getChildren → child watch.
   * A failed read (NO_NODE) registers nothing. Throws BasaltError.
   */
  read<R extends CoordRead>(request: R): Extract<ReadResult, { type: R['type'] }> {
    return this.readAny(request) as Extract<ReadResult, { type: R['type'] }>;
  }

  private readAny(request: CoordRead): ReadResult {
    switch (request.type) {
      case 'getData': {
        validatePath(request.path, 'path');
        const node = this.tree.require(request.path);
        if (request.watch) this.watches.addData(this.watcher(request.sessionId), request.path);
        return { type: 'getData', data: node.data, stat: statOf(node) };
      }
      case 'exists': {
        validatePath(request.path, 'path');
        const node = this.tree.get(request.path);
        if (request.watch) {
          const sessionId = this.watcher(request.sessionId);
          if (node) this.watches.addData(sessionId, request.path);
          else this.watches.addExist(sessionId, request.path);
        }
        return { type: 'exists', stat: node ? statOf(node) : null };
      }
      case 'getChildren': {
        validatePath(request.path, 'path');
        const node = this.tree.require(request.path);
        if (request.watch) this.watches.addChild(this.watcher(request.sessionId), request.path);
        return { type: 'getChildren', children: this.tree.children(request.path), stat: statOf(node) };
      }
      case 'getEphemerals':
        return { type: 'getEphemerals', paths: this.tree.ephemeralsOf(request.sessionId) };
      case 'getSession':
        return { type: 'getSession', session: this.sessions.get(request.sessionId) ?? null };
      default: {
        const unknown: never = request;
        throw invalidArgument('type', `unknown read ${JSON.stringify((unknown as { type?: unknown }).type)}`);
      }
    }
  }

  private watcher(sessionId: SessionId | undefined): SessionId {
    if (sessionId === undefined || !Number.isSafeInteger(sessionId) || sessionId <= 0) {
      throw invalidArgument('sessionId', 'a watch needs the session to deliver to');
    }
    this.sessions.requireLive(sessionId);
    return sessionId;
  }

  /** Live sessions sorted by id (the leader seeds its SessionTracker from this). */
  liveSessions(): SessionInfo[] {
    return this.sessions.sorted();
  }

  /** 'live' | 'ended' | 'unknown', so the server can answer SESSION_EXPIRED before proposing. */
  sessionStatus(sessionId: SessionId): 'live' | 'ended' | 'unknown' {
    return this.sessions.status(sessionId);
  }

  // ------------------------------------------------------------------------------------------
  // Watch management (per server).

  /** ZooKeeper 3.6 addWatch: a persistent watch, optionally covering the whole subtree. */
  addWatch(sessionId: SessionId, path: string, mode: AddWatchMode): void {
    validatePath(path, 'path');
    this.watches.addPersistent(this.watcher(sessionId), path, mode === AddWatchMode.PERSISTENT_RECURSIVE);
  }

  removeWatches(sessionId: SessionId, path: string, type: WatcherType): boolean {
    validatePath(path, 'path');
    return this.watches.remove(sessionId, path, type);
  }

  /**
   * ZooKeeper's SetWatches, for a client reconnecting with the last zxid it saw: each watch is
   * re-registered unless what it watches changed after `relativeZxid`, in which case it fires
   * now (returned here, for this session only):
   *   data:  node gone → NodeDeleted; mzxid > relativeZxid → NodeDataChanged
   *   exist: node now exists → NodeCreated
   *   child: node gone → NodeDeleted; pzxid > relativeZxid → NodeChildrenChanged
   *   persistent (and recursive, for the node and each descendant): re-registered, and
   *          czxid > rel → NodeCreated, else mzxid > rel → NodeDataChanged; pzxid > rel →
   *          NodeChildrenChanged (non-recursive only). Deletions under a persistent watch cannot
   *          be told from here (the node is gone); a client re-reads, as with ZooKeeper.
   */
  setWatches(sessionId: SessionId, relativeZxid: Zxid, watches: WatchSet): WatchEvent[] {
    const sid = this.watcher(sessionId);
    // Validate everything first so a bad path re-arms nothing rather than half the set.
    for (const [field, paths] of Object.entries(watches) as Array<[string, string[]]>) {
      for (const path of paths) validatePath(path, `watches.${field}`);
    }
    const zxid = this.appliedZxid;
    const events: WatchEvent[] = [];
    const fire = (type: WatchEventType, path: string): void => {
      events.push({ type, path, zxid, sessionIds: [sid] });
    };
    for (const path of watches.data) {
      const node = this.tree.get(path);
      if (!node) fire(WatchEventType.NodeDeleted, path);
      else if (node.mzxid > relativeZxid) fire(WatchEventType.NodeDataChanged, path);
      else this.watches.addData(sid, path);
    }
    for (const path of watches.exist) {
      if (this.tree.get(path)) fire(WatchEventType.NodeCreated, path);
      else this.watches.addExist(sid, path);
    }
    for (const path of watches.child) {
      const node = this.tree.get(path);
      if (!node) fire(WatchEventType.NodeDeleted, path);
      else if (node.pzxid > relativeZxid) fire(WatchEventType.NodeChildrenChanged, path);
      else this.watches.addChild(sid, path);
    }
    const persistentChanges = (path: string, withChildren: boolean): void => {
      const node = this.tree.get(path);
      if (!node) return;
      if (node.czxid > relativeZxid) {
        fire(WatchEventType.NodeCreated, path);
        return;
      }
      if (node.mzxid > relativeZxid) fire(WatchEventType.NodeDataChanged, path);
      if (withChildren && node.pzxid > relativeZxid) fire(WatchEventType.NodeChildrenChanged, path);
    };
    for (const path of watches.persistent) {
      this.watches.addPersistent(sid, path, false);
      persistentChanges(path, true);
    }
    for (const path of watches.persistentRecursive) {
      this.watches.addPersistent(sid, path, true);
      persistentChanges(path, false);
      for (const d of this.tree.descendants(path, this.options.maxWatchesPerSession)) persistentChanges(d, false);
    }
    return events;
  }

  // ------------------------------------------------------------------------------------------
  // Snapshots (replicated state only; watches stay with the server).

  snapshot(): Uint8Array {
    return encodeSnapshot({
      lastZxid: this.appliedZxid,
      nodes: this.tree.sortedNodes(),
      sessions: this.sessions.sorted(),
      endedSessionIds: this.sessions.endedIds(),
    });
  }

  /**
   * Rebuilds a machine from snapshot bytes. Pass the server's existing WatchManager to keep its
   * sessions' watches across a snapshot install.
   */
  static restore(bytes: Uint8Array, options: StateMachineOptions, watches?: WatchManager): CoordStateMachine {
    const decoded = decodeSnapshot(bytes);
    const machine = new CoordStateMachine(options, watches);
    machine.appliedZxid = decoded.lastZxid;
    for (const node of decoded.nodes) machine.tree.restoreNode(node);
    for (const s of decoded.sessions) machine.sessions.restoreLive(s);
    for (const id of decoded.endedSessionIds) machine.sessions.restoreEnded(id);
    return machine;
  }

  /**
   * A follower installing a leader's snapshot jumps from `previous.lastZxid` to the snapshot's
   * zxid without applying the commands between, so no watch fired for them. This restores the
   * machine and re-arms every local session's watches as SetWatches would (relative to the old
   * zxid): what changed meanwhile fires now. Sessions that ended meanwhile lose their watches.
   */
  static installSnapshot(bytes: Uint8Array, previous: CoordStateMachine): { machine: CoordStateMachine; events: WatchEvent[] } {
    const machine = CoordStateMachine.restore(bytes, previous.options, previous.watches);
    const events: WatchEvent[] = [];
    for (const sessionId of machine.watches.sessions()) {
      const held = machine.watches.watchesOf(sessionId);
      machine.watches.removeSession(sessionId);
      if (machine.sessions.status(sessionId) !== 'live') continue;
      events.push(...machine.setWatches(sessionId, previous.lastZxid, held));
    }
    return { machine, events };
  }
}
