// Proves the production Ready loop's ordering with persists held outstanding: a leader's Appends leave before its own write is durable, while acknowledgements and votes wait for the sender's write and a Ready that changes the term holds everything; committed entries already durable apply during the next persist; a crash before the persist loses a vote nobody saw.
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../common/random.js';
import { RaftDriver } from '../../../coord/raft/driver.js';
import { RaftNode } from '../../../coord/raft/raft-node.js';
import { MessageType, Role, type Entry, type Message, type NodeId } from '../../../coord/raft/types.js';
import { FaultyRaftStorage } from '../../../coord/storage/faulty-raft-storage.js';
import { MemoryRaftStorage } from '../../../coord/storage/memory-raft-storage.js';

const utf8 = new TextEncoder();
const text = new TextDecoder();

/** One node: the production driver over fault-injecting storage whose persists the test releases by hand. */
class Member {
  node!: RaftNode;
  driver!: RaftDriver;
  storage: FaultyRaftStorage;
  /** Persists asked for and not yet released (when holding). */
  readonly held: (() => void)[] = [];
  holdPersists = false;
  /** Every message the driver handed to the transport, in order. */
  readonly sent: Message[] = [];
  readonly applied: Entry[] = [];

  constructor(
    readonly id: NodeId,
    durable: MemoryRaftStorage,
    private readonly preVote: boolean,
  ) {
    this.storage = new FaultyRaftStorage(durable);
    this.start();
  }

  private start(): void {
    const random = new SeededRandom(this.id);
    this.node = new RaftNode({
      id: this.id,
      electionTicks: 10,
      heartbeatTicks: 1,
      storage: this.storage,
      applied: this.storage.snapshot().metadata.index,
      maxSizePerMessage: 1024 * 1024,
      maxInflightMessages: 16,
      preVote: this.preVote,
      checkQuorum: false,
      random: () => random.next(),
    });
    this.driver = new RaftDriver({
      node: this.node,
      persistedHardState: this.storage.initialState().hardState,
      scheduler: { schedule: (run) => run() },
      storage: {
        applySnapshot: (s) => this.storage.applySnapshot(s),
        append: (entries) => this.storage.append(entries),
        setHardState: (hs) => this.storage.setHardState(hs),
        persist: (done) => {
          const complete = (): void => {
            this.storage.persistNow();
            done();
          };
          if (this.holdPersists) this.held.push(complete);
          else complete();
        },
      },
      host: {
        send: (messages) => this.sent.push(...messages),
        applyEntry: (entry) => {
          this.applied.push(entry);
          if (entry.index > 0) this.appliedIndex = entry.index;
        },
        installSnapshot: () => {},
        onFatal: (err) => {
          throw err;
        },
      },
    });
  }

  appliedIndex = 0;

  /** Complete the persists held now (not those the completions themselves start). */
  releasePersists(): void {
    for (const complete of this.held.splice(0)) complete();
  }

  /** Simulated crash before the held persists complete, then a restart from what is on disk. */
  crashAndRestart(): void {
    this.driver.stop();
    this.held.length = 0;
    this.storage = this.storage.crash();
    this.start();
  }

  take(type?: MessageType): Message[] {
    const out: Message[] = [];
    for (let i = 0; i < this.sent.length; ) {
      if (type === undefined || this.sent[i]!.type === type) out.push(...this.sent.splice(i, 1));
      else i++;
    }
    return out;
  }
}

function cluster(preVote = false): Map<NodeId, Member> {
  return new Map([1, 2, 3].map((id) => [id, new Member(id, MemoryRaftStorage.bootstrap([1, 2, 3]), preVote)] as const));
}

/** Deliver everything sent until quiet (persists complete at once unless held). */
function settle(members: Map<NodeId, Member>): void {
  for (let round = 0; round < 100; round++) {
    let moved = false;
    for (const m of members.values()) {
      for (const message of m.take()) {
        moved = true;
        members.get(message.to)!.driver.step(message);
      }
    }
    if (!moved) return;
  }
  throw new Error('did not settle');
}

function electOne(members: Map<NodeId, Member>): Member {
  const leader = members.get(1)!;
  leader.node.campaign();
  leader.driver.run();
  settle(members);
  expect(leader.node.role).toBe(Role.Leader);
  return leader;
}

