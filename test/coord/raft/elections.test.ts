// Elections: pre-vote keeps a rejoining partitioned member from disrupting a healthy leader, check-quorum deposes a leader cut off from its quorum, leadership transfer hands over on request, and a new leader never commits an earlier term's entry by counting.
import { describe, expect, it } from 'vitest';
import { isBasaltError } from '../../../common/errors.js';
import { MessageType, Role } from '../../../coord/raft/types.js';
import { SimCluster } from './sim/sim-cluster.js';

describe('pre-vote and check-quorum', () => {
  it('a member returning from a partition does not disrupt the healthy leader (pre-vote + check-quorum)', () => {
    const c = new SimCluster({ seed: 11, voters: [1, 2, 3] });
    const leader = c.waitForLeader();
    const follower = [1, 2, 3].find((id) => id !== leader.id)!;
    const term = leader.raft.term;
    c.isolate(follower);
    c.run(100); // ten election timeouts alone: it keeps pre-campaigning and never wins
    expect(c.node(follower).raft.term).toBe(term);
    c.heal();
    c.run(50);
    expect(c.leader()!.id).toBe(leader.id);
    expect(leader.raft.term).toBe(term);
    expect(c.node(follower).raft.leader).toBe(leader.id);
  });

  it('without pre-vote and check-quorum the same rejoining member does force a new election (the test can fail)', () => {
    const c = new SimCluster({ seed: 11, voters: [1, 2, 3], preVote: false, checkQuorum: false });
    const leader = c.waitForLeader();
    const follower = [1, 2, 3].find((id) => id !== leader.id)!;
    const term = leader.raft.term;
    c.isolate(follower);
    c.run(100);
    expect(c.node(follower).raft.term).toBeGreaterThan(term);
    c.heal();
    c.run(50);
    expect(c.leader()!.raft.term).toBeGreaterThan(term);
  });

  it('a follower that heard from its leader recently ignores a vote request even at a higher term', () => {
    const c = new SimCluster({ seed: 12, voters: [1, 2, 3] });
    const leader = c.waitForLeader();
    const [a, b] = [1, 2, 3].filter((id) => id !== leader.id) as [number, number];
    const term = leader.raft.term;
    c.node(b).raft.step({
      type: MessageType.Vote, from: a, to: b, term: term + 5, index: 1000, logTerm: term + 4,
      entries: [], commit: 0, reject: false, rejectHint: 0,
    });
    c.processReady(c.node(b));
    expect(c.node(b).raft.term).toBe(term);
    expect(c.node(b).raft.leader).toBe(leader.id);
  });

  it('a leader cut off from its quorum steps down within two election timeouts (check-quorum)', () => {
    const c = new SimCluster({ seed: 13, voters: [1, 2, 3, 4, 5] });
    const leader = c.waitForLeader();
    c.isolate(leader.id);
    let steppedDownAfter = -1;
    for (let t = 1; t <= 20; t++) {
      c.tick();
      if (leader.raft.role !== Role.Leader) {
        steppedDownAfter = t;
        break;
      }
    }
    expect(steppedDownAfter).toBeGreaterThan(0);
    expect(steppedDownAfter).toBeLessThanOrEqual(20);
    // The majority side elects someone else and keeps committing.
    const next = c.waitForLeader();
    expect(next.id).not.toBe(leader.id);
    expect(c.propose('after')).toBe(true);
    c.waitForApplied('after', 200, [1, 2, 3, 4, 5].filter((id) => id !== leader.id));
  });

  it('a follower rejects proposals with NOT_LEADER carrying the leader hint', () => {
    const c = new SimCluster({ seed: 14, voters: [1, 2, 3] });
    const leader = c.waitForLeader();
    const follower = c.node([1, 2, 3].find((id) => id !== leader.id)!);
    try {
      follower.raft.propose(new Uint8Array([1]));
      expect.unreachable();
    } catch (err) {
      expect(isBasaltError(err, 'NOT_LEADER')).toBe(true);
      expect((err as { details: { leaderHint: number } }).details.leaderHint).toBe(leader.id);
    }
  });
});

