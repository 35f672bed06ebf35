// Proves ZooKeeper's watch semantics in the tree: one-shot data/exist/child watches, persistent and recursive watches, per-session delivery, and re-arming after a reconnect without losing events.
import { describe, expect, test } from 'vitest';
import { ErrorCodes } from '../../../common/errors.js';
import {
  AddWatchMode,
  CoordStateMachine,
  CreateMode,
  WatcherType,
  WatchEventType as T,
  WatchManager,
  type WatchEvent,
} from '../../../coord/tree/index.js';
import { bytes, Harness, OPTIONS } from './harness.js';

const summary = (events: WatchEvent[]) => events.map((e) => `${e.type} ${e.path} ${e.sessionIds.join(',')}`);

function setup(): Harness {
  const h = new Harness();
  h.session(1);
  h.session(2);
  return h;
}

describe('one-shot watches', () => {
  test('a getData watch fires NodeDataChanged once', () => {
    const h = setup();
    h.create('/a');
    h.machine.read({ type: 'getData', path: '/a', watch: true, sessionId: 1 });
    const r = h.apply({ type: 'setData', path: '/a', data: bytes('1'), version: -1, sessionId: 0, nowMs: 1 });
    expect(r.events).toEqual([{ type: T.NodeDataChanged, path: '/a', zxid: r.zxid, sessionIds: [1] }]);
    expect(h.apply({ type: 'setData', path: '/a', data: bytes('2'), version: -1, sessionId: 0, nowMs: 1 }).events).toEqual([]);
  });

  test('an exists watch on a missing node fires NodeCreated; on an existing one NodeDeleted', () => {
    const h = setup();
    h.machine.read({ type: 'exists', path: '/a', watch: true, sessionId: 1 });
    expect(summary(h.apply({ type: 'create', path: '/a', data: bytes(''), mode: 0, sessionId: 0, nowMs: 1 }).events)).toEqual(['NodeCreated /a 1']);
    h.machine.read({ type: 'exists', path: '/a', watch: true, sessionId: 2 });
    expect(summary(h.apply({ type: 'delete', path: '/a', version: -1, sessionId: 0, nowMs: 1 }).events)).toEqual(['NodeDeleted /a 2']);
  });

  test('a child watch fires NodeChildrenChanged on a child create or delete, and NodeDeleted when the node goes', () => {
    const h = setup();
    h.create('/p');
    h.machine.read({ type: 'getChildren', path: '/p', watch: true, sessionId: 1 });
    expect(summary(h.apply({ type: 'create', path: '/p/c', data: bytes(''), mode: 0, sessionId: 0, nowMs: 1 }).events)).toEqual(['NodeChildrenChanged /p 1']);
    h.machine.read({ type: 'getChildren', path: '/p', watch: true, sessionId: 1 });
    h.machine.read({ type: 'getData', path: '/p/c', watch: true, sessionId: 2 });
    // Data changes of a child do not fire the parent's child watch.
    expect(summary(h.apply({ type: 'setData', path: '/p/c', data: bytes('x'), version: -1, sessionId: 0, nowMs: 1 }).events)).toEqual(['NodeDataChanged /p/c 2']);
    h.delete('/p/c');
    h.machine.read({ type: 'getChildren', path: '/p', watch: true, sessionId: 2 });
    expect(summary(h.apply({ type: 'delete', path: '/p', version: -1, sessionId: 0, nowMs: 1 }).events)).toEqual(['NodeDeleted /p 2']);
  });

  test('a session with several matching watches gets one event per (type, path)', () => {
    const h = setup();
    h.create('/a');
    h.machine.read({ type: 'getData', path: '/a', watch: true, sessionId: 1 });
    h.machine.read({ type: 'exists', path: '/a', watch: true, sessionId: 1 });
    h.machine.read({ type: 'getChildren', path: '/a', watch: true, sessionId: 1 });
    h.machine.addWatch(1, '/a', AddWatchMode.PERSISTENT);
    h.machine.read({ type: 'getData', path: '/a', watch: true, sessionId: 2 });
    expect(summary(h.apply({ type: 'delete', path: '/a', version: -1, sessionId: 0, nowMs: 1 }).events)).toEqual(['NodeDeleted /a 1,2']);
  });

  test('failed reads register nothing, and a watch needs a live session', () => {
    const h = setup();
    expect(() => h.machine.read({ type: 'getData', path: '/none', watch: true, sessionId: 1 })).toThrow(expect.objectContaining({ code: ErrorCodes.NO_NODE }));
    expect(h.machine.watches.count).toBe(0);
    expect(() => h.machine.read({ type: 'exists', path: '/x', watch: true })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_ARGUMENT }));
    expect(() => h.machine.read({ type: 'exists', path: '/x', watch: true, sessionId: 77 })).toThrow(expect.objectContaining({ code: ErrorCodes.UNKNOWN_SESSION }));
  });

  test('a failed command fires nothing and consumes no watch', () => {
    const h = setup();
    h.create('/a');
    h.machine.read({ type: 'getData', path: '/a', watch: true, sessionId: 1 });
    h.fails({ type: 'setData', path: '/a', data: bytes('x'), version: 9, sessionId: 0, nowMs: 1 }, ErrorCodes.BAD_VERSION);
    expect(summary(h.apply({ type: 'setData', path: '/a', data: bytes('x'), version: 0, sessionId: 0, nowMs: 1 }).events)).toEqual(['NodeDataChanged /a 1']);
  });

  test('removeWatches drops the named kind only', () => {
    const h = setup();
    h.create('/a');
    h.machine.read({ type: 'getData', path: '/a', watch: true, sessionId: 1 });
    h.machine.read({ type: 'getChildren', path: '/a', watch: true, sessionId: 1 });
    expect(h.machine.removeWatches(1, '/a', WatcherType.Data)).toBe(true);
    expect(h.machine.removeWatches(1, '/a', WatcherType.Data)).toBe(false);
    expect(summary(h.apply({ type: 'setData', path: '/a', data: bytes('x'), version: -1, sessionId: 0, nowMs: 1 }).events)).toEqual([]);
    expect(summary(h.apply({ type: 'create', path: '/a/b', data: bytes(''), mode: 0, sessionId: 0, nowMs: 1 }).events)).toEqual(['NodeChildrenChanged /a 1']);
  });

  test('the number of watches per session is bounded (SERVER_BUSY)', () => {
    const h = new Harness(new CoordStateMachine({ ...OPTIONS, maxWatchesPerSession: 2 }));
    h.session(1);
    h.machine.read({ type: 'exists', path: '/a', watch: true, sessionId: 1 });
    h.machine.read({ type: 'exists', path: '/b', watch: true, sessionId: 1 });
    h.machine.read({ type: 'exists', path: '/b', watch: true, sessionId: 1 });
    expect(() => h.machine.read({ type: 'exists', path: '/c', watch: true, sessionId: 1 })).toThrow(expect.objectContaining({ code: ErrorCodes.SERVER_BUSY }));
  });
});