describe('the Raft driver (the member loop and the simulation share it)', () => {
  it("sends a leader's Appends while its own persist is outstanding, and a follower's acknowledgement only after the follower's persist", () => {
    const members = cluster();
    const leader = electOne(members);
    const follower = members.get(2)!;
    for (const m of members.values()) m.holdPersists = true;

    leader.node.propose(utf8.encode('x'));
    leader.driver.run();
    // The textbook loop (persist, then send) would have sent nothing yet.
    expect(leader.driver.persisting).toBe(true);
    const appends = leader.take(MessageType.Append).filter((m) => m.entries.length > 0);
    expect(appends.map((m) => m.to).sort()).toEqual([2, 3]);
    const index = appends[0]!.entries.at(-1)!.index;

    follower.driver.step(appends.find((m) => m.to === 2)!);
    expect(follower.driver.persisting).toBe(true);
    expect(follower.take(MessageType.AppendResponse)).toEqual([]);
    follower.releasePersists();
    const acks = follower.take(MessageType.AppendResponse);
    expect(acks).toHaveLength(1);
    expect(acks[0]!.index).toBe(index);

    // Leader + one follower is a quorum, but the leader's own copy is not durable yet: nothing commits.
    leader.driver.step(acks[0]!);
    expect(leader.node.status().commit).toBeLessThan(index);
    leader.releasePersists();
    expect(leader.node.status().commit).toBe(index);
  });

  it('sends a vote only after the voter persisted it, and a crash before that persist loses a vote nobody saw', () => {
    const members = cluster(false);
    for (const m of members.values()) m.holdPersists = true;
    const candidate = members.get(1)!;
    const voter = members.get(2)!;
    candidate.node.campaign();
    candidate.driver.run();
    // A new term and a self-vote: nothing may leave before they are durable.
    expect(candidate.take()).toEqual([]);
    candidate.releasePersists();
    const request = candidate.take(MessageType.Vote).find((m) => m.to === 2)!;
    expect(request.term).toBe(2);

    voter.driver.step(request);
    expect(voter.driver.persisting).toBe(true);
    expect(voter.take(MessageType.VoteResponse)).toEqual([]);
    voter.crashAndRestart();
    expect(voter.node.status().term).toBeLessThan(2);
    expect(voter.node.status().vote).toBe(0);
    expect(voter.sent).toEqual([]);

    // Asked again after the restart, it votes and answers once the vote is durable.
    voter.driver.step(request);
    expect(voter.take(MessageType.VoteResponse)).toEqual([]);
    voter.releasePersists();
    const answer = voter.take(MessageType.VoteResponse);
    expect(answer).toHaveLength(1);
    expect(answer[0]!.reject).toBe(false);
    expect(voter.node.status()).toMatchObject({ term: 2, vote: 1 });
  });

  it("applies committed entries that were durable before the current Ready while that Ready's persist is outstanding", () => {
    const members = cluster();
    const leader = electOne(members);
    leader.holdPersists = true;
    leader.node.propose(utf8.encode('a'));
    leader.driver.run();
    // Both followers persist at once and acknowledge: a quorum without the leader commits 'a'.
    settle(members);
    const indexA = leader.node.status().commit;
    expect(leader.node.status().lastIndex).toBe(indexA);
    leader.node.propose(utf8.encode('b'));
    expect(leader.applied.map((e) => text.decode(e.data))).not.toContain('a');

    // The persist of 'a' completes; the next Ready writes 'b' and is held, yet 'a' (durable) applies now.
    leader.releasePersists();
    expect(leader.driver.persisting).toBe(true);
    expect(leader.applied.map((e) => text.decode(e.data))).toContain('a');
    expect(leader.appliedIndex).toBe(indexA);
    expect(leader.driver.stats.earlyApplies).toBeGreaterThan(0);
    expect(leader.storage.unpersistedWrites).toBeGreaterThan(0);
    leader.releasePersists();
    settle(members);
    leader.releasePersists();
    settle(members);
    expect(leader.applied.filter((e) => e.data.byteLength > 0).map((e) => text.decode(e.data))).toEqual(['a', 'b']);
  });

  it('holds every message of a Ready that changes the term, even a heartbeat answer that may otherwise leave at once', () => {
    const members = cluster();
    const leader = electOne(members);
    const follower = members.get(2)!;
    const term = leader.node.term;
    const heartbeat = (t: number): Message => ({ type: MessageType.Heartbeat, from: 1, to: 2, term: t, index: 0, logTerm: 0, entries: [], commit: 0, reject: false, rejectHint: 0 });

    follower.node.step(heartbeat(term));
    const same = follower.node.ready();
    expect(same.messages.map((m) => m.type)).toEqual([MessageType.HeartbeatResponse]);
    expect(same.messagesAfterPersist).toEqual([]);
    follower.node.advance();

    // A heartbeat from a leader of a newer term: the follower's new term must be durable first.
    follower.node.step(heartbeat(term + 1));
    const newer = follower.node.ready();
    expect(newer.hardState?.term).toBe(term + 1);
    expect(newer.messages).toEqual([]);
    expect(newer.messagesAfterPersist.map((m) => m.type)).toEqual([MessageType.HeartbeatResponse]);
  });
});
