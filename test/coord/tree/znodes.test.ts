// Proves the znode semantics of the coordination tree: stats, modes, versions, errors and multi, as ZooKeeper defines them.
import { describe, expect, test } from 'vitest';
import { ErrorCodes } from '../../../common/errors.js';
import { CoordStateMachine, CreateMode, type CoordCommand } from '../../../coord/tree/index.js';
import { bytes, Harness, OPTIONS, text } from './harness.js';

describe('znodes', () => {
  test('the root always exists and cannot be created or deleted', () => {
    const h = new Harness();
    expect(h.machine.read({ type: 'exists', path: '/' })).toMatchObject({ stat: { czxid: 0, numChildren: 0 } });
    h.fails({ type: 'create', path: '/', data: bytes(''), mode: CreateMode.PERSISTENT, sessionId: 0, nowMs: 1 }, ErrorCodes.NODE_EXISTS);
    h.fails({ type: 'delete', path: '/', version: -1, sessionId: 0, nowMs: 1 }, ErrorCodes.INVALID_ARGUMENT);
  });

  test('create sets every stat field as ZooKeeper does, and updates the parent', () => {
    const h = new Harness();
    h.nowMs = 5_000;
    h.create('/a', 'hello');
    const a = h.machine.read({ type: 'getData', path: '/a' });
    expect(a.type === 'getData' && text(a.data)).toBe('hello');
    expect(a).toMatchObject({
      stat: { czxid: 1, mzxid: 1, pzxid: 1, ctime: 5_000, mtime: 5_000, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0, dataLength: 5, numChildren: 0 },
    });
    h.create('/a/b');
    expect(h.machine.read({ type: 'exists', path: '/a' })).toMatchObject({ stat: { cversion: 1, pzxid: 2, mzxid: 1, numChildren: 1 } });
    h.delete('/a/b');
    expect(h.machine.read({ type: 'exists', path: '/a' })).toMatchObject({ stat: { cversion: 1, pzxid: 3, numChildren: 0 } });
  });

  test('setData bumps version, mzxid and mtime but not czxid or ctime', () => {
    const h = new Harness();
    h.nowMs = 10;
    h.create('/a', 'x');
    h.nowMs = 20;
    expect(h.setData('/a', 'y')).toBe(1);
    expect(h.machine.read({ type: 'exists', path: '/a' })).toMatchObject({ stat: { czxid: 1, mzxid: 2, ctime: 10, mtime: 20, version: 1, dataLength: 1 } });
  });

  test('missing parent, existing node, non-empty delete and bad versions fail with their codes and change nothing', () => {
    const h = new Harness();
    h.fails({ type: 'create', path: '/x/y', data: bytes(''), mode: 0, sessionId: 0, nowMs: 1 }, ErrorCodes.NO_NODE);
    h.create('/x');
    h.create('/x/y');
    h.fails({ type: 'create', path: '/x', data: bytes(''), mode: 0, sessionId: 0, nowMs: 1 }, ErrorCodes.NODE_EXISTS);
    h.fails({ type: 'delete', path: '/x', version: -1, sessionId: 0, nowMs: 1 }, ErrorCodes.NOT_EMPTY);
    h.fails({ type: 'delete', path: '/nope', version: -1, sessionId: 0, nowMs: 1 }, ErrorCodes.NO_NODE);
    h.fails({ type: 'setData', path: '/nope', data: bytes(''), version: -1, sessionId: 0, nowMs: 1 }, ErrorCodes.NO_NODE);
    h.fails({ type: 'setData', path: '/x', data: bytes('v'), version: 3, sessionId: 0, nowMs: 1 }, ErrorCodes.BAD_VERSION);
    h.fails({ type: 'delete', path: '/x/y', version: 1, sessionId: 0, nowMs: 1 }, ErrorCodes.BAD_VERSION);
    h.setData('/x/y', 'a', 0);
    h.delete('/x/y', 1);
    expect(h.machine.read({ type: 'exists', path: '/x/y' })).toEqual({ type: 'exists', stat: null });
  });

  test('invalid paths fail with INVALID_PATH naming the field; negative versions below -1 are invalid arguments', () => {
    const h = new Harness();
    const err = h.fails({ type: 'create', path: '/a/', data: bytes(''), mode: 0, sessionId: 0, nowMs: 1 }, ErrorCodes.INVALID_PATH);
    expect(err.details.field).toBe('path');
    h.fails({ type: 'setData', path: 'rel', data: bytes(''), version: -1, sessionId: 0, nowMs: 1 }, ErrorCodes.INVALID_PATH);
    h.create('/a');
    h.fails({ type: 'setData', path: '/a', data: bytes(''), version: -2, sessionId: 0, nowMs: 1 }, ErrorCodes.INVALID_ARGUMENT);
    expect(() => h.machine.read({ type: 'getData', path: '/a/../b' })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_PATH }));
  });

  test('data larger than maxDataBytes fails with DATA_TOO_LARGE', () => {
    const h = new Harness();
    h.create('/a');
    const big = new Uint8Array(OPTIONS.maxDataBytes + 1);
    h.fails({ type: 'create', path: '/b', data: big, mode: 0, sessionId: 0, nowMs: 1 }, ErrorCodes.DATA_TOO_LARGE);
    h.fails({ type: 'setData', path: '/a', data: big, version: -1, sessionId: 0, nowMs: 1 }, ErrorCodes.DATA_TOO_LARGE);
    expect(h.ok({ type: 'setData', path: '/a', data: big.subarray(1), version: -1, sessionId: 0, nowMs: 1 }).stat.dataLength).toBe(OPTIONS.maxDataBytes);
  });

  test('the default data bound is 1 MiB', () => {
    const m = new CoordStateMachine({ maxDataBytes: 1024 * 1024, minSessionTimeoutMs: 1, maxSessionTimeoutMs: 2 });
    const r = m.apply(1, { type: 'create', path: '/a', data: new Uint8Array(1024 * 1024 + 1), mode: 0, sessionId: 0, nowMs: 0 });
    expect(r.outcome.ok === false && r.outcome.error.code).toBe(ErrorCodes.DATA_TOO_LARGE);
  });

  test('sequential names take %010d of the parent cversion, which counts child creations only', () => {
    const h = new Harness();
    h.create('/q');
    expect(h.create('/q/n-', '', CreateMode.PERSISTENT_SEQUENTIAL)).toBe('/q/n-0000000000');
    expect(h.create('/q/n-', '', CreateMode.PERSISTENT_SEQUENTIAL)).toBe('/q/n-0000000001');
    h.create('/q/plain');
    h.delete('/q/plain');
    expect(h.create('/q/', '', CreateMode.PERSISTENT_SEQUENTIAL)).toBe('/q/0000000003');
    expect(h.machine.read({ type: 'getChildren', path: '/q' })).toMatchObject({ children: ['0000000003', 'n-0000000000', 'n-0000000001'] });
  });

  test('children are listed sorted', () => {
    const h = new Harness();
    for (const name of ['c', 'a', 'b']) h.create(`/${name}`);
    expect(h.machine.read({ type: 'getChildren', path: '/' })).toMatchObject({ children: ['a', 'b', 'c'], stat: { numChildren: 3 } });
    expect(() => h.machine.read({ type: 'getChildren', path: '/zz' })).toThrow(expect.objectContaining({ code: ErrorCodes.NO_NODE }));
  });

  test('a failed command still consumes its zxid and indexes must increase', () => {
    const h = new Harness();
    h.fails({ type: 'delete', path: '/nope', version: -1, sessionId: 0, nowMs: 1 }, ErrorCodes.NO_NODE);
    expect(h.machine.lastZxid).toBe(1);
    expect(() => h.machine.apply(1, { type: 'sync' })).toThrow(/invariant/);
    expect(h.ok({ type: 'sync' })).toEqual({ type: 'sync' });
  });
});