describe('persistent watches (addWatch)', () => {
  test('a persistent watch fires every event type on its node, again and again', () => {
    const h = setup();
    h.machine.addWatch(1, '/a', AddWatchMode.PERSISTENT);
    const events = [
      h.apply({ type: 'create', path: '/a', data: bytes(''), mode: 0, sessionId: 0, nowMs: 1 }),
      h.apply({ type: 'setData', path: '/a', data: bytes('1'), version: -1, sessionId: 0, nowMs: 1 }),
      h.apply({ type: 'setData', path: '/a', data: bytes('2'), version: -1, sessionId: 0, nowMs: 1 }),
      h.apply({ type: 'create', path: '/a/c', data: bytes(''), mode: 0, sessionId: 0, nowMs: 1 }),
      h.apply({ type: 'create', path: '/a/c/d', data: bytes(''), mode: 0, sessionId: 0, nowMs: 1 }),
    ].flatMap((r) => summary(r.events));
    expect(events).toEqual(['NodeCreated /a 1', 'NodeDataChanged /a 1', 'NodeDataChanged /a 1', 'NodeChildrenChanged /a 1']);
  });

  test('a recursive watch covers the subtree but never sends NodeChildrenChanged', () => {
    const h = setup();
    h.machine.addWatch(2, '/r', AddWatchMode.PERSISTENT_RECURSIVE);
    const events = [
      h.apply({ type: 'create', path: '/r', data: bytes(''), mode: 0, sessionId: 0, nowMs: 1 }),
      h.apply({ type: 'create', path: '/r/a', data: bytes(''), mode: 0, sessionId: 0, nowMs: 1 }),
      h.apply({ type: 'create', path: '/r/a/b', data: bytes(''), mode: 0, sessionId: 0, nowMs: 1 }),
      h.apply({ type: 'setData', path: '/r/a/b', data: bytes('x'), version: -1, sessionId: 0, nowMs: 1 }),
      h.apply({ type: 'create', path: '/other', data: bytes(''), mode: 0, sessionId: 0, nowMs: 1 }),
      h.apply({ type: 'delete', path: '/r/a/b', version: -1, sessionId: 0, nowMs: 1 }),
    ].flatMap((r) => summary(r.events));
    expect(events).toEqual(['NodeCreated /r 2', 'NodeCreated /r/a 2', 'NodeCreated /r/a/b 2', 'NodeDataChanged /r/a/b 2', 'NodeDeleted /r/a/b 2']);
    expect(h.machine.removeWatches(2, '/r', WatcherType.Any)).toBe(true);
    expect(h.apply({ type: 'delete', path: '/r/a', version: -1, sessionId: 0, nowMs: 1 }).events).toEqual([]);
  });

  test('multi fires the events of all its ops, in op order, at one zxid', () => {
    const h = setup();
    h.machine.addWatch(1, '/', AddWatchMode.PERSISTENT_RECURSIVE);
    const r = h.apply({
      type: 'multi',
      sessionId: 0,
      nowMs: 1,
      ops: [
        { type: 'create', path: '/m', data: bytes(''), mode: 0 },
        { type: 'setData', path: '/m', data: bytes('v'), version: 0 },
        { type: 'create', path: '/m/e', data: bytes(''), mode: CreateMode.EPHEMERAL },
      ],
    });
    // sessionId 0 cannot own an ephemeral: the whole multi fails and fires nothing.
    expect(r.outcome.ok).toBe(false);
    expect(r.events).toEqual([]);
    const ok = h.apply({
      type: 'multi',
      sessionId: 1,
      nowMs: 1,
      ops: [
        { type: 'create', path: '/m', data: bytes(''), mode: 0 },
        { type: 'setData', path: '/m', data: bytes('v'), version: 0 },
        { type: 'create', path: '/m/e', data: bytes(''), mode: CreateMode.EPHEMERAL },
      ],
    });
    expect(summary(ok.events)).toEqual(['NodeCreated /m 1', 'NodeDataChanged /m 1', 'NodeCreated /m/e 1']);
    expect(ok.events.every((e) => e.zxid === ok.zxid)).toBe(true);
  });
});

