/**
 * The Ready loop, once, for every user of the core: the coordination member (coord/server), the
 * seeded simulation (test/coord/raft/sim) and, later, region replication. It drives a RaftNode
 * over injected storage, transport, state machine and scheduler, and does nothing else: no
 * timers, no sockets, no files (a pure core by coord/raft's lint rules).
 *
 * One Ready at a time, in the order the core prescribes (see Ready in types.ts):
 *
 *     ready() → send `messages` → apply the already-durable committed prefix → write snapshot,
 *     entries and hard state (one storage batch) → persist (asynchronous) → send
 *     `messagesAfterPersist` → install the snapshot → apply the rest → advance()
 *
 * While the persist is outstanding the owner keeps stepping peer messages, ticks and proposals
 * into the core; they go out together in the next Ready (the group commit: one fsync for many
 * writes). The commit index is volatile in Raft: a Ready that changes only the commit costs no
 * write; it is written with the next durable write, or when the owner calls
 * flushDeferredHardState() (before a snapshot or a clean shutdown).
 */
import type { BasaltError } from '../../common/errors.js';
import type { RaftNode } from './raft-node.js';
import type { Entry, HardState, Message, ReadState, Ready, Snapshot, SoftState } from './types.js';

/** The writes a driver makes. The log storage's reads are the core's business (RaftStorage). */
export interface DriverStorage {
  applySnapshot(snapshot: Snapshot): void;
  append(entries: Entry[]): void;
  setHardState(hardState: HardState): void;
  /** Optional: run a Ready's writes as one storage transaction. */
  batch?(action: () => void): void;
  /**
   * Make every write so far durable, then call `done` once (with the error if it failed). It may
   * call back synchronously (a storage with nothing to wait for) or later.
   */
  persist(done: (err?: unknown) => void): void;
}

/** What the driver does with a Ready's outputs. */
export interface DriverHost {
  send(messages: Message[]): void;
  /** Apply one committed entry (in log order, each exactly once per incarnation). */
  applyEntry(entry: Entry): void;
  /** Restore the state machine from a snapshot the leader sent (after it is durable). */
  installSnapshot(snapshot: Snapshot): void;
  onSoftState?(softState: SoftState): void;
  onReadStates?(readStates: ReadState[]): void;
  /** Called after the Ready's writes are issued (not yet durable): for observers. */
  onWritten?(rd: Ready): void;
  /** Called after advance(): a good moment to take a snapshot. */
  onAdvanced?(rd: Ready): void;
  /** A broken invariant or a failed write: the driver has stopped. */
  onFatal(err: unknown): void;
}

/** Runs a function soon, never re-entrantly from inside the caller (setImmediate; a simulator's queue). */
export interface Scheduler {
  schedule(run: () => void): void;
}

export interface RaftDriverOptions {
  node: RaftNode;
  storage: DriverStorage;
  host: DriverHost;
  scheduler: Scheduler;
  /** The hard state on disk at start (storage.initialState().hardState). */
  persistedHardState: HardState;
}

export class RaftDriver {
  readonly node: RaftNode;
  private readonly storage: DriverStorage;
  private readonly host: DriverHost;
  private readonly scheduler: Scheduler;
  /** The hard state last written, and a newer commit-only one not yet written. */
  private writtenHardState: HardState;
  private deferredHardState: HardState | undefined;
  /** The Ready whose persist is outstanding. */
  private pending: Ready | undefined;
  private scheduled = false;
  private running = false;
  private again = false;
  private stopped = false;
  /** Counters for tests and status. */
  readonly stats = { readies: 0, persists: 0, earlyMessages: 0, earlyApplies: 0 };

  constructor(options: RaftDriverOptions) {
    this.node = options.node;
    this.storage = options.storage;
    this.host = options.host;
    this.scheduler = options.scheduler;
    this.writtenHardState = options.persistedHardState;
  }

