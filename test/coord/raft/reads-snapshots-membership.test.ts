// Read-index serves linearizable reads on leaders and followers (and waits for a new leader's first commit), lagging members catch up from a snapshot, and single-member configuration changes add and remove voters safely.
import { describe, expect, it } from 'vitest';
import { isBasaltError } from '../../../common/errors.js';
import { ConfChangeType, EntryType, MessageType, ProgressState, Role } from '../../../coord/raft/types.js';
import { MemoryRaftStorage } from '../../../coord/storage/memory-raft-storage.js';
import { encodeState, SimCluster } from './sim/sim-cluster.js';

const utf8 = new TextEncoder();
const none = new Uint8Array(0);

describe('read-index', () => {
  it('the leader answers with its commit index after a quorum heartbeat round', () => {
    const c = new SimCluster({ seed: 31, voters: [1, 2, 3] });
    const leader = c.waitForLeader();
    c.propose('w1');
    c.waitForApplied('w1');
    c.holdMessages = true;
    leader.raft.readIndex(utf8.encode('read-1'));
    c.processReady(leader);
    // Not before the heartbeat round: no quorum has confirmed leadership yet.
    expect(leader.reads.has('read-1')).toBe(false);
    const heartbeats = c.queued().filter((m) => m.type === MessageType.Heartbeat && m.context !== undefined);
    expect(heartbeats.length).toBe(2);
    c.deliverMatching((m) => m.type === MessageType.Heartbeat);
    c.deliverMatching((m) => m.type === MessageType.HeartbeatResponse);
    expect(leader.reads.get('read-1')).toBe(leader.raft.status().commit);
  });

  it('a follower forwards the read to the leader and receives an index covering every earlier write', () => {
    const c = new SimCluster({ seed: 32, voters: [1, 2, 3] });
    const leader = c.waitForLeader();
    for (let i = 0; i < 5; i++) c.propose(`w${i}`);
    c.waitForApplied('w4');
    const follower = c.node([1, 2, 3].find((id) => id !== leader.id)!);
    const commitBefore = leader.raft.status().commit;
    follower.raft.readIndex(utf8.encode('read-f'));
    c.processReady(follower);
    c.run(3);
    const index = follower.reads.get('read-f');
    expect(index).toBeDefined();
    expect(index!).toBeGreaterThanOrEqual(commitBefore);
    // The follower serves the read once it has applied up to that index.
    expect(follower.applied).toBeGreaterThanOrEqual(index!);
  });

  it('a follower that knows no leader refuses the read with NOT_LEADER', () => {
    const c = new SimCluster({ seed: 33, voters: [1, 2, 3] });
    try {
      c.node(1).raft.readIndex(utf8.encode('early'));
      expect.unreachable();
    } catch (err) {
      expect(isBasaltError(err, 'NOT_LEADER')).toBe(true);
    }
  });

  it('a new leader serves no read until it has committed an entry of its own term', () => {
    const c = new SimCluster({ seed: 34, voters: [1, 2, 3] });
    const old = c.waitForLeader();
    // The old leader dies; the others stop hearing from it and leave its lease.
    c.crash(old.id);
    c.holdMessages = true;
    c.run(25);
    c.dropQueued();
    const candidate = c.node([1, 2, 3].find((id) => id !== old.id)!);
    candidate.raft.campaign();
    c.processReady(candidate);
    // Pre-vote, then the vote: deliver requests and answers until node 2 leads.
    for (let i = 0; i < 4 && candidate.raft.role !== Role.Leader; i++) {
      c.deliverMatching((m) => m.type === MessageType.PreVote || m.type === MessageType.Vote);
      c.deliverMatching((m) => m.type === MessageType.PreVoteResponse || m.type === MessageType.VoteResponse);
    }
    expect(candidate.raft.role).toBe(Role.Leader);
    candidate.raft.readIndex(utf8.encode('fresh'));
    c.processReady(candidate);
    // Heartbeats alone (without the Appends that carry the empty entry) cannot release it.
    c.deliverMatching((m) => m.type === MessageType.Heartbeat);
    c.deliverMatching((m) => m.type === MessageType.HeartbeatResponse);
    expect(candidate.reads.has('fresh')).toBe(false);
    c.holdMessages = false;
    c.deliverAll();
    c.run(3);
    const index = candidate.reads.get('fresh');
    expect(index).toBeDefined();
    const emptyEntryTerm = candidate.raft.term;
    expect(candidate.storage.term(index!)).toBe(emptyEntryTerm);
  });
});

