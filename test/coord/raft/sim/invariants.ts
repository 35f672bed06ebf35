/**
 * Raft's safety properties, checked on every Ready and after every simulated tick:
 * election safety (one leader per term), log matching, committed entries never lost or
 * changed, identical applied sequences, leader completeness, linearizable read indexes.
 */
import { Role, type Entry, type NodeId, type Ready, type Snapshot } from '../../../../coord/raft/types.js';
import type { SimCluster, SimNode } from './sim-cluster.js';

const text = new TextDecoder();

export class InvariantViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantViolation';
  }
}

function fail(message: string): never {
  throw new InvariantViolation(message);
}

function describe(e: Entry): string {
  return `${e.type}:${text.decode(e.data)}`;
}

interface CommittedEntry {
  term: number;
  content: string;
  /**
   * The highest term any node had reached when the commit was first seen: an upper bound on
   * the term in which the entry was committed. Leaders of later terms must hold the entry;
   * a leader of an earlier term may still be elected late (delayed vote responses) without it.
   */
  seenInTerm: number;
}

export class InvariantChecker {
  /** term → the one node that led it. */
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** "index:term" → content and the term of the entry before it (inductive log matching). */
  private readonly entries = new Map<string, { content: string; prevTerm: number | undefined }>();
  /** Every entry any node ever applied: index → term and content. */
  readonly committed = new Map<number, CommittedEntry>();
  maxCommitted = 0;
  /** The highest term any node has persisted. */
  private maxTerm = 0;
  /** Per node: the last persisted hard state (term and commit never go backwards). */
  private readonly lastHardState = new Map<NodeId, { term: number; commit: number }>();
  /** Read-index contexts → the highest committed index when the read was issued. */
  private readonly readFloor = new Map<string, number>();
  readsServed = 0;
  get terms(): number {
    return this.leaderOfTerm.size;
  }

  /**
   * A node (re)starts from its durable state. The commit index is volatile in Raft and the driver
   * writes it lazily, so a restarted node's commit may be behind what it reported before the
   * crash: commit is monotonic per incarnation (term always, it is written before anything leaves).
   */
  onStart(n: SimNode): void {
    const previous = this.lastHardState.get(n.id);
    if (previous) previous.commit = n.storage.initialState().hardState.commit;
  }

  onEntriesPersisted(n: SimNode, rd: Ready): void {
    if (rd.hardState) {
      if (rd.hardState.term > this.maxTerm) this.maxTerm = rd.hardState.term;
      const previous = this.lastHardState.get(n.id);
      if (previous && rd.hardState.term < previous.term) fail(`node ${n.id}: term went back from ${previous.term} to ${rd.hardState.term}`);
      if (previous && rd.hardState.commit < previous.commit) {
        fail(`node ${n.id}: commit went back from ${previous.commit} to ${rd.hardState.commit}`);
      }
    }
    for (let i = 0; i < rd.entries.length; i++) {
      const e = rd.entries[i]!;
      let prevTerm: number | undefined;
      if (i > 0) prevTerm = rd.entries[i - 1]!.term;
      else if (e.index - 1 >= n.storage.firstIndex() - 1) prevTerm = n.storage.term(e.index - 1);
      const key = `${e.index}:${e.term}`;
      const seen = this.entries.get(key);
      const content = describe(e);
      if (!seen) {
        this.entries.set(key, { content, prevTerm });
        continue;
      }
      // Log matching, inductively: the same (index, term) means the same entry after the same entry.
      if (seen.content !== content) fail(`log matching: entry ${key} is '${seen.content}' elsewhere but '${content}' on node ${n.id}`);
      if (seen.prevTerm !== undefined && prevTerm !== undefined && seen.prevTerm !== prevTerm) {
        fail(`log matching: entry ${key} follows term ${seen.prevTerm} elsewhere but term ${prevTerm} on node ${n.id}`);
      }
    }
  }

  /** A node reported entries [lo, hi] committed: they are fixed forever, applied or not. */
  private recordCommitted(n: SimNode, lo: number, hi: number): void {
    const from = Math.max(lo, n.storage.firstIndex());
    if (from > hi) return;
    for (const e of n.storage.entries(from, hi + 1, Number.MAX_SAFE_INTEGER)) {
      const content = describe(e);
      const seen = this.committed.get(e.index);
      if (seen && (seen.term !== e.term || seen.content !== content)) {
        fail(`committed entry ${e.index} changed: ${seen.term}/'${seen.content}' then ${e.term}/'${content}' in node ${n.id}'s log`);
      }
      if (!seen) this.committed.set(e.index, { term: e.term, content, seenInTerm: Math.max(this.maxTerm, n.raft.term) });
      if (e.index > this.maxCommitted) this.maxCommitted = e.index;
    }
  }

