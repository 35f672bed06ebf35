/** The gateway's scanner registry hands out exact batches across row boundaries, bounds how many scanners exist, and expires only idle ones — never one being read. */
import { describe, expect, it } from 'vitest';
import type { Result, ResultCell } from '../../client/api.js';
import { ManualClock } from '../../common/clock.js';
import { ScannerRegistry } from '../../rest/scanner-registry.js';

const cell = (row: string, q: string): ResultCell => ({ row: Buffer.from(row), family: 'cf', qualifier: Buffer.from(q), timestamp: 1, type: 'Put', value: Buffer.from('v') });
const result = (row: string, qs: string[]): Result => {
  const cells = qs.map((q) => cell(row, q));
  return { row: Buffer.from(row), cells, isEmpty: false, value: () => undefined, string: () => undefined, counter: () => undefined, versions: () => [] };
};

async function* rows(list: Result[], gate?: Promise<void>): AsyncIterable<Result> {
  for (const r of list) {
    if (gate) await gate;
    yield r;
  }
}

describe('scanner registry', () => {
  it('gives exactly maxCells per batch across rows, honours a row cap, and reports exhaustion', async () => {
    const registry = new ScannerRegistry({ maxScanners: 2, idleTimeoutMs: 1_000 }, new ManualClock());
    const id = registry.open('t', 3, rows([result('a', ['1', '2']), result('b', ['1', '2', '3']), result('c', ['1'])]));
    const names = (b: { cells: ResultCell[] }) => b.cells.map((c) => `${c.row}:${c.qualifier}`);
    expect(names((await registry.next(id, 3))!)).toEqual(['a:1', 'a:2', 'b:1']);
    expect(names((await registry.next(id, 10, 1))!)).toEqual(['b:2', 'b:3']);
    const last = (await registry.next(id, 3))!;
    expect(names(last)).toEqual(['c:1']);
    expect(last.exhausted).toBe(true);
    expect((await registry.next(id, 3))!.cells).toEqual([]);
    expect(await registry.next('nope', 3)).toBeUndefined();
  });

  it('refuses a scanner past the maximum with SERVER_BUSY', () => {
    const registry = new ScannerRegistry({ maxScanners: 1, idleTimeoutMs: 1_000 }, new ManualClock());
    registry.open('t', 1, rows([]));
    expect(() => registry.open('t', 1, rows([]))).toThrow(expect.objectContaining({ code: 'SERVER_BUSY' }));
  });

  it('expires idle scanners but not one whose read is in flight', async () => {
    const clock = new ManualClock();
    const registry = new ScannerRegistry({ maxScanners: 5, idleTimeoutMs: 1_000 }, clock);
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const reading = registry.open('t', 1, rows([result('a', ['1'])], gate));
    const idle = registry.open('t', 1, rows([result('a', ['1'])]));
    const pending = registry.next(reading, 1);
    clock.advance(5_000);
    expect(await registry.expireIdle()).toBe(1);
    expect(registry.describe(idle)).toBeUndefined();
    open();
    expect((await pending)!.cells).toHaveLength(1);
    expect(registry.describe(reading)).toBeDefined();
  });
});