describe('snapshots and compaction', () => {
  it('a member that fell behind a compaction is caught up with a snapshot', () => {
    const c = new SimCluster({ seed: 41, voters: [1, 2, 3] });
    const leader = c.waitForLeader();
    const lagging = c.node([1, 2, 3].find((id) => id !== leader.id)!);
    c.isolate(lagging.id);
    for (let i = 0; i < 30; i++) c.propose(`v${i}`);
    c.waitForApplied('v29', 200, [1, 2, 3].filter((id) => id !== lagging.id));
    leader.storage.createSnapshot(leader.applied, leader.confState, encodeState(leader.state));
    leader.storage.compact(leader.applied);
    expect(leader.storage.firstIndex()).toBeGreaterThan(lagging.raft.status().lastIndex + 1);
    c.heal();
    c.run(30);
    expect(c.stats.snapshotsInstalled).toBe(1);
    expect(lagging.state).toEqual(leader.state);
    expect(lagging.raft.status().commit).toBe(leader.raft.status().commit);
    // Replication continues normally after the snapshot.
    c.propose('after');
    c.waitForApplied('after');
    expect(leader.raft.status().progress![lagging.id]!.state).toBe(ProgressState.Replicate);
  });

  it('a snapshot lost on the way is sent again after the leader gives up waiting for it', () => {
    const c = new SimCluster({ seed: 43, voters: [1, 2, 3] });
    const leader = c.waitForLeader();
    const lagging = c.node([1, 2, 3].find((id) => id !== leader.id)!);
    c.isolate(lagging.id);
    for (let i = 0; i < 10; i++) c.propose(`v${i}`);
    c.run(5);
    leader.storage.createSnapshot(leader.applied, leader.confState, encodeState(leader.state));
    leader.storage.compact(leader.applied);
    c.heal();
    c.holdMessages = true;
    // Deliver everything except snapshots until the leader has sent one; then lose it.
    let lost = 0;
    for (let round = 0; round < 20 && lost === 0; round++) {
      c.tick();
      for (let i = 0; i < 5; i++) c.deliverMatching((m) => m.type !== MessageType.Snapshot);
      lost = c.queued().filter((m) => m.type === MessageType.Snapshot && m.to === lagging.id).length;
    }
    expect(lost).toBe(1);
    expect(leader.raft.status().progress![lagging.id]!.state).toBe(ProgressState.Snapshot);
    c.dropQueued();
    c.holdMessages = false;
    c.run(40);
    expect(c.stats.snapshotsInstalled).toBe(1);
    expect(lagging.state).toEqual(leader.state);
    expect(leader.raft.status().progress![lagging.id]!.state).toBe(ProgressState.Replicate);
  });

  it('reportSnapshot(failed) and reportUnreachable send the leader back to probing', () => {
    const c = new SimCluster({ seed: 44, voters: [1, 2, 3] });
    const leader = c.waitForLeader();
    c.propose('x');
    c.waitForApplied('x');
    const f = [1, 2, 3].find((id) => id !== leader.id)!;
    expect(leader.raft.status().progress![f]!.state).toBe(ProgressState.Replicate);
    leader.raft.reportUnreachable(f);
    expect(leader.raft.status().progress![f]!.state).toBe(ProgressState.Probe);
  });

  it('a member restarts when its stored commit index lags its snapshot (commit persisted lazily)', () => {
    const c = new SimCluster({ seed: 45, voters: [1, 2, 3] });
    const leader = c.waitForLeader();
    for (let i = 0; i < 10; i++) c.propose(`v${i}`);
    c.waitForApplied('v9');
    const f = c.node([1, 2, 3].find((id) => id !== leader.id)!);
    f.storage.createSnapshot(f.applied, f.confState, encodeState(f.state));
    f.storage.compact(f.applied - 2);
    const hs = f.storage.initialState().hardState;
    f.storage.setHardState({ ...hs, commit: 2 });
    f.storage.persistNow();
    c.crash(f.id);
    c.restart(f.id);
    expect(c.node(f.id).raft.status().commit).toBe(f.applied);
    c.propose('after');
    c.waitForApplied('after');
  });

  it('a restarted member resumes from its persisted snapshot and log', () => {
    const c = new SimCluster({ seed: 42, voters: [1, 2, 3] });
    const leader = c.waitForLeader();
    for (let i = 0; i < 10; i++) c.propose(`v${i}`);
    c.waitForApplied('v9');
    const f = c.node([1, 2, 3].find((id) => id !== leader.id)!);
    f.storage.createSnapshot(f.applied - 3, f.confState, encodeState(f.state.slice(0, f.state.length - 3)));
    f.storage.persistNow();
    c.crash(f.id);
    c.restart(f.id);
    const restarted = c.node(f.id);
    c.run(20);
    expect(restarted.state).toEqual(leader.state);
  });
});