  /** True while a Ready's persist is outstanding. */
  get persisting(): boolean {
    return this.pending !== undefined;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Something changed in the core: run the loop soon (many wakes before it runs make one pass). */
  wake(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    this.scheduler.schedule(() => {
      this.scheduled = false;
      this.run();
    });
  }

  tick(): void {
    if (this.stopped) return;
    this.node.tick();
    this.wake();
  }

  /** A message from the network; refused input comes back as a value (RaftNode.stepPeer). */
  step(message: Message): BasaltError | undefined {
    if (this.stopped) return undefined;
    let refused: BasaltError | undefined;
    try {
      refused = this.node.stepPeer(message);
    } catch (err) {
      // The core validated the input before stepping it: what it throws now is a broken
      // invariant, and its state may be half-changed (STYLE.md §7).
      this.fail(err);
      return undefined;
    }
    if (!refused) this.wake();
    return refused;
  }

  /** Stop: no more Readys; an outstanding persist's completion is ignored. */
  stop(): void {
    this.stopped = true;
  }

  /** Write the commit index kept aside (before a snapshot, so it never lags it; at shutdown). */
  flushDeferredHardState(): void {
    const deferred = this.deferredHardState;
    if (!deferred) return;
    this.deferredHardState = undefined;
    this.writeHardState(deferred);
  }

  /** Process Readys until none is left or a persist is outstanding. */
  run(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        while (!this.stopped && this.pending === undefined && this.node.hasReady()) this.handle(this.node.ready());
      } while (this.again && !this.stopped && this.pending === undefined);
    } catch (err) {
      this.fail(err);
    } finally {
      this.running = false;
    }
  }

  private handle(rd: Ready): void {
    this.stats.readies++;
    const hard = rd.hardState;
    const commitOnly = hard !== undefined && !rd.snapshot && rd.entries.length === 0 && hard.term === this.writtenHardState.term && hard.vote === this.writtenHardState.vote;
    if (commitOnly) this.deferredHardState = hard;
    const hardState = commitOnly ? undefined : (hard ?? this.deferredHardState);
    if (!commitOnly) this.deferredHardState = undefined;

    if (rd.messages.length > 0) {
      this.stats.earlyMessages += rd.messages.length;
      this.host.send(rd.messages);
    }
    for (let i = 0; i < rd.applyBeforePersist; i++) this.host.applyEntry(rd.committedEntries[i]!);
    this.stats.earlyApplies += rd.applyBeforePersist;

    if (!rd.snapshot && rd.entries.length === 0 && !hardState) {
      this.host.onWritten?.(rd);
      this.finish(rd);
      return;
    }
    const write = (): void => {
      if (rd.snapshot) this.storage.applySnapshot(rd.snapshot);
      if (rd.entries.length > 0) this.storage.append(rd.entries);
      if (hardState) this.writeHardState(hardState);
    };
    if (this.storage.batch) this.storage.batch(write);
    else write();
    this.host.onWritten?.(rd);
    this.pending = rd;
    this.stats.persists++;
    this.storage.persist((err) => this.persisted(rd, err));
  }

  private persisted(rd: Ready, err: unknown): void {
    if (this.pending !== rd || this.stopped) return;
    if (err !== undefined) {
      this.fail(err);
      return;
    }
    this.pending = undefined;
    try {
      this.finish(rd);
    } catch (e) {
      this.fail(e);
      return;
    }
    // Called back synchronously from inside run(), this only asks that loop to go on.
    this.run();
  }

  private finish(rd: Ready): void {
    if (rd.messagesAfterPersist.length > 0) this.host.send(rd.messagesAfterPersist);
    if (rd.snapshot) this.host.installSnapshot(rd.snapshot);
    for (let i = rd.applyBeforePersist; i < rd.committedEntries.length; i++) this.host.applyEntry(rd.committedEntries[i]!);
    if (rd.softState) this.host.onSoftState?.(rd.softState);
    if (rd.readStates.length > 0) this.host.onReadStates?.(rd.readStates);
    this.node.advance();
    this.host.onAdvanced?.(rd);
  }

  private writeHardState(hardState: HardState): void {
    this.storage.setHardState(hardState);
    this.writtenHardState = hardState;
  }

  private fail(err: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.host.onFatal(err);
  }
}
