/**
 * A seeded, in-process Raft cluster: RaftNodes over FaultyRaftStorage, a network that drops,
 * delays, reorders, duplicates and partitions messages, crashes that lose unpersisted writes,
 * and an invariant checker fed by every Ready. Everything is driven by one SeededRandom, so a
 * seed replays exactly.
 */
import { SeededRandom } from '../../../../common/random.js';
import { decodeConfChange, decodeMessage, encodeConfChange, encodeMessage } from '../../../../coord/raft/codec.js';
import { RaftNode } from '../../../../coord/raft/raft-node.js';
import {
  EntryType,
  Role,
  type ConfChange,
  type ConfState,
  type Message,
  type NodeId,
  type RaftConfig,
  type Ready,
  type Snapshot,
} from '../../../../coord/raft/types.js';
import { FaultyRaftStorage } from '../../../../coord/storage/faulty-raft-storage.js';
import { MemoryRaftStorage } from '../../../../coord/storage/memory-raft-storage.js';
import { InvariantChecker } from './invariants.js';

export interface NetworkFaults {
  /** Probability a message is lost. */
  dropRate: number;
  /** Probability a message is delivered twice. */
  duplicateRate: number;
  /** Delivery delay in ticks, uniform in [0, maxDelayTicks]; different delays reorder. */
  maxDelayTicks: number;
}

export const NO_FAULTS: NetworkFaults = { dropRate: 0, duplicateRate: 0, maxDelayTicks: 0 };

export interface SimNode {
  id: NodeId;
  raft: RaftNode;
  storage: FaultyRaftStorage;
  up: boolean;
  /** Last applied index and the list state machine (Normal payloads in log order). */
  applied: number;
  state: string[];
  confState: ConfState;
  /** Read-index answers received: context → index. */
  reads: Map<string, number>;
}

interface InFlight {
  message: Message;
  deliverAt: number;
}

const text = new TextDecoder();
const utf8 = new TextEncoder();

export function encodeState(state: string[]): Uint8Array {
  return utf8.encode(JSON.stringify(state));
}

export function decodeState(data: Uint8Array): string[] {
  return data.byteLength === 0 ? [] : (JSON.parse(text.decode(data)) as string[]);
}

export interface SimOptions {
  seed: number;
  voters: NodeId[];
  electionTicks?: number;
  heartbeatTicks?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  maxSizePerMessage?: number;
  maxInflightMessages?: number;
  maxUncommittedEntriesBytes?: number;
}

export class SimCluster {
  readonly random: SeededRandom;
  readonly nodes = new Map<NodeId, SimNode>();
  readonly checker = new InvariantChecker();
  now = 0;
  faults: NetworkFaults = NO_FAULTS;
  /** Directed links that lose everything: "from>to". */
  private readonly cut = new Set<string>();
  private inflight: InFlight[] = [];
  /** When true, ticks deliver nothing: tests release messages with deliverMatching(). */
  holdMessages = false;
  /** Probability, per Ready, of crashing after writing and before persisting. */
  crashInReadyRate = 0;
  /** Fraction of messages round-tripped through the codec (exercises it without the full cost). */
  codecRate = 0.05;
  readonly options: Required<SimOptions>;
  /** What happened, to show that a run exercised the interesting paths. */
  readonly stats = { crashes: 0, snapshotsInstalled: 0, confChangesApplied: 0, messagesDelivered: 0 };
  /** The last events (role changes, crashes, conf changes...), printed when a seed fails. */
  readonly trace: string[] = [];

  note(event: string): void {
    this.trace.push(`t${this.now} ${event}`);
    if (this.trace.length > 300) this.trace.shift();
  }

  constructor(options: SimOptions) {
    this.options = {
      electionTicks: 10,
      heartbeatTicks: 2,
      preVote: true,
      checkQuorum: true,
      maxSizePerMessage: 1024,
      maxInflightMessages: 8,
      maxUncommittedEntriesBytes: 32 * 1024 * 1024,
      ...options,
    };
    this.random = new SeededRandom(options.seed);
    for (const id of options.voters) {
      this.addNode(id, MemoryRaftStorage.bootstrap(options.voters));
    }
  }

  private config(id: NodeId, storage: FaultyRaftStorage, applied: number): RaftConfig {
    // Each node draws its election timeouts from its own stream, derived from the seed.
    const nodeRandom = new SeededRandom(this.random.int(2 ** 31));
    return {
      id,
      electionTicks: this.options.electionTicks,
      heartbeatTicks: this.options.heartbeatTicks,
      storage,
      applied,
      maxSizePerMessage: this.options.maxSizePerMessage,
      maxInflightMessages: this.options.maxInflightMessages,
      preVote: this.options.preVote,
      checkQuorum: this.options.checkQuorum,
      maxUncommittedEntriesBytes: this.options.maxUncommittedEntriesBytes,
      random: () => nodeRandom.next(),
    };
  }

