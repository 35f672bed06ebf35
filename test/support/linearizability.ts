/**
 * A linearizability checker for histories of znode operations (Wing & Gong's search with Lowe's
 * memoization of (linearized set, model state), the approach Porcupine uses).
 *
 * Each znode is a register with a version: read (getData → value and version, or NO_NODE),
 * write (setData -1), cas (setData with an expected version → ok or BAD_VERSION), create
 * (NODE_EXISTS) and delete (optionally versioned). A history is linearizable when every completed
 * operation can be placed at one instant between its invocation and its completion so that the
 * sequence is legal for the register. An operation that never completed (a timeout, a killed
 * client) may or may not have taken effect: its completion is +∞ and any output is accepted, so
 * the search may place it anywhere after its invocation, or after everything else (no effect).
 *
 * Linearizability is compositional (Herlihy & Wing), so the history is split per znode and each
 * key is checked alone: small searches instead of one exponential one.
 *
 * Usage from an integration test:
 *   const recorder = new HistoryRecorder(() => performance.now());
 *   const id = recorder.invoke(clientId, '/k', { kind: 'cas', expectedVersion: 3, value: 'v' });
 *   try { ...; recorder.complete(id, { ok: true, version: 4 }) }
 *   catch (e) { if definite error: recorder.complete(id, { ok: false, code: e.code }) else leave pending }
 *   expect(checkLinearizable(recorder.history()).result).toBe('linearizable');
 *
 * Record as pending anything whose effect is unknown (timeouts, CONNECTION_LOSS, a leader that died
 * mid-request). A request refused before it could take effect (e.g. NOT_LEADER from a follower)
 * may simply be left out of the history.
 */

export type RegisterInput =
  | { kind: 'read' }
  | { kind: 'write'; value: string }
  | { kind: 'cas'; expectedVersion: number; value: string }
  | { kind: 'create'; value: string }
  /** expectedVersion -1 or absent = any version. */
  | { kind: 'delete'; expectedVersion?: number };

/**
 * What the client saw. Reads answer value and version; writes may report the new version (checked
 * when present). Errors are the coordination error codes: NO_NODE, BAD_VERSION, NODE_EXISTS.
 */
export type RegisterOutput =
  | { ok: true; value?: string; version?: number }
  | { ok: false; code: 'NO_NODE' | 'BAD_VERSION' | 'NODE_EXISTS' };

export interface Operation {
  clientId: number;
  /** The znode path: the unit the history is partitioned by. */
  key: string;
  input: RegisterInput;
  invokeMs: number;
  /** Absent: never completed (timed out, crashed): it may or may not have taken effect. */
  completeMs?: number;
  /** Absent exactly when completeMs is absent. */
  output?: RegisterOutput;
}

/** The register a znode is: absent, or present with a value and a version. */
export interface RegisterState {
  exists: boolean;
  value: string;
  version: number;
}

export const ABSENT: RegisterState = { exists: false, value: '', version: 0 };

function stateKey(s: RegisterState): string {
  return s.exists ? `${s.version}:${s.value}` : '-';
}

/** The register's sequential specification: the next state, or null if `output` is impossible here. */
export function step(state: RegisterState, input: RegisterInput, output: RegisterOutput | undefined): RegisterState | null {
  // The effect is decided by the state alone; then the observed output must match it.
  let next: RegisterState;
  let expected: RegisterOutput;
  switch (input.kind) {
    case 'read':
      next = state;
      expected = state.exists ? { ok: true, value: state.value, version: state.version } : { ok: false, code: 'NO_NODE' };
      break;
    case 'write':
      if (!state.exists) {
        next = state;
        expected = { ok: false, code: 'NO_NODE' };
      } else {
        next = { exists: true, value: input.value, version: state.version + 1 };
        expected = { ok: true, version: next.version };
      }
      break;
    case 'cas':
      if (!state.exists) {
        next = state;
        expected = { ok: false, code: 'NO_NODE' };
      } else if (state.version !== input.expectedVersion) {
        next = state;
        expected = { ok: false, code: 'BAD_VERSION' };
      } else {
        next = { exists: true, value: input.value, version: state.version + 1 };
        expected = { ok: true, version: next.version };
      }
      break;
    case 'create':
      if (state.exists) {
        next = state;
        expected = { ok: false, code: 'NODE_EXISTS' };
      } else {
        next = { exists: true, value: input.value, version: 0 };
        expected = { ok: true, version: 0 };
      }
      break;
    case 'delete': {
      const v = input.expectedVersion ?? -1;
      if (!state.exists) {
        next = state;
        expected = { ok: false, code: 'NO_NODE' };
      } else if (v !== -1 && v !== state.version) {
        next = state;
        expected = { ok: false, code: 'BAD_VERSION' };
      } else {
        next = ABSENT;
        expected = { ok: true };
      }
      break;
    }
  }
  if (output === undefined) return next; // unknown outcome: whatever the state dictates
  if (output.ok !== expected.ok) return null;
  if (!output.ok || !expected.ok) return output.ok === false && expected.ok === false && output.code === expected.code ? next : null;
  if (output.value !== undefined && output.value !== expected.value) return null;
  if (input.kind === 'read' && output.value === undefined) return null;
  if (output.version !== undefined && expected.version !== undefined && output.version !== expected.version) return null;
  return next;
}

