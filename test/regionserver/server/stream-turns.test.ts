/**
 * How a stream starts the requests of one frame: small ones all in the turn the frame arrives
 * (their answers coalesce), large writes one per event-loop turn in order, so the first one's WAL
 * sync overlaps the next one's decoding; the stream reads no further frames meanwhile.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { basalt } from '../../../proto/generated/basalt.js';
import { CellType } from '../../../common/cell.js';
import { Admission, StreamSession, splitFrame, type Executor } from '../../../regionserver/server/stream.js';
import { get } from './harness.js';

import pb = basalt.regionserver;

function fakeCall() {
  return Object.assign(new EventEmitter(), {
    paused: false,
    pauses: 0,
    frames: [] as Buffer[],
    write(frame: Buffer, done: () => void) {
      this.frames.push(frame);
      setImmediate(done);
      return true;
    },
    pause() {
      this.paused = true;
      this.pauses++;
    },
    resume() {
      this.paused = false;
    },
    end() {},
  });
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

function recordingExecutor(started: number[]): Executor {
  return {
    execute: async (item) => {
      started.push(item.id ?? 0);
      await turn();
      return { id: item.id ?? 0, multi: { results: [] } };
    },
  };
}

const bigWrite = (id: number): pb.IRequestItem => ({
  id,
  multi: {
    region: 'r1',
    actions: Array.from({ length: 100 }, (_, i) => ({
      mutation: { row: Buffer.from(`row${id}-${i}`), cells: [{ family: 'cf', qualifier: Buffer.from('q'), type: CellType.Put, value: Buffer.alloc(1000, 1) }] },
    })),
  },
});

describe('starting the requests of a frame', () => {
  it('starts large writes one per turn, in order, reading no other frame meanwhile', async () => {
    const call = fakeCall();
    const started: number[] = [];
    const session = new StreamSession(call as never, recordingExecutor(started), new Admission(100), { maxInflightPerStream: 100, maxFrameBytes: 1 << 24 }, () => undefined);
    call.emit('data', Buffer.from(pb.BatchRequest.encode({ items: [1, 2, 3, 4].map(bigWrite) }).finish()));
    expect(started).toEqual([1]);
    expect(call.paused).toBe(true);
    await turn();
    expect(started).toEqual([1, 2]);
    await turn();
    await turn();
    expect(started).toEqual([1, 2, 3, 4]);
    while (session.running > 0) await turn();
    await turn();
    expect(call.paused).toBe(false);
    const answered = call.frames.flatMap((f) => pb.BatchResponse.decode(f).items.map((i) => i.id));
    expect(answered.sort()).toEqual([1, 2, 3, 4]);
  });

  it('starts a frame of small reads in the turn it arrives', async () => {
    const call = fakeCall();
    const started: number[] = [];
    new StreamSession(call as never, recordingExecutor(started), new Admission(1000), { maxInflightPerStream: 1000, maxFrameBytes: 1 << 24 }, () => undefined);
    const items = Array.from({ length: 200 }, (_, i) => ({ id: i + 1, get: { region: 'r1', get: get(`k${i}`) } }));
    call.emit('data', Buffer.from(pb.BatchRequest.encode({ items }).finish()));
    expect(started.length).toBe(200);
    expect(call.pauses).toBe(0);
  });

  it('splits a frame into its encoded items and refuses a malformed one', () => {
    const items = [bigWrite(1), { id: 2, get: { region: 'r', get: get('a') } }];
    const frame = Buffer.from(pb.BatchRequest.encode({ items }).finish());
    expect(splitFrame(frame).map((b) => pb.RequestItem.decode(b).id)).toEqual([1, 2]);
    expect(() => splitFrame(frame.subarray(0, frame.length - 3))).toThrow(/malformed/);
  });
});