  /** Start a node on durable storage (a founder, a newcomer with empty storage, or a restart). */
  addNode(id: NodeId, durable: MemoryRaftStorage | FaultyRaftStorage): SimNode {
    const storage = durable instanceof FaultyRaftStorage ? durable : new FaultyRaftStorage(durable);
    const snapshot = storage.snapshot();
    const node: SimNode = {
      id,
      raft: new RaftNode(this.config(id, storage, snapshot.metadata.index)),
      storage,
      up: true,
      applied: snapshot.metadata.index,
      state: decodeState(snapshot.data),
      confState: snapshot.metadata.confState,
      reads: new Map(),
    };
    this.checker.checkSnapshotState(snapshot, node.state);
    this.nodes.set(id, node);
    return node;
  }

  node(id: NodeId): SimNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  // ---- faults ----

  /** Crash a node; `keepWrites` of its unpersisted writes (in order) survive. */
  crash(id: NodeId, keepWrites = 0): void {
    const n = this.node(id);
    if (!n.up) return;
    n.up = false;
    n.storage = n.storage.crash(keepWrites);
    this.stats.crashes++;
    this.note(`crash ${id}`);
  }

  restart(id: NodeId): void {
    const n = this.node(id);
    if (n.up) return;
    const restarted = this.addNode(id, n.storage);
    this.note(`restart ${id} ${JSON.stringify(restarted.raft.status())}`);
    restarted.reads = n.reads;
  }

  /** Cut the link from → to only (asymmetric). */
  cutLink(from: NodeId, to: NodeId): void {
    this.note(`cut ${from}>${to}`);
    this.cut.add(`${from}>${to}`);
  }

