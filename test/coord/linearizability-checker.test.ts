// Proves that the linearizability checker accepts linearizable znode histories (concurrent, with timeouts) and rejects non-linearizable ones, fast enough for failover drills.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { BasaltError } from '../../common/errors.js';
import { SeededRandom } from '../../common/random.js';
import { CoordStateMachine, CreateMode } from '../../coord/tree/index.js';
import {
  ABSENT,
  checkLinearizable,
  HistoryRecorder,
  step,
  type RegisterState,
  type Operation,
  type RegisterInput,
  type RegisterOutput,
} from '../support/linearizability.js';

/** Shorthand: op(client, [invoke, complete | null], input, output). */
function op(clientId: number, times: [number, number | null], input: RegisterInput, output?: RegisterOutput, key = '/k'): Operation {
  const [invokeMs, completeMs] = times;
  return completeMs === null ? { clientId, key, input, invokeMs } : { clientId, key, input, invokeMs, completeMs, output };
}
const read = (value: string, version: number): RegisterOutput => ({ ok: true, value, version });
const ok = (version?: number): RegisterOutput => (version === undefined ? { ok: true } : { ok: true, version });
const missing: RegisterOutput = { ok: false, code: 'NO_NODE' };
const W = (value: string): RegisterInput => ({ kind: 'write', value });
const CAS = (expectedVersion: number, value: string): RegisterInput => ({ kind: 'cas', expectedVersion, value });
const R: RegisterInput = { kind: 'read' };
const CREATE = (value: string): RegisterInput => ({ kind: 'create', value });
const DEL: RegisterInput = { kind: 'delete' };

const verdict = (history: Operation[]) => checkLinearizable(history).result;

describe('accepts linearizable histories', () => {
  test('a sequential history', () => {
    expect(verdict([op(1, [0, 1], CREATE('a'), ok(0)), op(1, [2, 3], W('b'), ok(1)), op(2, [4, 5], R, read('b', 1)), op(2, [6, 7], DEL, ok()), op(1, [8, 9], R, missing)])).toBe(
      'linearizable',
    );
  });

  test('a read overlapping a write may see the old or the new value', () => {
    const base = [op(1, [0, 1], CREATE('old'), ok(0)), op(1, [2, 10], W('new'), ok(1))];
    expect(verdict([...base, op(2, [3, 5], R, read('old', 0))])).toBe('linearizable');
    expect(verdict([...base, op(2, [3, 5], R, read('new', 1))])).toBe('linearizable');
    // Two overlapping reads may even disagree in either order relative to their start times…
    expect(verdict([...base, op(2, [3, 9], R, read('new', 1)), op(3, [4, 8], R, read('old', 0))])).toBe('linearizable');
  });

  test('concurrent CAS on one version: exactly one wins', () => {
    expect(
      verdict([op(1, [0, 1], CREATE('x'), ok(0)), op(2, [2, 6], CAS(0, 'a'), ok(1)), op(3, [3, 5], CAS(0, 'b'), { ok: false, code: 'BAD_VERSION' }), op(4, [7, 8], R, read('a', 1))]),
    ).toBe('linearizable');
  });

  test('a timed-out write may have taken effect, or not', () => {
    const base = [op(1, [0, 1], CREATE('a'), ok(0)), op(1, [2, null], W('lost?'))];
    expect(verdict([...base, op(2, [5, 6], R, read('lost?', 1))])).toBe('linearizable');
    expect(verdict([...base, op(2, [5, 6], R, read('a', 0))])).toBe('linearizable');
    // …and may take effect late: first unseen, then seen.
    expect(verdict([...base, op(2, [5, 6], R, read('a', 0)), op(2, [7, 8], R, read('lost?', 1))])).toBe('linearizable');
  });

  test('keys are independent: each is checked alone', () => {
    const r = checkLinearizable([op(1, [0, 1], CREATE('a'), ok(0), '/x'), op(2, [0, 1], CREATE('b'), ok(0), '/y'), op(3, [2, 3], R, read('b', 0), '/y')]);
    expect(r.result).toBe('linearizable');
    expect(r.perKey.map((k) => k.key)).toEqual(['/x', '/y']);
  });
});

