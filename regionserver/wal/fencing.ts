/**
 * The open-epoch rule that replay applies (DESIGN.md, "Failure model, recovery and fencing").
 *
 * Every open of a region bumps its open epoch, and every WAL entry carries the epoch of the open
 * that wrote it. A server that kept writing after its region was given away (a "zombie") leaves
 * entries of a superseded epoch behind; replay must not resurrect them. The rule, applied to one
 * region's entries in (sequence id ↑, epoch ↑) order, possibly merged from several servers' logs:
 *
 *  1. For one sequence id, only the entry with the highest epoch counts (a zombie and the new
 *     owner may both have used the id; the new owner's edit is the real one).
 *  2. Once an entry of epoch E has been seen, every later entry (higher sequence id) with an epoch
 *     below E is dropped: the older open was superseded before it wrote them.
 *
 * The new owner therefore fences a zombie by writing anything at its own epoch: a region that
 * opens should append an (empty) open marker at its first sequence id, so that every entry a
 * zombie wrote at or after that id is ignored even if the new owner crashes before its first edit.
 */
import type { WalEntry } from './wal.js';

/** Ordering of entries inside one region: sequence id ↑, then epoch ↑. */
export function compareEntryKeys(a: WalEntry, b: WalEntry): number {
  return a.sequenceId - b.sequenceId || a.openEpoch - b.openEpoch;
}

/**
 * Applies the epoch rule to one region's entries, given in (sequence id ↑, epoch ↑) order.
 * Entries that are exact duplicates (same id and epoch, e.g. read from two copies) yield once.
 */
export async function* applyEpochRule(entries: AsyncIterable<WalEntry>): AsyncGenerator<WalEntry> {
  let highestEpoch = -1;
  let held: WalEntry | undefined;
  for await (const entry of entries) {
    if (held && held.sequenceId !== entry.sequenceId) {
      yield held;
      held = undefined;
    }
    if (entry.openEpoch < highestEpoch) continue; // Rule 2 (and rule 1 for a lower epoch at the same id).
    highestEpoch = entry.openEpoch;
    held = entry; // Rule 1: a later entry with the same id has an epoch ≥ this one and replaces it.
  }
  if (held) yield held;
}

/** Synchronous twin of applyEpochRule, for in-memory implementations and tests. */
export function applyEpochRuleSync(entries: Iterable<WalEntry>): WalEntry[] {
  const out: WalEntry[] = [];
  let highestEpoch = -1;
  for (const entry of entries) {
    if (entry.openEpoch < highestEpoch) continue;
    highestEpoch = entry.openEpoch;
    const last = out[out.length - 1];
    if (last && last.sequenceId === entry.sequenceId) out[out.length - 1] = entry;
    else out.push(entry);
  }
  return out;
}

/**
 * Merges several sources of one region's entries, each already in (sequence id ↑, epoch ↑) order,
 * into one stream in the same order. Used to read a region from every server's log under a root.
 */
export async function* mergeEntryStreams(sources: Array<AsyncIterable<WalEntry>>): AsyncGenerator<WalEntry> {
  const iterators = sources.map((s) => s[Symbol.asyncIterator]());
  const heads: Array<WalEntry | undefined> = [];
  try {
    for (const it of iterators) {
      const r = await it.next();
      heads.push(r.done ? undefined : r.value);
    }
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i];
        if (h && (best < 0 || compareEntryKeys(h, heads[best]!) < 0)) best = i;
      }
      if (best < 0) return;
      yield heads[best]!;
      const r = await iterators[best]!.next();
      heads[best] = r.done ? undefined : r.value;
    }
  } finally {
    await Promise.all(iterators.map((it) => it.return?.()));
  }
}

/**
 * The entry a region appends (and syncs) right after replay, at its first new sequence id and its
 * own epoch: it fences every entry an older open writes at or after that id, even if this open
 * crashes before its first edit. Replay yields it back; it has no cells to apply.
 */
export function openMarkerEntry(regionId: string, sequenceId: number, openEpoch: number): WalEntry {
  return { regionId, sequenceId, openEpoch, cells: [] };
}

export function isOpenMarker(entry: WalEntry): boolean {
  return entry.cells.length === 0;
}
