// Proves that the state machine is deterministic and agrees with a naive reference model: replicas applying the same random commands (one restored from a snapshot midway) end byte-identical, and every outcome matches the model.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  CoordStateMachine,
  CreateMode,
  decodeCommand,
  encodeCommand,
  isEphemeralMode,
  isSequentialMode,
  nodeName,
  parentPath,
  sequentialSuffix,
  type CoordCommand,
  type CreateCommand,
  type DeleteCommand,
  type SetDataCommand,
  type MultiOp,
} from '../../../coord/tree/index.js';
import { OPTIONS } from './harness.js';

const PATHS = ['/a', '/b', '/a/x', '/a/y', '/b/x', '/a/x/z', '/a/', '/b/x/'];
const path = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...PATHS.slice(0, 5)) }, { weight: 1, arbitrary: fc.constantFrom(...PATHS) });
const SESSIONS = [0, 1, 2, 3];

/** Every run starts from a few sessions and nodes, so most commands meet an existing target. */
const PRELUDE: CoordCommand[] = [
  { type: 'createSession', sessionId: 1, timeoutMs: 5_000, nowMs: 0 },
  { type: 'createSession', sessionId: 2, timeoutMs: 5_000, nowMs: 0 },
  { type: 'create', path: '/a', data: new Uint8Array([1]), mode: CreateMode.PERSISTENT, sessionId: 0, nowMs: 0 },
  { type: 'create', path: '/b', data: new Uint8Array([2]), mode: CreateMode.PERSISTENT, sessionId: 0, nowMs: 0 },
];

const data = fc.uint8Array({ maxLength: 6 });
const version = fc.constantFrom(-1, 0, 1, 2);
const mode = fc.constantFrom(CreateMode.PERSISTENT, CreateMode.EPHEMERAL, CreateMode.PERSISTENT_SEQUENTIAL, CreateMode.EPHEMERAL_SEQUENTIAL);
const session = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.constantFrom(...SESSIONS) });
const nowMs = fc.integer({ min: 0, max: 100_000 });

const multiOp: fc.Arbitrary<MultiOp> = fc.oneof(
  fc.record({ type: fc.constant('check' as const), path, version }),
  fc.record({ type: fc.constant('create' as const), path, data, mode }),
  fc.record({ type: fc.constant('setData' as const), path, data, version }),
  fc.record({ type: fc.constant('delete' as const), path, version }),
);

const command: fc.Arbitrary<CoordCommand> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ type: fc.constant('createSession' as const), sessionId: fc.constantFrom(1, 2, 3), timeoutMs: fc.integer({ min: 0, max: 50_000 }), nowMs }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('touchSessions' as const), sessionIds: fc.array(session, { maxLength: 3 }), nowMs }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('extendAll' as const), nowMs }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('closeSession' as const), sessionId: fc.constantFrom(1, 2, 3), nowMs }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('expireSessions' as const), sessionIds: fc.array(fc.constantFrom(1, 2, 3), { maxLength: 3 }), nowMs }) },
  { weight: 6, arbitrary: fc.record({ type: fc.constant('create' as const), path, data, mode, sessionId: session, nowMs }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('delete' as const), path, version, sessionId: session, nowMs }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('setData' as const), path, data, version, sessionId: session, nowMs }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('multi' as const), ops: fc.array(multiOp, { minLength: 1, maxLength: 4 }), sessionId: session, nowMs }) },
  { weight: 1, arbitrary: fc.constant({ type: 'sync' as const }) },
);

/** A deliberately naive model of the tree: just enough to predict each outcome's error code. */
class ReferenceModel {
  nodes = new Map<string, { data: string; version: number; cversion: number; owner: number }>([['/', { data: '', version: 0, cversion: 0, owner: 0 }]]);
  live = new Set<number>();
  ended = new Set<number>();

  private clone(): Pick<ReferenceModel, 'nodes' | 'live' | 'ended'> {
    return { nodes: new Map([...this.nodes].map(([k, v]) => [k, { ...v }])), live: new Set(this.live), ended: new Set(this.ended) };
  }

  private sessionCode(id: number): string | null {
    if (id === 0 || this.live.has(id)) return null;
    return this.ended.has(id) ? 'SESSION_EXPIRED' : 'UNKNOWN_SESSION';
  }

  /** Returns the expected error code, or null for success (and applies it). */
  apply(c: CoordCommand): string | null {
    switch (c.type) {
      case 'createSession':
        if (this.ended.has(c.sessionId)) return 'SESSION_EXPIRED';
        this.live.add(c.sessionId);
        return null;
      case 'touchSessions':
      case 'extendAll':
      case 'sync':
        return null;
      case 'closeSession':
        if (!this.live.has(c.sessionId)) return this.sessionCode(c.sessionId);
        this.end(c.sessionId);
        return null;
      case 'expireSessions':
        for (const id of c.sessionIds) if (this.live.has(id)) this.end(id);
        return null;
      case 'create':
      case 'delete':
      case 'setData': {
        const s = this.sessionCode(c.sessionId);
        if (s) return s;
        return this.op(c, c.sessionId);
      }
      case 'multi': {
        const s = this.sessionCode(c.sessionId);
        if (s) return s;
        const saved = this.clone();
        for (const op of c.ops) {
          const code = this.op(op, c.sessionId);
          if (code) {
            Object.assign(this, saved);
            return code;
          }
        }
        return null;
      }
    }
  }

  private end(id: number): void {
    for (const [p, n] of [...this.nodes].sort()) if (n.owner === id) this.remove(p);
    this.live.delete(id);
    this.ended.add(id);
  }

  private remove(p: string): void {
    this.nodes.delete(p);
  }