describe('leadership transfer', () => {
  it('hands leadership to the chosen voter, which wins at once with TimeoutNow', () => {
    const c = new SimCluster({ seed: 21, voters: [1, 2, 3] });
    const leader = c.waitForLeader();
    c.propose('before');
    c.waitForApplied('before');
    const target = [1, 2, 3].find((id) => id !== leader.id)!;
    leader.raft.transferLeadership(target);
    c.processReady(leader);
    c.run(3);
    expect(c.leader()!.id).toBe(target);
    expect(leader.raft.role).toBe(Role.Follower);
    expect(c.propose('after')).toBe(true);
    c.waitForApplied('after');
  });

  it('drops proposals with PROPOSAL_DROPPED while the transfer is in progress', () => {
    const c = new SimCluster({ seed: 22, voters: [1, 2, 3] });
    const leader = c.waitForLeader();
    const target = [1, 2, 3].find((id) => id !== leader.id)!;
    c.holdMessages = true;
    leader.raft.transferLeadership(target);
    c.processReady(leader);
    expect(leader.raft.status().leadTransferee).toBe(target);
    try {
      leader.raft.propose(new Uint8Array([1]));
      expect.unreachable();
    } catch (err) {
      expect(isBasaltError(err, 'PROPOSAL_DROPPED')).toBe(true);
    }
    c.holdMessages = false;
    c.run(5);
    expect(c.leader()!.id).toBe(target);
  });

  it('catches a lagging target up before sending TimeoutNow', () => {
    const c = new SimCluster({ seed: 23, voters: [1, 2, 3] });
    const leader = c.waitForLeader();
    const target = [1, 2, 3].find((id) => id !== leader.id)!;
    c.isolate(target);
    for (let i = 0; i < 20; i++) c.propose(`x${i}`);
    c.run(5);
    c.heal();
    leader.raft.transferLeadership(target);
    c.processReady(leader);
    c.run(10);
    const newLeader = c.leader()!;
    expect(newLeader.id).toBe(target);
    expect(newLeader.state).toContain('x19');
  });
});

describe('commitment rule', () => {
  it('a new leader does not commit an earlier term\'s entry by counting replicas (Raft §5.4.2)', () => {
    // One entry per Append, so the entry of the old term and the new leader's empty entry travel apart.
    const c = new SimCluster({ seed: 71, voters: [1, 2, 3], maxSizePerMessage: 1 });
    const a = c.waitForLeader();
    c.run(5);
    const [b, cc] = [1, 2, 3].filter((id) => id !== a.id) as [number, number];
    c.holdMessages = true;
    a.raft.propose(new TextEncoder().encode('X'));
    c.processReady(a);
    const x = a.raft.status().lastIndex;
    // X reaches B only; nobody acknowledges it.
    c.deliverMatching((m) => m.type === MessageType.Append && m.to === b && m.entries.some((e) => e.index === x));
    c.dropQueued();
    c.crash(a.id);
    // B and C forget A's lease; then B campaigns and wins with C's vote (B's log is longer).
    c.run(40);
    c.dropQueued();
    const leader = c.node(b);
    leader.raft.campaign();
    c.processReady(leader);
    for (let i = 0; i < 4 && leader.raft.role !== Role.Leader; i++) {
      c.deliverMatching((m) => m.type === MessageType.PreVote || m.type === MessageType.Vote);
      c.deliverMatching((m) => m.type === MessageType.PreVoteResponse || m.type === MessageType.VoteResponse);
    }
    expect(leader.raft.role).toBe(Role.Leader);
    const empty = leader.raft.status().lastIndex;
    expect(empty).toBe(x + 1);
    // Let everything through except the empty entry of the new term once C could accept it
    // (before C has X, an Append carrying it is rejected and makes B back off to X).
    const follower = c.node(cc);
    const blocked = (m: { entries: { index: number }[] }): boolean =>
      follower.storage.lastIndex() >= x && m.entries.some((e) => e.index === empty);
    for (let i = 0; i < 10; i++) {
      c.deliverMatching((m) => m.from === b && m.to === cc && !blocked(m));
      c.deliverMatching((m) => m.from === cc && m.to === b);
    }
    expect(follower.storage.lastIndex()).toBe(x);
    expect(leader.raft.status().progress![cc]!.match).toBe(x);
    // X is on two of three members, yet it is from an earlier term: not committed.
    expect(leader.raft.status().commit).toBeLessThan(x);
    c.holdMessages = false;
    c.run(5);
    expect(leader.raft.status().commit).toBeGreaterThanOrEqual(empty);
  });
});

describe('stale terms', () => {
  it('a leader holding a stale term learns the newer one from a follower it sends to, with pre-vote and check-quorum off (seed 9004639, scripted)', () => {
    // The simulation seed 9004639 found this livelock; the simulation now runs through the
    // production driver, so that seed draws another run: this is the situation, built by hand.
    const c = new SimCluster({ seed: 21, voters: [1, 2, 3], preVote: false, checkQuorum: false });
    const old = c.waitForLeader();
    c.isolate(old.id);
    let next = c.leader();
    for (let t = 0; t < 1000 && (!next || next.id === old.id); t++) {
      c.tick();
      next = c.leaders().find((n) => n.id !== old.id);
    }
    expect(next && next.id !== old.id).toBe(true);
    const newer = next!;
    expect(newer.raft.term).toBeGreaterThan(old.raft.term);
    // Only the old leader's own messages carry news now: the new leader cannot reach it, and the
    // follower, following the new leader, sends it nothing of its own accord.
    c.heal();
    c.cutLink(newer.id, old.id);
    c.run(30);
    expect(old.raft.role).not.toBe(Role.Leader);
    expect(old.raft.term).toBe(newer.raft.term);
  });
});