describe('rejects non-linearizable histories', () => {
  test('a stale read after a completed write', () => {
    const r = checkLinearizable([op(1, [0, 1], CREATE('a'), ok(0)), op(1, [2, 3], W('b'), ok(1)), op(2, [4, 5], R, read('a', 0))]);
    expect(r.result).toBe('not-linearizable');
    expect(r.key).toBe('/k');
    expect(r.perKey[0].longestPrefix?.length).toBe(2);
  });

  test('two CAS both succeeding on one version', () => {
    expect(verdict([op(1, [0, 1], CREATE('x'), ok(0)), op(2, [2, 6], CAS(0, 'a'), ok(1)), op(3, [3, 5], CAS(0, 'b'), ok(1))])).toBe('not-linearizable');
  });

  test('two creates both succeeding with no delete between', () => {
    expect(verdict([op(1, [0, 3], CREATE('a'), ok(0)), op(2, [1, 2], CREATE('b'), ok(0))])).toBe('not-linearizable');
  });

  test('a timed-out write seen and then unseen', () => {
    expect(verdict([op(1, [0, 1], CREATE('a'), ok(0)), op(1, [2, null], W('lost?')), op(2, [5, 6], R, read('lost?', 1)), op(2, [7, 8], R, read('a', 0))])).toBe(
      'not-linearizable',
    );
  });

  test('a value nobody wrote', () => {
    expect(verdict([op(1, [0, 1], CREATE('a'), ok(0)), op(2, [0, 5], R, read('ghost', 0))])).toBe('not-linearizable');
  });

  test('one bad key fails the whole history and is named', () => {
    const r = checkLinearizable([op(1, [0, 1], CREATE('a'), ok(0), '/good'), op(1, [2, 3], R, read('z', 0), '/bad')]);
    expect(r).toMatchObject({ result: 'not-linearizable', key: '/bad' });
  });

  test('a search past its budget answers unknown rather than guessing', () => {
    const many = Array.from({ length: 12 }, (_, i) => op(i, [0, 100], W(`v${i}`), ok()));
    const r = checkLinearizable([op(99, [-2, -1], CREATE('a'), ok(0)), ...many, op(50, [101, 102], R, read('nope', 99))], { maxStatesPerKey: 50 });
    expect(r.result).toBe('unknown');
  });
});

/**
 * Five clients run 200 operations each against the real CoordStateMachine; each operation takes
 * effect at one instant between its invocation and completion (a correct, linearizable server),
 * and some time out (applied or not, never answered).
 */
function simulate(seed: number, options: { staleReadsLagging?: number } = {}, clients = 5, opsPerClient = 200): Operation[] {
  const rnd = new SeededRandom(seed);
  const machineOptions = { maxDataBytes: 1024, minSessionTimeoutMs: 1, maxSessionTimeoutMs: 10 };
  const machine = new CoordStateMachine(machineOptions);
  // The buggy variant serves reads from a follower copy that catches up only every N commands.
  let follower = machine;
  const keys = ['/k0', '/k1', '/k2'];
  let index = 0;
  let clock = 0;
  const recorder = new HistoryRecorder(() => clock);
  type Client = { done: number; phase: 'idle' | 'invoked' | 'applied'; handle: number; input: RegisterInput; key: string; output?: RegisterOutput; dropped: boolean };
  const state: Client[] = Array.from({ length: clients }, () => ({ done: 0, phase: 'idle', handle: -1, input: R, key: '', dropped: false }));
  const execute = (key: string, input: RegisterInput): RegisterOutput => {
    const bytes = (s: string) => new TextEncoder().encode(s);
    if (input.kind === 'read') {
      try {
        const r = follower.read({ type: 'getData', path: key });
        if (r.type !== 'getData') throw new Error('unreachable');
        return { ok: true, value: new TextDecoder().decode(r.data), version: r.stat.version };
      } catch (err) {
        if (err instanceof BasaltError && err.code === 'NO_NODE') return missing;
        throw err;
      }
    }
    const command =
      input.kind === 'write' || input.kind === 'cas'
        ? { type: 'setData' as const, path: key, data: bytes(input.value), version: input.kind === 'cas' ? input.expectedVersion : -1, sessionId: 0, nowMs: clock }
        : input.kind === 'create'
          ? { type: 'create' as const, path: key, data: bytes(input.value), mode: CreateMode.PERSISTENT, sessionId: 0, nowMs: clock }
          : { type: 'delete' as const, path: key, version: input.expectedVersion ?? -1, sessionId: 0, nowMs: clock };
    const r = machine.apply(++index, command);
    if (options.staleReadsLagging !== undefined && index % options.staleReadsLagging === 0) {
      follower = CoordStateMachine.restore(machine.snapshot(), machineOptions);
    }
    if (r.outcome.ok) {
      const result = r.outcome.result;
      return 'stat' in result ? { ok: true, version: result.stat.version } : { ok: true };
    }
    return { ok: false, code: r.outcome.error.code as 'NO_NODE' | 'BAD_VERSION' | 'NODE_EXISTS' };
  };
  if (options.staleReadsLagging !== undefined) follower = CoordStateMachine.restore(machine.snapshot(), machineOptions);
  let active = clients;
  let counter = 0;
  while (active > 0) {
    const c = state[rnd.int(clients)];
    if (c.done >= opsPerClient) continue;
    clock += 1;
    if (c.phase === 'idle') {
      c.key = keys[rnd.int(keys.length)];
      const kind = rnd.int(10);
      c.input = kind < 4 ? R : kind < 6 ? W(`w${++counter}`) : kind < 8 ? CAS(rnd.int(4), `c${++counter}`) : kind < 9 ? CREATE(`n${++counter}`) : { kind: 'delete', expectedVersion: rnd.int(3) - 1 };
      c.handle = recorder.invoke(state.indexOf(c), c.key, c.input);
      c.phase = 'invoked';
      c.dropped = rnd.next() < 0.03; // this one will time out
    } else if (c.phase === 'invoked') {
      // A timed-out request may be lost before it reaches the state machine.
      if (!(c.dropped && rnd.next() < 0.5)) c.output = execute(c.key, c.input);
      c.phase = 'applied';
    } else {
      if (!c.dropped) recorder.complete(c.handle, c.output!);
      c.phase = 'idle';
      c.done += 1;
      if (c.done >= opsPerClient) active -= 1;
    }
  }
  return recorder.history();
}