describe('re-arming after reconnect (SetWatches)', () => {
  test('watches whose target changed after the client\'s last zxid fire at once; the others are re-armed', () => {
    const h = setup();
    h.create('/same', 'x');
    h.create('/changed', 'x');
    h.create('/gone');
    h.create('/parent');
    h.create('/quiet-parent');
    const lastSeen = h.machine.lastZxid;
    h.setData('/changed', 'y');
    h.delete('/gone');
    h.create('/parent/kid');
    h.create('/appeared');
    // The client reconnects (to this or another member) with its watches and last zxid.
    const events = h.machine.setWatches(1, lastSeen, {
      data: ['/same', '/changed', '/gone'],
      exist: ['/appeared', '/still-missing'],
      child: ['/parent', '/quiet-parent', '/gone'],
      persistent: [],
      persistentRecursive: [],
    });
    expect(summary(events)).toEqual([
      'NodeDataChanged /changed 1',
      'NodeDeleted /gone 1',
      'NodeCreated /appeared 1',
      'NodeChildrenChanged /parent 1',
      'NodeDeleted /gone 1',
    ]);
    expect(h.machine.watches.watchesOf(1)).toEqual({ data: ['/same'], exist: ['/still-missing'], child: ['/quiet-parent'], persistent: [], persistentRecursive: [] });
    // The re-armed ones fire later as usual.
    expect(summary(h.apply({ type: 'setData', path: '/same', data: bytes('z'), version: -1, sessionId: 0, nowMs: 1 }).events)).toEqual(['NodeDataChanged /same 1']);
  });

  test('persistent watches are re-armed and report creations and data changes missed meanwhile', () => {
    const h = setup();
    h.create('/svc');
    h.create('/svc/a', 'x');
    const lastSeen = h.machine.lastZxid;
    h.setData('/svc/a', 'y');
    h.create('/svc/b');
    const events = h.machine.setWatches(2, lastSeen, { data: [], exist: [], child: [], persistent: ['/svc'], persistentRecursive: ['/svc'] });
    expect(summary(events)).toEqual(['NodeChildrenChanged /svc 2', 'NodeDataChanged /svc/a 2', 'NodeCreated /svc/b 2']);
    expect(summary(h.apply({ type: 'create', path: '/svc/c', data: bytes(''), mode: 0, sessionId: 0, nowMs: 1 }).events)).toEqual([
      'NodeCreated /svc/c 2',
      'NodeChildrenChanged /svc 2',
    ]);
  });

  test('a snapshot carries no watches, and restore can keep the server\'s WatchManager', () => {
    const h = setup();
    h.create('/a');
    h.machine.read({ type: 'getData', path: '/a', watch: true, sessionId: 1 });
    const fresh = CoordStateMachine.restore(h.machine.snapshot(), OPTIONS);
    expect(fresh.watches.count).toBe(0);
    const kept = CoordStateMachine.restore(h.machine.snapshot(), OPTIONS, h.machine.watches);
    const r = kept.apply(h.index + 1, { type: 'setData', path: '/a', data: bytes('v'), version: -1, sessionId: 0, nowMs: 1 });
    expect(summary(r.events)).toEqual(['NodeDataChanged /a 1']);
  });
});