  private op(op: MultiOp | CreateCommand | DeleteCommand | SetDataCommand, sessionId: number): string | null {
    if (op.type === 'create') {
      const seq = isSequentialMode(op.mode);
      if (op.path.endsWith('/') && !seq) return 'INVALID_PATH';
      if (isEphemeralMode(op.mode) && sessionId === 0) return 'INVALID_ARGUMENT';
      const parent = op.path.endsWith('/') ? op.path.slice(0, -1) : parentPath(op.path);
      const pn = this.nodes.get(parent);
      if (!pn) return 'NO_NODE';
      if (pn.owner !== 0) return 'NO_CHILDREN_FOR_EPHEMERALS';
      const actual = seq ? op.path + sequentialSuffix(pn.cversion) : op.path;
      if (this.nodes.has(actual)) return 'NODE_EXISTS';
      this.nodes.set(actual, { data: Buffer.from(op.data).toString('hex'), version: 0, cversion: 0, owner: isEphemeralMode(op.mode) ? sessionId : 0 });
      pn.cversion += 1;
      return null;
    }
    if (op.type === 'check' || op.type === 'setData' || op.type === 'delete') {
      if (op.path.endsWith('/')) return 'INVALID_PATH';
      const n = this.nodes.get(op.path);
      if (!n) return 'NO_NODE';
      if (op.version !== -1 && op.version !== n.version) return 'BAD_VERSION';
      if (op.type === 'setData') {
        n.data = Buffer.from(op.data).toString('hex');
        n.version += 1;
      }
      if (op.type === 'delete') {
        for (const p of this.nodes.keys()) if (p !== op.path && parentPath(p) === op.path) return 'NOT_EMPTY';
        this.remove(op.path);
      }
      return null;
    }
    throw new Error(`unexpected op ${JSON.stringify(op)}`);
  }
}

/** Cross-checks a machine's whole tree with the model and its own derived indexes. */
function checkAgainstModel(m: CoordStateMachine, model: ReferenceModel): void {
  const seen = new Set<string>();
  const walk = (p: string): void => {
    seen.add(p);
    const r = m.read({ type: 'getData', path: p });
    if (r.type !== 'getData') throw new Error('unreachable');
    const expected = model.nodes.get(p);
    expect(expected, `model lacks ${p}`).toBeDefined();
    expect({ data: Buffer.from(r.data).toString('hex'), version: r.stat.version, cversion: r.stat.cversion, owner: r.stat.ephemeralOwner }).toEqual(expected);
    const kids = m.read({ type: 'getChildren', path: p });
    if (kids.type !== 'getChildren') throw new Error('unreachable');
    expect(kids.children.length).toBe(r.stat.numChildren);
    for (const k of kids.children) walk(p === '/' ? `/${k}` : `${p}/${k}`);
  };
  walk('/');
  expect([...seen].sort()).toEqual([...model.nodes.keys()].sort());
  for (const id of [1, 2, 3]) {
    const eph = m.read({ type: 'getEphemerals', sessionId: id });
    const expected = [...model.nodes].filter(([, n]) => n.owner === id).map(([p]) => p).sort();
    expect(eph).toEqual({ type: 'getEphemerals', paths: expected });
    expect(m.sessionStatus(id)).toBe(model.live.has(id) ? 'live' : model.ended.has(id) ? 'ended' : 'unknown');
  }
  for (const p of seen) if (p !== '/') expect(seen.has(parentPath(p)) && nodeName(p).length > 0).toBe(true);
}

describe('determinism', () => {
  test('replicas applying the same commands end byte-identical, even when one restarts from a snapshot midway; outcomes match the reference model', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 10, maxLength: 120, size: 'medium' }).map((cs) => [...PRELUDE, ...cs]), fc.nat(), (commands, cut) => {
        let a = new CoordStateMachine(OPTIONS);
        let b = new CoordStateMachine(OPTIONS);
        const model = new ReferenceModel();
        const restartAt = cut % commands.length;
        commands.forEach((c, i) => {
          const index = i * 2 + 1; // gaps, as when the Raft log holds entries the tree never sees
          if (i === restartAt) b = CoordStateMachine.restore(b.snapshot(), OPTIONS);
          if (i === Math.floor(restartAt / 2)) a = CoordStateMachine.restore(a.snapshot(), OPTIONS);
          const ra = a.apply(index, decodeCommand(encodeCommand(c)));
          const rb = b.apply(index, c);
          const expected = model.apply(c);
          const code = (r: typeof ra) => (r.outcome.ok ? null : r.outcome.error.code);
          expect(code(ra), `command ${i}: ${JSON.stringify(c)}`).toBe(expected);
          expect(code(rb)).toBe(expected);
          if (ra.outcome.ok) expect(ra.outcome).toEqual(rb.outcome);
        });
        expect(Buffer.from(a.snapshot()).equals(Buffer.from(b.snapshot()))).toBe(true);
        checkAgainstModel(a, model);
        const restored = CoordStateMachine.restore(a.snapshot(), OPTIONS);
        expect(Buffer.from(restored.snapshot()).equals(Buffer.from(a.snapshot()))).toBe(true);
        expect(restored.lastZxid).toBe(a.lastZxid);
      }),
      { numRuns: 120 },
    );
  });

  test('every command survives the wire codec unchanged', () => {
    fc.assert(
      fc.property(command, (c) => {
        expect(decodeCommand(encodeCommand(c))).toEqual(c);
      }),
      { numRuns: 500 },
    );
  });

  test('garbage bytes are an INVALID_ARGUMENT, never a crash', () => {
    expect(() => decodeCommand(Uint8Array.from([0xff, 0xff, 0xff]))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => decodeCommand(new Uint8Array(0))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', details: expect.objectContaining({ field: 'command' }) }));
    expect(() => CoordStateMachine.restore(Uint8Array.from([0x08, 0x09]), OPTIONS)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