describe('random histories from a correct server', () => {
  test.each([1, 2, 3])('5 clients × 200 ops (seed %i) are linearizable and checked quickly', (seed) => {
    const history = simulate(seed);
    expect(history).toHaveLength(1000);
    expect(history.some((o) => o.output === undefined)).toBe(true);
    const started = performance.now();
    const r = checkLinearizable(history);
    const tookMs = performance.now() - started;
    expect(r.result, `seed ${seed}`).toBe('linearizable');
    console.log(`seed ${seed}: checked ${history.length} ops in ${tookMs.toFixed(1)} ms, states per key ${r.perKey.map((k) => k.explored).join('/')}`);
    // Not a timed assertion: a generous sanity bound that only a pathological search would break.
    expect(tookMs, `seed ${seed}: ${tookMs.toFixed(0)} ms, ${r.perKey.map((k) => k.explored).join('/')} states`).toBeLessThan(20_000);
  });

  test.each([4, 5])('a server answering reads from a lagging follower copy (seed %i) is caught', (seed) => {
    const r = checkLinearizable(simulate(seed, { staleReadsLagging: 20 }));
    expect(r.result, `seed ${seed}`).toBe('not-linearizable');
  });

  test.each([4, 5])('the same history with one read corrupted (seed %i) is rejected', (seed) => {
    const history = simulate(seed);
    const reads = history.filter((o) => o.input.kind === 'read' && o.output?.ok);
    const victim = reads[Math.floor(reads.length / 2)];
    victim.output = { ok: true, value: 'never-written', version: 0 };
    expect(checkLinearizable(history), `seed ${seed}`).toMatchObject({ result: 'not-linearizable', key: victim.key });
  });
});

/** The definition itself, by enumeration: some subset of the pending ops plus every completed op, in some order respecting real time, replays legally. */
function bruteForce(history: Operation[]): boolean {
  const completed = history.filter((o) => o.completeMs !== undefined);
  const pending = history.filter((o) => o.completeMs === undefined);
  const precedes = (a: Operation, b: Operation): boolean => a.completeMs !== undefined && a.completeMs < b.invokeMs;
  const tryOrder = (chosen: Operation[]): boolean => {
    const used = new Array<boolean>(chosen.length).fill(false);
    const rec = (state: RegisterState, placed: number): boolean => {
      if (placed === chosen.length) return true;
      for (let i = 0; i < chosen.length; i++) {
        if (used[i]) continue;
        // Every op that must come before chosen[i] must already be placed.
        if (chosen.some((o, j) => !used[j] && j !== i && precedes(o, chosen[i]))) continue;
        const next = step(state, chosen[i].input, chosen[i].output);
        if (!next) continue;
        used[i] = true;
        if (rec(next, placed + 1)) return true;
        used[i] = false;
      }
      return false;
    };
    return rec(ABSENT, 0);
  };
  for (let mask = 0; mask < 1 << pending.length; mask++) {
    if (tryOrder([...completed, ...pending.filter((_, i) => mask & (1 << i))])) return true;
  }
  return false;
}

describe('agreement with the definition', () => {
  test('on small random histories the checker and a brute-force enumeration agree', () => {
    const inputs: RegisterInput[] = [R, R, W('a'), W('b'), CAS(0, 'c'), CAS(1, 'd'), CREATE('e'), DEL, { kind: 'delete', expectedVersion: 0 }];
    const outputs: RegisterOutput[] = [ok(), ok(0), ok(1), ok(2), read('a', 1), read('b', 1), read('e', 0), read('c', 1), read('d', 2), missing, { ok: false, code: 'BAD_VERSION' }, { ok: false, code: 'NODE_EXISTS' }];
    const opArb = fc.record({
      clientId: fc.nat(3),
      input: fc.constantFrom(...inputs),
      invokeMs: fc.integer({ min: 0, max: 12 }),
      duration: fc.integer({ min: 0, max: 6 }),
      output: fc.constantFrom(...outputs),
      timedOut: fc.integer({ min: 0, max: 5 }),
    });
    let linearizable = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 6 }), (raw) => {
        const history: Operation[] = raw.map((r) =>
          r.timedOut === 0
            ? { clientId: r.clientId, key: '/k', input: r.input, invokeMs: r.invokeMs }
            : { clientId: r.clientId, key: '/k', input: r.input, invokeMs: r.invokeMs, completeMs: r.invokeMs + r.duration, output: r.output },
        );
        const expected = bruteForce(history);
        if (expected) linearizable += 1;
        expect(checkLinearizable(history).result).toBe(expected ? 'linearizable' : 'not-linearizable');
      }),
      { numRuns: 1500 },
    );
    // The generator must exercise both verdicts, or the agreement proves little.
    expect(linearizable).toBeGreaterThan(30);
  });
});