describe('multi', () => {
  test('applies every op at one zxid and returns per-op results', () => {
    const h = new Harness();
    h.create('/a', 'x');
    const r = h.ok({
      type: 'multi',
      sessionId: 0,
      nowMs: 7,
      ops: [
        { type: 'check', path: '/a', version: 0 },
        { type: 'create', path: '/a/s-', data: bytes('1'), mode: CreateMode.PERSISTENT_SEQUENTIAL },
        { type: 'create', path: '/a/s-', data: bytes('2'), mode: CreateMode.PERSISTENT_SEQUENTIAL },
        { type: 'setData', path: '/a', data: bytes('y'), version: 0 },
        { type: 'delete', path: '/a/s-0000000000', version: 0 },
      ],
    });
    expect(r.results.map((x) => x.type)).toEqual(['check', 'create', 'create', 'setData', 'delete']);
    expect(r.results[1]).toMatchObject({ path: '/a/s-0000000000', stat: { czxid: 2 } });
    expect(r.results[2]).toMatchObject({ path: '/a/s-0000000001' });
    expect(r.results[3]).toMatchObject({ stat: { version: 1, mzxid: 2 } });
    expect(h.machine.read({ type: 'getChildren', path: '/a' })).toMatchObject({ children: ['s-0000000001'], stat: { cversion: 2, pzxid: 2 } });
  });

  test('fails as a whole with the failing op\'s error and index, changing nothing', () => {
    const h = new Harness();
    h.create('/a', 'x');
    h.create('/a/keep');
    const err = h.fails(
      {
        type: 'multi',
        sessionId: 0,
        nowMs: 7,
        ops: [
          { type: 'create', path: '/a/new', data: bytes(''), mode: 0 },
          { type: 'setData', path: '/a', data: bytes('changed'), version: -1 },
          { type: 'delete', path: '/a/keep', version: -1 },
          { type: 'check', path: '/a', version: 0 },
        ],
      },
      ErrorCodes.BAD_VERSION,
    );
    expect(err.details.opIndex).toBe(3);
    const a = h.machine.read({ type: 'getData', path: '/a' });
    expect(a.type === 'getData' && text(a.data)).toBe('x');
    expect(h.machine.read({ type: 'getChildren', path: '/a' })).toMatchObject({ children: ['keep'], stat: { cversion: 1 } });
  });

  test('a rolled-back ephemeral create leaves no trace in the session\'s ephemerals', () => {
    const h = new Harness();
    h.session(5);
    h.fails(
      {
        type: 'multi',
        sessionId: 5,
        nowMs: 7,
        ops: [
          { type: 'create', path: '/e', data: bytes(''), mode: CreateMode.EPHEMERAL },
          { type: 'create', path: '/e/child', data: bytes(''), mode: CreateMode.PERSISTENT },
        ],
      },
      ErrorCodes.NO_CHILDREN_FOR_EPHEMERALS,
    );
    expect(h.machine.read({ type: 'getEphemerals', sessionId: 5 })).toEqual({ type: 'getEphemerals', paths: [] });
  });

  test('a later op sees the effects of an earlier one', () => {
    const h = new Harness();
    h.ok({
      type: 'multi',
      sessionId: 0,
      nowMs: 1,
      ops: [
        { type: 'create', path: '/p', data: bytes(''), mode: 0 },
        { type: 'create', path: '/p/c', data: bytes(''), mode: 0 },
        { type: 'setData', path: '/p/c', data: bytes('v'), version: 0 },
        { type: 'check', path: '/p/c', version: 1 },
      ],
    });
    expect(h.machine.read({ type: 'exists', path: '/p/c' })).toMatchObject({ stat: { version: 1 } });
  });

  test('more ops than maxMultiOps is an invalid argument', () => {
    const h = new Harness(new CoordStateMachine({ ...OPTIONS, maxMultiOps: 2 }));
    h.fails({ type: 'multi', sessionId: 0, nowMs: 1, ops: [1, 2, 3].map(() => ({ type: 'check' as const, path: '/', version: -1 })) }, ErrorCodes.INVALID_ARGUMENT);
  });
});