  onApply(n: SimNode, e: Entry): void {
    if (e.index !== n.applied + 1) fail(`node ${n.id} applied ${e.index} after ${n.applied}: gap or repeat`);
    const content = describe(e);
    const seen = this.committed.get(e.index);
    if (seen && (seen.term !== e.term || seen.content !== content)) {
      fail(`committed entry ${e.index} changed: ${seen.term}/'${seen.content}' then ${e.term}/'${content}' on node ${n.id}`);
    }
    if (!seen) this.committed.set(e.index, { term: e.term, content, seenInTerm: Math.max(this.maxTerm, n.raft.term) });
    if (e.index > this.maxCommitted) this.maxCommitted = e.index;
  }

  /** A snapshot's state must be exactly the Normal payloads committed up to its index. */
  checkSnapshotState(snapshot: Snapshot, state: string[]): void {
    const expected: string[] = [];
    for (let i = 2; i <= snapshot.metadata.index; i++) {
      const c = this.committed.get(i);
      if (!c) fail(`snapshot at ${snapshot.metadata.index} covers index ${i} that no node ever applied`);
      if (c.content.startsWith('0:')) expected.push(c.content.slice(2));
    }
    if (expected.length !== state.length || expected.some((v, i) => v !== state[i])) {
      fail(`snapshot at ${snapshot.metadata.index} holds ${state.length} commands, expected ${expected.length}`);
    }
  }

  noteReadIssued(context: string): void {
    this.readFloor.set(context, this.maxCommitted);
  }

  /** Linearizable read: the read index covers everything committed before the read began. */
  onReadState(n: SimNode, context: string, index: number): void {
    const floor = this.readFloor.get(context);
    if (floor === undefined) return;
    if (index < floor) fail(`read '${context}' on node ${n.id} got index ${index} < ${floor} committed before it was issued`);
    this.readsServed++;
  }

  /** Called once the Ready is persisted (a crash before that loses it, legitimately). */
  afterReady(n: SimNode, rd: Ready): void {
    if (rd.hardState) {
      const before = this.lastHardState.get(n.id)?.commit ?? 0;
      this.lastHardState.set(n.id, { term: rd.hardState.term, commit: rd.hardState.commit });
      this.recordCommitted(n, before + 1, rd.hardState.commit);
    }
    if (rd.softState?.role === Role.Leader || rd.hardState) this.checkLeader(n);
  }

  private checkLeader(n: SimNode): void {
    const status = n.raft.status();
    if (status.role !== Role.Leader) return;
    const other = this.leaderOfTerm.get(status.term);
    if (other !== undefined && other !== n.id) fail(`two leaders in term ${status.term}: ${other} and ${n.id}`);
    if (other === undefined) {
      this.leaderOfTerm.set(status.term, n.id);
      // Leader completeness: a new leader holds every entry ever committed.
      const first = n.storage.firstIndex();
      for (const [index, c] of this.committed) {
        if (index < first || c.seenInTerm >= status.term) continue;
        if (index > n.storage.lastIndex()) fail(`leader ${n.id} (term ${status.term}) lacks committed entry ${index}`);
        const term = n.storage.term(index);
        if (term !== c.term) fail(`leader ${n.id} (term ${status.term}) has term ${term} at committed index ${index}, not ${c.term}`);
      }
    }
  }

  afterStep(cluster: SimCluster): void {
    for (const n of cluster.nodes.values()) {
      if (!n.up) continue;
      const raft = n.raft;
      if (raft.role === Role.Leader) {
        const other = this.leaderOfTerm.get(raft.term);
        if (other !== undefined && other !== n.id) fail(`two leaders in term ${raft.term}: ${other} and ${n.id}`);
      }
      // While a persist is outstanding the driver may have applied already-durable committed
      // entries the core learns about only at advance(); otherwise the two agree exactly.
      if (n.driver.persisting ? n.applied < raft.applied : raft.applied !== n.applied) {
        fail(`node ${n.id}: core applied ${raft.applied} but state machine at ${n.applied}`);
      }
    }
  }
}