export interface CheckOptions {
  /** The state of every key before the history (default: absent). */
  initial?: (key: string) => RegisterState;
  /** Search budget per key (visited search nodes); past it the answer is 'unknown'. */
  maxStatesPerKey?: number;
}

export interface KeyResult {
  key: string;
  result: 'linearizable' | 'not-linearizable' | 'unknown';
  /** Search nodes visited. */
  explored: number;
  /** For a failure: the longest legal ordering found (a hint to where it went wrong). */
  longestPrefix?: Operation[];
}

export interface CheckResult {
  result: 'linearizable' | 'not-linearizable' | 'unknown';
  /** The first key that is not linearizable (or unknown). */
  key?: string;
  perKey: KeyResult[];
}

/** Checks a whole history: linearizable iff every key's sub-history is. */
export function checkLinearizable(history: readonly Operation[], options: CheckOptions = {}): CheckResult {
  for (const op of history) {
    if ((op.completeMs === undefined) !== (op.output === undefined)) {
      throw new Error(`operation of client ${op.clientId} on ${op.key}: completeMs and output must be both set or both absent`);
    }
    if (op.completeMs !== undefined && op.completeMs < op.invokeMs) {
      throw new Error(`operation of client ${op.clientId} on ${op.key} completes before it is invoked`);
    }
  }
  const byKey = new Map<string, Operation[]>();
  for (const op of history) {
    let list = byKey.get(op.key);
    if (!list) byKey.set(op.key, (list = []));
    list.push(op);
  }
  const perKey: KeyResult[] = [];
  let verdict: CheckResult = { result: 'linearizable', perKey };
  for (const key of [...byKey.keys()].sort()) {
    const r = checkKey(key, byKey.get(key)!, options.initial?.(key) ?? ABSENT, options.maxStatesPerKey ?? 2_000_000);
    perKey.push(r);
    if (r.result !== 'linearizable' && verdict.result !== 'not-linearizable') {
      verdict = { result: r.result, key, perKey };
    }
  }
  return verdict;
}

/** The search for one key (Wing & Gong with memoized (linearized set, state) pairs). */
function checkKey(key: string, unsorted: readonly Operation[], initial: RegisterState, maxStates: number): KeyResult {
  const ops = [...unsorted].sort((a, b) => a.invokeMs - b.invokeMs);
  const n = ops.length;
  const completes = ops.map((op) => op.completeMs ?? Number.POSITIVE_INFINITY);
  const completedCount = ops.filter((op) => op.completeMs !== undefined).length;
  const linearized = new Uint32Array(Math.ceil(n / 32) || 1);
  const isSet = (i: number): boolean => (linearized[i >>> 5] & (1 << (i & 31))) !== 0;
  const flip = (i: number): void => {
    linearized[i >>> 5] ^= 1 << (i & 31);
  };
  const seen = new Set<string>();
  const order: number[] = [];
  let longest: number[] = [];
  let explored = 0;
  let exhausted = false;

  const search = (state: RegisterState, doneCompleted: number): boolean => {
    if (doneCompleted === completedCount) return true; // pending ones go last: no effect observed
    const memoKey = `${linearized.join(',')}|${stateKey(state)}`;
    if (seen.has(memoKey)) return false;
    seen.add(memoKey);
    if (++explored > maxStates) {
      exhausted = true;
      return false;
    }
    if (order.length > longest.length) longest = [...order];
    // An operation may go next only if no other pending operation completed before it began.
    let minComplete = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) if (!isSet(i) && completes[i] < minComplete) minComplete = completes[i];
    for (let i = 0; i < n && ops[i].invokeMs <= minComplete; i++) {
      if (isSet(i)) continue;
      const next = step(state, ops[i].input, ops[i].output);
      if (next === null) continue;
      flip(i);
      order.push(i);
      const found = search(next, doneCompleted + (ops[i].completeMs !== undefined ? 1 : 0));
      order.pop();
      flip(i);
      if (found) return true;
      if (exhausted) return false;
    }
    return false;
  };

  const ok = search(initial, 0);
  if (ok) return { key, result: 'linearizable', explored };
  return {
    key,
    result: exhausted ? 'unknown' : 'not-linearizable',
    explored,
    longestPrefix: longest.map((i) => ops[i]),
  };
}

/** Records a history as a test runs; time comes from the injected `now` (monotonic ms). */
export class HistoryRecorder {
  private readonly ops: Operation[] = [];

  constructor(private readonly now: () => number) {}

  /** Call just before sending the request; returns the handle for complete(). */
  invoke(clientId: number, key: string, input: RegisterInput): number {
    this.ops.push({ clientId, key, input, invokeMs: this.now() });
    return this.ops.length - 1;
  }

  /** Call when the answer arrives. Leave an operation pending when its outcome is unknown. */
  complete(handle: number, output: RegisterOutput): void {
    const op = this.ops[handle];
    if (!op || op.completeMs !== undefined) throw new Error(`operation ${handle} is unknown or already complete`);
    op.completeMs = this.now();
    op.output = output;
  }

  history(): Operation[] {
    return this.ops.map((op) => ({ ...op }));
  }
}
