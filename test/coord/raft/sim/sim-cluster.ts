/**
 * A seeded, in-process Raft cluster: each node is a RaftNode driven by the production Ready loop
 * (coord/raft/driver.ts, the one the coordination member runs) over FaultyRaftStorage; a network
 * that drops, delays, reorders, duplicates and partitions messages; persists that complete later,
 * at seeded moments, so peer messages are stepped and answered while a node's write is still
 * outstanding (asyncPersist); crashes that lose unpersisted writes; and an invariant checker fed
 * by every Ready. Everything is driven by one SeededRandom, so a seed replays exactly.
 */
import { SeededRandom } from '../../../../common/random.js';
import { decodeConfChange, decodeMessage, encodeConfChange, encodeMessage } from '../../../../coord/raft/codec.js';
import { RaftDriver } from '../../../../coord/raft/driver.js';
import { RaftNode } from '../../../../coord/raft/raft-node.js';
import {
  EntryType,
  Role,
  type ConfChange,
  type ConfState,
  type Message,
  type NodeId,
  type RaftConfig,
  type Entry,
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
  /** The production Ready loop over this node's storage, the simulated network and its state machine. */
  driver: RaftDriver;
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

/** A persist the simulator completes later (asyncPersist): it belongs to one incarnation of a node. */
interface PendingPersist {
  node: SimNode;
  done: (err?: unknown) => void;
  completeAt: number;
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
  /** Probability, per persist, of crashing after writing and before the write is durable. */
  crashInReadyRate = 0;
  /**
   * When true, a persist completes 0..maxPersistDelayTicks ticks later, in seeded order with the
   * message deliveries; when false, at once (inside the driver's call, the textbook order).
   */
  asyncPersist = false;
  maxPersistDelayTicks = 1;
  private persists: PendingPersist[] = [];
  /** Fraction of messages round-tripped through the codec (exercises it without the full cost). */
  codecRate = 0.05;
  readonly options: Required<SimOptions>;
  /** What happened, to show that a run exercised the interesting paths. */
  readonly stats = {
    crashes: 0,
    snapshotsInstalled: 0,
    confChangesApplied: 0,
    messagesDelivered: 0,
    /** Messages stepped into a node while one of its persists was outstanding. */
    steppedWhilePersisting: 0,
    /** Messages sent before the Ready that carried them was durable, and entries applied so. */
    earlyMessages: 0,
    earlyApplies: 0,
  };
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
    const raft = new RaftNode(this.config(id, storage, snapshot.metadata.index));
    const node = {
      id,
      raft,
      storage,
      up: true,
      applied: snapshot.metadata.index,
      state: decodeState(snapshot.data),
      confState: snapshot.metadata.confState,
      reads: new Map<string, number>(),
    } as SimNode;
    node.driver = this.driverFor(node);
    this.checker.onStart(node);
    this.checker.checkSnapshotState(snapshot, node.state);
    this.nodes.set(id, node);
    return node;
  }

  /** The production driver, with the simulator as storage, transport, state machine and scheduler. */
  private driverFor(n: SimNode): RaftDriver {
    return new RaftDriver({
      node: n.raft,
      persistedHardState: n.storage.initialState().hardState,
      // Run at once: the simulator calls processReady (driver.run) itself after every input.
      scheduler: { schedule: (run) => run() },
      storage: {
        applySnapshot: (snapshot) => n.storage.applySnapshot(snapshot),
        append: (entries) => n.storage.append(entries),
        setHardState: (hardState) => n.storage.setHardState(hardState),
        persist: (done) => this.persist(n, done),
      },
      host: {
        send: (messages) => {
          for (const m of messages) this.send(m);
        },
        applyEntry: (entry) => this.applyEntry(n, entry),
        installSnapshot: (snapshot) => this.installSnapshot(n, snapshot),
        onSoftState: (soft) => this.note(`node ${n.id} ${soft.role} term ${n.raft.term} leader ${soft.leader}`),
        onReadStates: (readStates) => {
          for (const rs of readStates) {
            const key = text.decode(rs.context);
            n.reads.set(key, rs.index);
            this.checker.onReadState(n, key, rs.index);
          }
        },
        onWritten: (rd) => {
          this.checker.onEntriesPersisted(n, rd);
          if (rd.snapshot) this.note(`node ${n.id} installs snapshot ${JSON.stringify(rd.snapshot.metadata)}`);
        },
        onAdvanced: (rd) => this.checker.afterReady(n, rd),
        onFatal: (err) => {
          throw err;
        },
      },
    });
  }

  /** The driver asks for its writes to become durable: now, later, or never (a crash first). */
  private persist(n: SimNode, done: (err?: unknown) => void): void {
    if (this.crashInReadyRate > 0 && this.random.next() < this.crashInReadyRate) {
      // Any prefix of the Ready's writes (snapshot, entries, hard state) may have survived.
      this.crash(n.id, this.random.int(n.storage.unpersistedWrites + 1));
      return;
    }
    if (!this.asyncPersist) {
      n.storage.persistNow();
      done();
      return;
    }
    this.persists.push({ node: n, done, completeAt: this.now + this.random.int(this.maxPersistDelayTicks + 1) });
  }

  private completePersist(p: PendingPersist): void {
    const n = p.node;
    // A crash in between lost the writes; the restarted incarnation is another SimNode.
    if (!n.up || this.nodes.get(n.id) !== n) return;
    n.storage.persistNow();
    p.done();
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
    n.driver.stop();
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
    if (target.driver.persisting) this.stats.steppedWhilePersisting++;
    // The driver throws nothing for refused input (it returns it); the simulation never sends any.
    const refused = target.driver.step(message);
    if (refused) throw refused;
    this.processReady(target);
  }

  /** Run the node's driver until it has no Ready or waits on a persist. */
  processReady(n: SimNode): void {
    if (!n.up) return;
    const before = n.driver.stats;
    const earlyMessages = before.earlyMessages;
    const earlyApplies = before.earlyApplies;
    n.driver.run();
    this.stats.earlyMessages += n.driver.stats.earlyMessages - earlyMessages;
    this.stats.earlyApplies += n.driver.stats.earlyApplies - earlyApplies;
  }

  private installSnapshot(n: SimNode, snapshot: Snapshot): void {
    this.stats.snapshotsInstalled++;
    n.state = decodeState(snapshot.data);
    n.applied = snapshot.metadata.index;
    n.confState = snapshot.metadata.confState;
    this.checker.checkSnapshotState(snapshot, n.state);
  }

  private applyEntry(n: SimNode, e: Entry): void {
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
    // Messages sent while delivering (zero delay) are delivered in the same tick, bounded; due
    // persist completions are shuffled in among them, so a node may answer several messages
    // (and its peers may answer its early ones) before its own write is durable.
    for (let round = 0; round < 50; round++) {
      const due: (InFlight | PendingPersist)[] = [];
      const later: InFlight[] = [];
      for (const f of this.inflight) (f.deliverAt <= this.now ? due : later).push(f);
      this.inflight = later;
      if (this.persists.length > 0) {
        const waiting: PendingPersist[] = [];
        for (const p of this.persists) (p.completeAt <= this.now ? due : waiting).push(p);
        this.persists = waiting;
      }
      if (due.length === 0) return;
      // Fisher–Yates with the seeded source: delivery order within a tick is random.
      for (let i = due.length - 1; i > 0; i--) {
        const j = this.random.int(i + 1);
        [due[i], due[j]] = [due[j]!, due[i]!];
      }
      for (const f of due) {
        if ('message' in f) this.deliver(f.message);
        else this.completePersist(f);
      }
    }
  }

  /** Complete every outstanding persist now (tests that want a quiet cluster). */
  completePersists(): void {
    for (let round = 0; round < 50 && this.persists.length > 0; round++) {
      const now = this.persists;
      this.persists = [];
      for (const p of now) this.completePersist(p);
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