describe('membership changes', () => {
  it('adds a fresh member, which learns the configuration from a snapshot and then votes', () => {
    const c = new SimCluster({ seed: 51, voters: [1, 2, 3] });
    c.waitForLeader();
    c.propose('a');
    c.waitForApplied('a');
    c.addNode(4, new MemoryRaftStorage());
    expect(c.proposeConfChange({ type: ConfChangeType.AddNode, nodeId: 4, context: utf8.encode('host4:7000') })).toBe(true);
    c.propose('b');
    c.waitForApplied('b', 300, [1, 2, 3, 4]);
    expect(c.node(4).confState.voters).toEqual([1, 2, 3, 4]);
    expect(c.node(4).state).toEqual(['a', 'b']);
    expect(c.leader()!.raft.status().voters).toEqual([1, 2, 3, 4]);
  });

  it('allows one pending configuration change at a time', () => {
    const c = new SimCluster({ seed: 52, voters: [1, 2, 3] });
    const leader = c.waitForLeader();
    c.run(5);
    c.holdMessages = true;
    leader.raft.proposeConfChange({ type: ConfChangeType.AddNode, nodeId: 4, context: none });
    try {
      leader.raft.proposeConfChange({ type: ConfChangeType.AddNode, nodeId: 5, context: none });
      expect.unreachable();
    } catch (err) {
      expect(isBasaltError(err, 'PROPOSAL_DROPPED')).toBe(true);
    }
  });

  it('removes a follower: the remaining two keep committing without it', () => {
    const c = new SimCluster({ seed: 53, voters: [1, 2, 3] });
    const leader = c.waitForLeader();
    const removed = [1, 2, 3].find((id) => id !== leader.id)!;
    c.proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: removed, context: none });
    c.run(10);
    expect(leader.raft.status().voters).not.toContain(removed);
    c.crash(removed);
    c.propose('two');
    c.waitForApplied('two');
    expect(leader.raft.status().voters.length).toBe(2);
  });

  it('a removed leader steps down and the others elect a new one', () => {
    const c = new SimCluster({ seed: 54, voters: [1, 2, 3] });
    const leader = c.waitForLeader();
    c.run(5);
    c.proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: leader.id, context: none });
    c.run(5);
    expect(leader.raft.role).toBe(Role.Follower);
    expect(leader.raft.status().voters).not.toContain(leader.id);
    const next = c.waitForLeader();
    expect(next.id).not.toBe(leader.id);
    expect(c.propose('without-old-leader')).toBe(true);
    c.waitForApplied('without-old-leader');
    // The removed node never campaigns again: it is not a voter.
    c.run(100);
    expect(leader.raft.role).toBe(Role.Follower);
  });

  it('a learner receives the log but does not count towards the quorum, until promoted', () => {
    const c = new SimCluster({ seed: 56, voters: [1, 2, 3] });
    const leader = c.waitForLeader();
    c.run(5);
    c.addNode(4, new MemoryRaftStorage());
    expect(c.proposeConfChange({ type: ConfChangeType.AddLearner, nodeId: 4, context: none })).toBe(true);
    c.propose('to-learner');
    c.waitForApplied('to-learner', 300, [1, 2, 3, 4]);
    expect(leader.raft.status().learners).toEqual([4]);
    expect(c.node(4).raft.status().voters).toEqual([1, 2, 3]);
    // With two voters down, the learner cannot help form a quorum: nothing commits.
    const others = [1, 2, 3].filter((id) => id !== leader.id);
    for (const id of others) c.crash(id);
    const commit = leader.raft.status().commit;
    c.propose('stuck');
    c.run(5);
    expect(leader.raft.status().commit).toBe(commit);
    for (const id of others) c.restart(id);
    c.waitForLeader();
    c.run(5);
    // Promotion makes it a voter; it never campaigned while a learner.
    expect(c.proposeConfChange({ type: ConfChangeType.AddNode, nodeId: 4, context: none })).toBe(true);
    c.run(10);
    expect(c.leader()!.raft.status().voters).toEqual([1, 2, 3, 4]);
    expect(c.leader()!.raft.status().learners).toEqual([]);
  });

  it('applies a conf change only when the entry is applied, not when it is appended', () => {
    const c = new SimCluster({ seed: 55, voters: [1, 2, 3] });
    const leader = c.waitForLeader();
    c.run(5);
    c.holdMessages = true;
    leader.raft.proposeConfChange({ type: ConfChangeType.AddNode, nodeId: 9, context: none });
    c.processReady(leader);
    expect(leader.raft.status().voters).toEqual([1, 2, 3]);
    const last = leader.storage.entries(leader.storage.lastIndex(), leader.storage.lastIndex() + 1, 1000)[0]!;
    expect(last.type).toBe(EntryType.ConfChange);
    c.holdMessages = false;
    c.run(3);
    expect(leader.raft.status().voters).toEqual([1, 2, 3, 9]);
  });
});
