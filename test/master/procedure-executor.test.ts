/**
 * Proves the procedure executor's persistence contract with a store that fails on demand: a step
 * acts only after the step itself was persisted, even when persisting it failed transiently first;
 * and a procedure that just ended stays readable for its caller however many others ended too.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../common/clock.js';
import { BasaltError, ErrorCodes } from '../../common/errors.js';
import { ProcedureExecutor, type ProcedureHandler } from '../../master/procedures/executor.js';
import type { ProcedureRecord, ProcedureStore } from '../../master/procedures/store.js';

/** An in-memory ProcedureStore whose update fails once (transiently) when it would persist `failStep`. */
class FlakyStore {
  readonly persisted = new Map<number, ProcedureRecord>();
  private nextId = 1;
  constructor(private failStep: string | undefined) {}
  async create(record: Omit<ProcedureRecord, 'id'>): Promise<ProcedureRecord> {
    const full = { ...record, id: this.nextId++ };
    this.persisted.set(full.id, structuredClone(full));
    return full;
  }
  async update(record: ProcedureRecord): Promise<void> {
    await new Promise((r) => setImmediate(r));
    if (record.step === this.failStep) {
      this.failStep = undefined;
      throw new BasaltError(ErrorCodes.CONNECTION_LOSS, 'lost the coordination connection');
    }
    this.persisted.set(record.id, structuredClone(record));
  }
  async delete(id: number): Promise<void> {
    this.persisted.delete(id);
  }
}

describe('procedure executor', () => {
  it('re-runs a step whose successor failed to persist instead of acting on a step that is not persisted', async () => {
    const store = new FlakyStore('two');
    const acted: Array<{ step: string; persistedStep: string }> = [];
    const handler: ProcedureHandler<null> = {
      locks: () => ['k'],
      async run(record, _ctx) {
        for (;;) {
          acted.push({ step: record.step, persistedStep: store.persisted.get(record.id)!.step });
          switch (record.step) {
            case 'one':
              await executor.checkpoint(record, 'two', { fromOne: true });
              break;
            case 'two':
              await executor.checkpoint(record, 'three');
              break;
            case 'three':
              return;
          }
        }
      },
    };
    const executor: ProcedureExecutor<null> = new ProcedureExecutor(store as unknown as ProcedureStore, { test: handler }, () => null, systemClock, pino({ level: 'silent' }));
    try {
      const record = await executor.submit('test', 'x', {}, 'one');
      const ended = await executor.waitFor(record.id);
      expect(ended.state).toBe('SUCCESS');
      // Every step acted with exactly that step persisted (the failed 'two' made 'one' run again).
      for (const a of acted) expect(a.persistedStep).toBe(a.step);
      expect(acted.map((a) => a.step)).toEqual(['one', 'one', 'two', 'three']);
      expect(store.persisted.get(record.id)).toMatchObject({ state: 'SUCCESS', data: { fromOne: true } });
    } finally {
      executor.stop();
    }
  });

  it('keeps a procedure that ended moments ago readable even when more than the kept number of ended procedures exist', async () => {
    const store = new FlakyStore(undefined);
    const clock = new ManualClock();
    const handler: ProcedureHandler<null> = { locks: (r) => [`k${r.id}`], run: async () => undefined };
    const executor = new ProcedureExecutor(store as unknown as ProcedureStore, { test: handler }, () => null, clock, pino({ level: 'silent' }));
    try {
      const polled = await executor.submit('test', 'polled', {}, 'run');
      await executor.waitFor(polled.id);
      // A region server with many regions died: one assign procedure each, all ended within a second.
      const burst = await Promise.all(Array.from({ length: 600 }, (_, i) => executor.submit('test', `r${i}`, {}, 'run')));
      await Promise.all(burst.map((r) => executor.waitFor(r.id)));
      clock.advance(1_000);
      await (executor as unknown as { cleanup(): Promise<void> }).cleanup();
      expect(executor.get(polled.id)?.state).toBe('SUCCESS');
      expect(store.persisted.get(polled.id)?.state).toBe('SUCCESS');

      // Long after, the excess goes (the newest 500 stay within the retention time).
      clock.advance(5 * 60_000);
      await (executor as unknown as { cleanup(): Promise<void> }).cleanup();
      expect(executor.get(polled.id)).toBeUndefined();
      expect(executor.list()).toHaveLength(500);
    } finally {
      executor.stop();
    }
  });
});