  /** Split into groups that cannot talk to each other. */
  partition(...groups: NodeId[][]): void {
    for (const a of groups) {
      for (const b of groups) {
        if (a === b) continue;
        for (const x of a) for (const y of b) this.cutLink(x, y);
      }
    }
  }

  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cutLink(id, other);
      this.cutLink(other, id);
    }
  }

  heal(): void {
    this.note('heal');
    this.cut.clear();
  }

  // ---- driving ----

  private send(m: Message): void {
    if (this.random.next() < this.faults.dropRate) return;
    const copies = this.random.next() < this.faults.duplicateRate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const delay = this.faults.maxDelayTicks > 0 ? this.random.int(this.faults.maxDelayTicks + 1) : 0;
      this.inflight.push({ message: m, deliverAt: this.now + delay });
    }
  }

  private deliver(m: Message): void {
    if (this.cut.has(`${m.from}>${m.to}`)) return;
    const target = this.nodes.get(m.to);
    if (!target || !target.up) return;
    const message = this.random.next() < this.codecRate ? decodeMessage(encodeMessage(m)) : m;
    this.stats.messagesDelivered++;
    target.raft.step(message);
    this.processReady(target);
  }

  /** Persist → send → apply → advance, with an optional crash before persisting. */
  processReady(n: SimNode): void {
    while (n.up && n.raft.hasReady()) {
      const rd = n.raft.ready();
      if (rd.snapshot) n.storage.applySnapshot(rd.snapshot);
      n.storage.append(rd.entries);
      if (rd.hardState) n.storage.setHardState(rd.hardState);
      this.checker.onEntriesPersisted(n, rd);
      if (rd.softState) this.note(`node ${n.id} ${rd.softState.role} term ${n.raft.term} leader ${rd.softState.leader}`);
      if (rd.snapshot) this.note(`node ${n.id} installs snapshot ${JSON.stringify(rd.snapshot.metadata)}`);
      if (this.crashInReadyRate > 0 && this.random.next() < this.crashInReadyRate) {
        // Any prefix of the Ready's writes (snapshot, entries, hard state) may have survived.
        this.crash(n.id, this.random.int(n.storage.unpersistedWrites + 1));
        return;
      }
      n.storage.persistNow();
      for (const m of rd.messages) this.send(m);
      if (rd.snapshot) this.installSnapshot(n, rd.snapshot);
      this.apply(n, rd);
      for (const rs of rd.readStates) {
        const key = text.decode(rs.context);
        n.reads.set(key, rs.index);
        this.checker.onReadState(n, key, rs.index);
      }
      n.raft.advance();
      this.checker.afterReady(n, rd);
    }
  }

  private installSnapshot(n: SimNode, snapshot: Snapshot): void {
    this.stats.snapshotsInstalled++;
    n.state = decodeState(snapshot.data);
    n.applied = snapshot.metadata.index;
    n.confState = snapshot.metadata.confState;
    this.checker.checkSnapshotState(snapshot, n.state);
  }

  private apply(n: SimNode, rd: Ready): void {
    for (const e of rd.committedEntries) {
      this.checker.onApply(n, e);
      n.applied = e.index;
      if (e.type === EntryType.Normal) n.state.push(text.decode(e.data));
      else if (e.type === EntryType.ConfChange) {
        const cc = decodeConfChange(e.data);
        n.confState = n.raft.applyConfChange(cc);
        this.stats.confChangesApplied++;
        this.note(`node ${n.id} applies conf change ${cc.type}:${cc.nodeId} at ${e.index} → ${JSON.stringify(n.confState)}`);
      }
    }
  }

  /** One tick of global time: every live node ticks, then due messages arrive in random order. */
  tick(): void {
    this.now++;
    for (const n of this.nodes.values()) {
      if (!n.up) continue;
      n.raft.tick();
      this.processReady(n);
    }
    if (!this.holdMessages) this.deliverDue();
    this.checker.afterStep(this);
  }

  /** Deliver the queued messages that match (one pass; the answers they cause stay queued). */
  deliverMatching(predicate: (m: Message) => boolean): number {
    const now: InFlight[] = [];
    const rest: InFlight[] = [];
    for (const f of this.inflight) (predicate(f.message) ? now : rest).push(f);
    this.inflight = rest;
    for (const f of now) this.deliver(f.message);
    this.checker.afterStep(this);
    return now.length;
  }

  /** Deliver until nothing is queued (bounded), even while holding. */
  deliverAll(maxRounds = 50): void {
    for (let i = 0; i < maxRounds && this.inflight.length > 0; i++) this.deliverMatching(() => true);
  }

  /** Lose every queued message. */
  dropQueued(): void {
    this.inflight = [];
  }

  queued(): Message[] {
    return this.inflight.map((f) => f.message);
  }

  private deliverDue(): void {
    // Messages sent while delivering (zero delay) are delivered in the same tick, bounded.
    for (let round = 0; round < 50; round++) {
      const due: InFlight[] = [];
      const later: InFlight[] = [];
      for (const f of this.inflight) (f.deliverAt <= this.now ? due : later).push(f);
      this.inflight = later;
      if (due.length === 0) return;
      // Fisher–Yates with the seeded source: delivery order within a tick is random.
      for (let i = due.length - 1; i > 0; i--) {
        const j = this.random.int(i + 1);
        [due[i], due[j]] = [due[j]!, due[i]!];
      }
      for (const f of due) this.deliver(f.message);
    }
  }

  run(ticks: number): void {
    for (let i = 0; i < ticks; i++) this.tick();
  }

  // ---- queries and client actions ----

  leaders(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.up && n.raft.role === Role.Leader);
  }

  /** The leader with the highest term among live nodes, if any. */
  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes.values()) {
      if (n.up && n.raft.role === Role.Leader && (!best || n.raft.term > best.raft.term)) best = n;
    }
    return best;
  }

  /** Tick until a leader exists (and every live voter agrees on it), or throw. */
  waitForLeader(maxTicks = 500): SimNode {
    for (let i = 0; i < maxTicks; i++) {
      const l = this.leader();
      if (l) {
        const voters = l.raft.status().voters;
        const agree = voters.every((id) => {
          const n = this.node(id);
          return !n.up || this.cut.has(`${l.id}>${id}`) || n.raft.leader === l.id;
        });
        if (agree) return l;
      }
      this.tick();
    }
    throw new Error(`no leader after ${maxTicks} ticks:\n${this.describeNodes()}`);
  }

  describeNodes(): string {
    const knobs = `preVote=${this.options.preVote} checkQuorum=${this.options.checkQuorum} electionTicks=${this.options.electionTicks}`;
    const lines = [...this.nodes.values()].map((n) => `${n.up ? '' : '(down) '}${JSON.stringify(n.raft.status())} applied=${n.applied}`);
    return [knobs, ...lines].join('\n');
  }

  propose(payload: string): boolean {
    const l = this.leader();
    return l ? this.proposeTo(l, payload) : false;
  }

  proposeTo(l: SimNode, payload: string): boolean {
    try {
      l.raft.propose(utf8.encode(payload));
    } catch {
      return false;
    }
    this.processReady(l);
    return true;
  }

  proposeConfChange(change: ConfChange): boolean {
    const l = this.leader();
    if (!l) return false;
    try {
      l.raft.proposeConfChange(change);
    } catch {
      return false;
    }
    this.processReady(l);
    return true;
  }

  /** Tick until every live node that is a member applied `payload`, or throw. */
  waitForApplied(payload: string, maxTicks = 500, ids?: NodeId[]): void {
    for (let i = 0; i < maxTicks; i++) {
      const targets = ids ?? this.leader()?.raft.status().voters ?? [];
      if (targets.length === 0) {
        this.tick();
        continue;
      }
      if (targets.every((id) => this.node(id).state.includes(payload))) return;
      this.tick();
    }
    throw new Error(`'${payload}' not applied everywhere after ${maxTicks} ticks:\n${this.describeNodes()}`);
  }

  static encodeConfChange(change: ConfChange): Uint8Array {
    return encodeConfChange(change);
  }
}
