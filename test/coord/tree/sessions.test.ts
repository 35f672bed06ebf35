// Proves that sessions are leases decided through the log: negotiated timeouts, ephemerals owned and deleted on close or expiry, and a pure tracker that names expired sessions.
import { describe, expect, test } from 'vitest';
import { ErrorCodes } from '../../../common/errors.js';
import { CreateMode, MAX_REMEMBERED_ENDED_SESSIONS, SessionTracker, WatchEventType } from '../../../coord/tree/index.js';
import { bytes, Harness, OPTIONS } from './harness.js';

describe('session table', () => {
  test('timeouts are clamped into [min, max] and the deadline is now + timeout', () => {
    const h = new Harness();
    expect(h.ok({ type: 'createSession', sessionId: 1, timeoutMs: 10, nowMs: 100 })).toEqual({ type: 'createSession', sessionId: 1, timeoutMs: OPTIONS.minSessionTimeoutMs });
    expect(h.ok({ type: 'createSession', sessionId: 2, timeoutMs: 10 ** 9, nowMs: 100 }).timeoutMs).toBe(OPTIONS.maxSessionTimeoutMs);
    expect(h.ok({ type: 'createSession', sessionId: 3, timeoutMs: 5_000, nowMs: 100 }).timeoutMs).toBe(5_000);
    expect(h.machine.read({ type: 'getSession', sessionId: 3 })).toEqual({ type: 'getSession', session: { sessionId: 3, timeoutMs: 5_000, deadlineMs: 5_100 } });
    expect(h.machine.liveSessions().map((s) => s.sessionId)).toEqual([1, 2, 3]);
  });

  test('createSession is idempotent for a live id and refused for an ended one', () => {
    const h = new Harness();
    h.ok({ type: 'createSession', sessionId: 9, timeoutMs: 5_000, nowMs: 0 });
    h.ok({ type: 'createSession', sessionId: 9, timeoutMs: 5_000, nowMs: 100 });
    expect(h.machine.liveSessions()).toEqual([{ sessionId: 9, timeoutMs: 5_000, deadlineMs: 5_100 }]);
    h.ok({ type: 'closeSession', sessionId: 9, nowMs: 200 });
    h.fails({ type: 'createSession', sessionId: 9, timeoutMs: 5_000, nowMs: 300 }, ErrorCodes.SESSION_EXPIRED);
    h.fails({ type: 'createSession', sessionId: 0, timeoutMs: 5_000, nowMs: 300 }, ErrorCodes.INVALID_ARGUMENT);
  });

  test('touch and extendAll move deadlines forward, never back; touch skips sessions that are not live', () => {
    const h = new Harness();
    h.ok({ type: 'createSession', sessionId: 1, timeoutMs: 5_000, nowMs: 0 });
    h.ok({ type: 'createSession', sessionId: 2, timeoutMs: 8_000, nowMs: 0 });
    expect(h.ok({ type: 'touchSessions', sessionIds: [1, 77], nowMs: 1_000 }).touched).toEqual([1]);
    expect(h.machine.read({ type: 'getSession', sessionId: 1 })).toMatchObject({ session: { deadlineMs: 6_000 } });
    h.ok({ type: 'touchSessions', sessionIds: [1], nowMs: 500 });
    expect(h.machine.read({ type: 'getSession', sessionId: 1 })).toMatchObject({ session: { deadlineMs: 6_000 } });
    expect(h.ok({ type: 'extendAll', nowMs: 2_000 }).sessionCount).toBe(2);
    expect(h.machine.liveSessions().map((s) => s.deadlineMs)).toEqual([7_000, 10_000]);
  });

  test('an ephemeral needs a live session: unknown → UNKNOWN_SESSION, ended → SESSION_EXPIRED, none → INVALID_ARGUMENT', () => {
    const h = new Harness();
    const create = (sessionId: number) => ({ type: 'create' as const, path: '/e', data: bytes(''), mode: CreateMode.EPHEMERAL, sessionId, nowMs: 1 });
    h.fails(create(42), ErrorCodes.UNKNOWN_SESSION);
    h.fails(create(0), ErrorCodes.INVALID_ARGUMENT);
    h.session(42);
    h.ok({ type: 'closeSession', sessionId: 42, nowMs: 2 });
    h.fails(create(42), ErrorCodes.SESSION_EXPIRED);
    // Any write naming an ended session is fenced, not only ephemeral creates.
    h.create('/p');
    h.fails({ type: 'setData', path: '/p', data: bytes('x'), version: -1, sessionId: 42, nowMs: 3 }, ErrorCodes.SESSION_EXPIRED);
    h.fails({ type: 'delete', path: '/p', version: -1, sessionId: 42, nowMs: 3 }, ErrorCodes.SESSION_EXPIRED);
    h.fails({ type: 'closeSession', sessionId: 42, nowMs: 3 }, ErrorCodes.SESSION_EXPIRED);
  });

  test('ephemerals are listed per session and cannot have children', () => {
    const h = new Harness();
    h.session(1);
    h.session(2);
    h.create('/rs');
    h.create('/rs/b', '', CreateMode.EPHEMERAL, 1);
    h.create('/rs/a', '', CreateMode.EPHEMERAL, 1);
    expect(h.create('/rs/s-', '', CreateMode.EPHEMERAL_SEQUENTIAL, 2)).toBe('/rs/s-0000000002');
    expect(h.machine.read({ type: 'getEphemerals', sessionId: 1 })).toEqual({ type: 'getEphemerals', paths: ['/rs/a', '/rs/b'] });
    expect(h.machine.read({ type: 'exists', path: '/rs/a' })).toMatchObject({ stat: { ephemeralOwner: 1 } });
    h.fails({ type: 'create', path: '/rs/a/x', data: bytes(''), mode: 0, sessionId: 0, nowMs: 1 }, ErrorCodes.NO_CHILDREN_FOR_EPHEMERALS);
  });

  test('expiry deletes every ephemeral of each session in one step, sessions in the given order, paths sorted', () => {
    const h = new Harness();
    h.session(1);
    h.session(2);
    h.session(3);
    h.create('/rs');
    h.create('/rs/z', '', CreateMode.EPHEMERAL, 1);
    h.create('/rs/y', '', CreateMode.EPHEMERAL, 2);
    h.create('/rs/a', '', CreateMode.EPHEMERAL, 1);
    h.create('/keep', '', CreateMode.EPHEMERAL, 3);
    h.session(10);
    h.machine.read({ type: 'getChildren', path: '/rs', watch: true, sessionId: 10 });
    h.machine.addWatch(10, '/rs', 1);
    const r = h.apply({ type: 'expireSessions', sessionIds: [2, 1, 99], nowMs: 50 });
    expect(r.outcome).toMatchObject({ ok: true, result: { expired: [2, 1], deleted: ['/rs/y', '/rs/a', '/rs/z'] } });
    expect(r.endedSessions).toEqual([2, 1]);
    expect(r.events.filter((e) => e.type === WatchEventType.NodeDeleted).map((e) => e.path)).toEqual(['/rs/y', '/rs/a', '/rs/z']);
    // Every event carries the command's zxid; the one-shot child watch fires once.
    expect(new Set(r.events.map((e) => e.zxid))).toEqual(new Set([r.zxid]));
    expect(r.events.filter((e) => e.type === WatchEventType.NodeChildrenChanged)).toHaveLength(1);
    expect(h.machine.read({ type: 'getChildren', path: '/rs' })).toMatchObject({ children: [], stat: { pzxid: r.zxid } });
    expect(h.machine.read({ type: 'exists', path: '/keep' }).type).toBe('exists');
    expect(h.machine.sessionStatus(1)).toBe('ended');
    expect(h.machine.sessionStatus(3)).toBe('live');
    expect(h.machine.sessionStatus(99)).toBe('unknown');
  });

  test('an ended session stops receiving events', () => {
    const h = new Harness();
    h.session(1);
    h.create('/w');
    h.machine.read({ type: 'getData', path: '/w', watch: true, sessionId: 1 });
    h.ok({ type: 'closeSession', sessionId: 1, nowMs: 1 });
    expect(h.apply({ type: 'setData', path: '/w', data: bytes('x'), version: -1, sessionId: 0, nowMs: 2 }).events).toEqual([]);
    expect(h.machine.watches.count).toBe(0);
  });

  test('the set of remembered ended sessions is bounded', () => {
    const h = new Harness();
    const n = MAX_REMEMBERED_ENDED_SESSIONS + 5;
    for (let id = 1; id <= n; id++) h.session(id);
    h.ok({ type: 'expireSessions', sessionIds: Array.from({ length: n }, (_, i) => i + 1), nowMs: 1 });
    expect(h.machine.sessionStatus(1)).toBe('unknown');
    expect(h.machine.sessionStatus(n)).toBe('ended');
  });
});

