// Proves the epoch rule on arbitrary histories: replay keeps the highest epoch per sequence id and drops every entry written by an open that a newer open had already superseded.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEpochRule, applyEpochRuleSync, compareEntryKeys, isOpenMarker, mergeEntryStreams, openMarkerEntry } from '../../../regionserver/wal/fencing.js';
import type { WalEntry } from '../../../regionserver/wal/wal.js';

const arbEntries = fc
  .array(fc.record({ sequenceId: fc.integer({ min: 1, max: 40 }), openEpoch: fc.integer({ min: 0, max: 5 }) }), { maxLength: 60 })
  .map((keys) => keys.map((k): WalEntry => ({ regionId: 'r', ...k, cells: [] })).sort(compareEntryKeys));

async function* stream(entries: WalEntry[]): AsyncGenerator<WalEntry> {
  for (const e of entries) yield e;
}

describe('epoch rule', () => {
  it('keeps, for each sequence id, only the highest epoch, and no entry older than an epoch already seen', () => {
    fc.assert(
      fc.property(arbEntries, (entries) => {
        const out = applyEpochRuleSync(entries);
        for (let i = 1; i < out.length; i++) {
          expect(out[i]!.sequenceId).toBeGreaterThan(out[i - 1]!.sequenceId);
          expect(out[i]!.openEpoch).toBeGreaterThanOrEqual(out[i - 1]!.openEpoch);
        }
        // Every dropped entry is superseded: some kept-or-input entry at or before it has a higher epoch.
        const kept = new Set(out);
        for (const [i, e] of entries.entries()) {
          if (kept.has(e)) continue;
          const superseded = entries.slice(0, i).some((p) => p.openEpoch > e.openEpoch) || entries.slice(i + 1).some((n) => n.sequenceId === e.sequenceId && n.openEpoch >= e.openEpoch);
          expect(superseded).toBe(true);
        }
      }),
    );
  });

  it('the streaming rule over merged sources equals the rule over the sorted union', async () => {
    await fc.assert(
      fc.asyncProperty(arbEntries, arbEntries, async (a, b) => {
        const merged: WalEntry[] = [];
        for await (const e of applyEpochRule(mergeEntryStreams([stream(a), stream(b)]))) merged.push(e);
        const expected = applyEpochRuleSync([...a, ...b].sort(compareEntryKeys));
        expect(merged.map((e) => [e.sequenceId, e.openEpoch])).toEqual(expected.map((e) => [e.sequenceId, e.openEpoch]));
      }),
    );
  });

  it("an open marker fences a zombie's later entries even when the new owner wrote nothing else", () => {
    const zombie = (s: number): WalEntry => ({ regionId: 'r', sequenceId: s, openEpoch: 1, cells: [] as WalEntry['cells'] });
    const history = [zombie(1), zombie(2), openMarkerEntry('r', 3, 2), zombie(3), zombie(4)].sort(compareEntryKeys);
    const out = applyEpochRuleSync(history);
    expect(out.map((e) => [e.sequenceId, e.openEpoch])).toEqual([[1, 1], [2, 1], [3, 2]]);
    expect(isOpenMarker(out[2]!)).toBe(true);
  });
});
