/** Proves that a member stops (onFatal with the reason, every waiting request failed) when the Raft core throws while stepping a peer message, as its Ready loop does, while a refused input (a message for another member, or claiming to come from itself) is a value that leaves it running; and that a command that would not decode when applied is refused at propose time (issue 7, defects 6 and 12). */
import { afterEach, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../common/config.js';
import { CoordServer } from '../../../coord/server/coord-server.js';
import { MemoryRaftStorage } from '../../../coord/storage/memory-raft-storage.js';
import { MessageType, type Message } from '../../../coord/raft/types.js';
import { TEST_COORD_CONFIG, waitFor } from '../../support/coord-ensemble.js';

let server: CoordServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function message(fields: Partial<Message>): Message {
  return { type: MessageType.Heartbeat, from: 2, to: 1, term: 1, index: 0, logTerm: 0, entries: [], commit: 0, reject: false, rejectHint: 0, ...fields } as Message;
}

async function startLeader(onFatal: (err: unknown) => void): Promise<CoordServer> {
  const s = await CoordServer.listen();
  s.start({ id: 1, peers: new Map([[1, s.address]]), storage: MemoryRaftStorage.bootstrap([1]), config: { ...DEFAULT_CONFIG.coord, ...TEST_COORD_CONFIG }, onFatal });
  await waitFor('leadership', () => s.coordMember?.isLeader());
  return s;
}

it('stops the member with the reason when the core throws while stepping a peer message', async () => {
  const fatal: unknown[] = [];
  server = await startLeader((err) => fatal.push(err));
  const member = server.coordMember!;
  // Break the core: its next step hits a broken invariant.
  const raft = (member as unknown as { node: { raft: { step(m: Message): void } } }).node.raft;
  raft.step = () => {
    throw new Error('invariant violated: test-injected');
  };
  member.step(message({ from: 2, term: 99 }));
  expect(fatal).toHaveLength(1);
  expect(String(fatal[0])).toContain('test-injected');
  // A stopped member serves nothing: a request fails instead of running on half-changed state.
  await expect(member.propose({ type: 'extendAll', nowMs: 0 })).rejects.toMatchObject({ code: expect.stringMatching(/INTERNAL|UNAVAILABLE|NOT_LEADER/) });
});

it('refuses a peer message for another member or claiming to be from itself as a value, and keeps running', async () => {
  const fatal: unknown[] = [];
  server = await startLeader((err) => fatal.push(err));
  const member = server.coordMember!;
  member.step(message({ to: 7 }));
  member.step(message({ type: MessageType.ReadIndex, from: 1, to: 1, term: 0 }));
  member.step(message({ type: MessageType.Vote, from: 1, to: 1, term: 50 }));
  member.step(message({ from: 0, term: 60 }));
  expect(fatal).toEqual([]);
  expect(member.isLeader()).toBe(true);
  const { zxid } = await member.propose({ type: 'extendAll', nowMs: 0 });
  expect(zxid).toBeGreaterThan(0);
});

it('refuses at propose time a command the state machine could not decode when applied, proposing nothing', async () => {
  server = await startLeader(() => undefined);
  const member = server.coordMember!;
  const before = member.appliedIndex();
  // protobufjs writes a lone surrogate as bytes that are not UTF-8: decoding the entry would throw.
  await expect(member.propose({ type: 'create', path: '/x\ud800', data: new Uint8Array(0), mode: 0, sessionId: 0, nowMs: 0 })).rejects.toMatchObject({
    code: 'INVALID_ARGUMENT',
    details: { field: 'command' },
  });
  await member.propose({ type: 'extendAll', nowMs: 0 });
  expect(member.appliedIndex()).toBe(before + 1);
});