describe('SessionTracker (leader side, pure)', () => {
  test('names the sessions past their deadline, oldest first, within a limit', () => {
    const t = new SessionTracker();
    t.add(1, 1_000, 0);
    t.add(2, 500, 0);
    t.add(3, 5_000, 0);
    expect(t.expired(499)).toEqual([]);
    expect(t.expired(1_000)).toEqual([2, 1]);
    expect(t.expired(1_000, 1)).toEqual([2]);
    expect(t.nextDeadlineMs()).toBe(500);
  });

  test('touches push deadlines; a new leader seeded from the log extends everyone before expiring', () => {
    const h = new Harness();
    h.ok({ type: 'createSession', sessionId: 1, timeoutMs: 2_000, nowMs: 0 });
    h.ok({ type: 'createSession', sessionId: 2, timeoutMs: 2_000, nowMs: 0 });
    // A new leader takes over at t=10_000, long after the replicated deadlines (2_000).
    const t = new SessionTracker(h.machine.liveSessions());
    expect(t.expired(10_000)).toEqual([1, 2]);
    h.ok({ type: 'extendAll', nowMs: 10_000 });
    t.extendAll(10_000);
    expect(t.expired(10_000)).toEqual([]);
    expect(t.touch(1, 11_000)).toBe(true);
    expect(t.expired(12_000)).toEqual([2]);
    t.remove(2);
    expect(t.touch(2, 12_000)).toBe(false);
    expect(t.expired(13_000)).toEqual([1]);
    expect(t.deadlineOf(1)).toBe(13_000);
  });
});