describe('command validation', () => {
  test('non-integer or negative times and session ids are refused before they can diverge replicas', () => {
    // Applied directly: the wire codec could not even carry these values.
    const m = new CoordStateMachine(OPTIONS);
    let index = 0;
    const field = (command: CoordCommand): unknown => {
      const r = m.apply(++index, command);
      return r.outcome.ok ? 'ok' : `${r.outcome.error.code} ${r.outcome.error.details.field}`;
    };
    expect(field({ type: 'createSession', sessionId: 1, timeoutMs: Number.NaN, nowMs: 0 })).toBe('INVALID_ARGUMENT timeoutMs');
    expect(field({ type: 'createSession', sessionId: 1.5, timeoutMs: 1_000, nowMs: 0 })).toBe('INVALID_ARGUMENT sessionId');
    expect(field({ type: 'extendAll', nowMs: -1 })).toBe('INVALID_ARGUMENT nowMs');
    expect(field({ type: 'touchSessions', sessionIds: [Number.POSITIVE_INFINITY], nowMs: 0 })).toBe('INVALID_ARGUMENT sessionIds');
    expect(field({ type: 'create', path: '/a', data: bytes(''), mode: 0, sessionId: 0, nowMs: 0.5 })).toBe('INVALID_ARGUMENT nowMs');
    expect(m.liveSessions()).toEqual([]);
    expect(field({ type: 'create', path: '/a', data: bytes(''), mode: 0, sessionId: 0, nowMs: 5 })).toBe('ok');
  });
});
