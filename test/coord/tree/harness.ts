// A small driver for the coordination state machine in tests: numbers log indexes, sends every
// command through the wire codec (as the Raft log would) and unwraps outcomes.
import { expect } from 'vitest';
import { decodeSnapshot, type SnapshotContents } from '../../../coord/tree/codec.js';
import { BasaltError } from '../../../common/errors.js';
import {
  CoordStateMachine,
  CreateMode,
  decodeCommand,
  encodeCommand,
  type ApplyResult,
  type CommandResult,
  type CoordCommand,
  type StateMachineOptions,
} from '../../../coord/tree/index.js';

export const OPTIONS: StateMachineOptions = { maxDataBytes: 1024, minSessionTimeoutMs: 1_000, maxSessionTimeoutMs: 30_000 };

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);

export class Harness {
  index = 0;
  nowMs = 1_000_000;

  constructor(readonly machine: CoordStateMachine = new CoordStateMachine(OPTIONS)) {}

  /** Applies a command through the codec; returns the full ApplyResult. */
  apply(command: CoordCommand): ApplyResult {
    this.index += 1;
    return this.machine.apply(this.index, decodeCommand(encodeCommand(command)));
  }

  /** Applies and expects success. */
  ok<T extends CommandResult['type']>(command: CoordCommand & { type: T }): Extract<CommandResult, { type: T }> {
    const r = this.apply(command);
    if (!r.outcome.ok) throw r.outcome.error;
    return r.outcome.result as Extract<CommandResult, { type: T }>;
  }

  /** Applies and expects a failure with `code`; returns the error. */
  fails(command: CoordCommand, code: string): BasaltError {
    const before = this.machine.snapshot();
    const r = this.apply(command);
    expect(r.outcome.ok, `expected ${code}`).toBe(false);
    if (r.outcome.ok) throw new Error('unreachable');
    expect(r.outcome.error.code).toBe(code);
    expect(r.events).toEqual([]);
    // A failed command changes nothing but the applied index.
    expect(stripZxid(this.machine.snapshot())).toEqual(stripZxid(before));
    return r.outcome.error;
  }

  session(sessionId: number, timeoutMs = 10_000): void {
    this.ok({ type: 'createSession', sessionId, timeoutMs, nowMs: this.nowMs });
  }

  create(path: string, data = '', mode = CreateMode.PERSISTENT, sessionId = 0): string {
    return this.ok({ type: 'create', path, data: bytes(data), mode, sessionId, nowMs: this.nowMs }).path;
  }

  setData(path: string, data: string, version = -1): number {
    return this.ok({ type: 'setData', path, data: bytes(data), version, sessionId: 0, nowMs: this.nowMs }).stat.version;
  }

  delete(path: string, version = -1): void {
    this.ok({ type: 'delete', path, version, sessionId: 0, nowMs: this.nowMs });
  }
}

/** The replicated state without its applied index, to compare states across indexes. */
export function stripZxid(snapshot: Uint8Array): Omit<SnapshotContents, 'lastZxid'> {
  const { lastZxid: _ignored, ...rest } = decodeSnapshot(snapshot);
  return rest;
}