test('installing a snapshot re-arms local watches and fires for what changed in between', () => {
  // The leader moves ahead; this follower only gets a snapshot.
  const leader = setup();
  leader.create('/a', 'x');
  leader.create('/b', 'x');
  const follower = CoordStateMachine.restore(leader.machine.snapshot(), OPTIONS);
  follower.read({ type: 'getData', path: '/a', watch: true, sessionId: 1 });
  follower.read({ type: 'getData', path: '/b', watch: true, sessionId: 1 });
  follower.read({ type: 'exists', path: '/c', watch: true, sessionId: 2 });
  leader.setData('/a', 'y');
  leader.ok({ type: 'closeSession', sessionId: 2, nowMs: 1 });
  leader.create('/c');
  const { machine, events } = CoordStateMachine.installSnapshot(leader.machine.snapshot(), follower);
  expect(summary(events)).toEqual(['NodeDataChanged /a 1']);
  expect(machine.lastZxid).toBe(leader.machine.lastZxid);
  expect(machine.watches.watchesOf(1).data).toEqual(['/b']);
  expect(machine.watches.sessions()).toEqual([1]);
});

describe('WatchManager alone', () => {
  test('removeSession forgets every watch of the session', () => {
    const w = new WatchManager();
    w.addData(1, '/a');
    w.addChild(1, '/a');
    w.addPersistent(1, '/', true);
    w.addData(2, '/a');
    w.removeSession(1);
    expect(w.count).toBe(1);
    expect(summary(w.trigger([{ type: T.NodeDeleted, path: '/a' }], 5))).toEqual(['NodeDeleted /a 2']);
    expect(w.count).toBe(0);
  });
});

test('SetWatches with one bad path re-arms nothing', () => {
  const h = setup();
  h.create('/a');
  expect(() => h.machine.setWatches(1, 0, { data: ['/a'], exist: [], child: ['bad'], persistent: [], persistentRecursive: [] })).toThrow(
    expect.objectContaining({ code: ErrorCodes.INVALID_PATH, details: expect.objectContaining({ field: 'watches.child' }) }),
  );
  expect(h.machine.watches.count).toBe(0);
});
