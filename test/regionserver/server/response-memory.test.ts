/**
 * Proves that response memory is bounded by bytes, per stream and per server: a client that sends
 * 1,000 gets of a 1 MiB row in one frame and never reads gets SERVER_BUSY for the reads past the
 * bound, the stream stops reading, and the process's RSS stays far below the 1 GB an unbounded
 * queue would hold (figures printed).
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { basalt } from '../../../proto/generated/basalt.js';
import { ErrorCodes } from '../../../common/errors.js';
import { Admission, ResponseMemory, StreamSession, type Executor } from '../../../regionserver/server/stream.js';
import { get } from './harness.js';

import pb = basalt.regionserver;

const MiB = 1024 * 1024;

/** A transport whose peer never reads: write callbacks never fire; frames are held, as HTTP/2 would. */
function stalledCall() {
  return Object.assign(new EventEmitter(), {
    paused: false,
    frames: [] as Buffer[],
    write(frame: Buffer, _done: () => void) {
      this.frames.push(frame);
      return false;
    },
    pause() {
      this.paused = true;
    },
    resume() {
      this.paused = false;
    },
    end() {},
  });
}

/** Answers every get with the same 1 MiB cell (as reads share the memstore's buffers until encoded). */
const SHARED_VALUE = Buffer.alloc(MiB, 7);
const bigRows: Executor = {
  execute: async (item) => ({ id: item.id ?? 0, get: { row: { row: Buffer.from('r'), cells: [{ family: 'cf', qualifier: Buffer.from('q'), value: SHARED_VALUE }] } } }),
};

const getFrame = (from: number, n: number): Buffer =>
  Buffer.from(pb.BatchRequest.encode({ items: Array.from({ length: n }, (_, i) => ({ id: from + i, get: { region: 'r1', get: get('r') } })) }).finish());

function decodeAll(frames: Buffer[]): pb.IResponseItem[] {
  return frames.flatMap((f) => pb.BatchResponse.decode(f).items);
}

async function settle(session: StreamSession): Promise<void> {
  while (session.running > 0) await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
}

describe('response memory bounded by bytes', () => {
  it('a stream that is never read holds at most its byte bound; further reads answer SERVER_BUSY and reading stops', async () => {
    const rssBefore = process.memoryUsage().rss;
    const call = stalledCall();
    const memory = new ResponseMemory(256 * MiB);
    const session = new StreamSession(call as never, bigRows, new Admission(10_000), { maxInflightPerStream: 4_096, maxFrameBytes: 18 * MiB, maxQueuedBytesPerStream: 16 * MiB, memory }, () => undefined);
    const started = performance.now();
    call.emit('data', getFrame(1, 1_000));
    await settle(session);
    console.log(`settled in ${(performance.now() - started).toFixed(0)} ms`);
    const rssAfter = process.memoryUsage().rss;
    const items = decodeAll(call.frames);
    const served = items.filter((i) => i.get?.row);
    const busy = items.filter((i) => i.error?.code === ErrorCodes.SERVER_BUSY);
    console.log(`1,000 × 1 MiB gets, never read: ${served.length} served, ${busy.length} SERVER_BUSY, queued ${(session.queuedBytes / MiB).toFixed(1)} MiB, RSS +${((rssAfter - rssBefore) / MiB).toFixed(0)} MiB`);
    expect(served.length + busy.length).toBe(1_000);
    expect(session.queuedBytes).toBeLessThanOrEqual(17 * MiB);
    expect(memory.usedBytes).toBe(session.queuedBytes);
    expect(busy.length).toBeGreaterThan(900);
    expect(call.paused).toBe(true);
    expect(rssAfter - rssBefore).toBeLessThan(512 * MiB);
    call.emit('close');
    expect(memory.usedBytes).toBe(0);
  });

  it('streams together never queue more than the server-wide bound', async () => {
    const memory = new ResponseMemory(24 * MiB);
    const calls = [stalledCall(), stalledCall(), stalledCall()];
    const sessions = calls.map(
      (call) => new StreamSession(call as never, bigRows, new Admission(10_000), { maxInflightPerStream: 4_096, maxFrameBytes: 18 * MiB, maxQueuedBytesPerStream: 16 * MiB, memory }, () => undefined),
    );
    calls.forEach((call, i) => call.emit('data', getFrame(i * 100 + 1, 40)));
    for (const s of sessions) await settle(s);
    const total = sessions.reduce((n, s) => n + s.queuedBytes, 0);
    expect(total).toBe(memory.usedBytes);
    expect(total).toBeLessThanOrEqual(24 * MiB);
    expect(calls.every((c) => c.paused)).toBe(true);
    const busy = calls.flatMap((c) => decodeAll(c.frames)).filter((i) => i.error?.code === ErrorCodes.SERVER_BUSY);
    expect(busy.length).toBeGreaterThan(90);
    for (const c of calls) c.emit('close');
    expect(memory.usedBytes).toBe(0);
  });

  it('a write is always answered, even past the bound (its answer reports an outcome)', async () => {
    const call = stalledCall();
    const memory = new ResponseMemory(MiB);
    const executor: Executor = { execute: async (item) => (item.get ? bigRows.execute(item) : { id: item.id ?? 0, mutate: {} }) };
    const session = new StreamSession(call as never, executor, new Admission(10_000), { maxInflightPerStream: 4_096, maxFrameBytes: 18 * MiB, maxQueuedBytesPerStream: MiB, memory }, () => undefined);
    call.emit('data', getFrame(1, 3));
    call.emit('data', Buffer.from(pb.BatchRequest.encode({ items: [{ id: 99, mutate: { region: 'r1', mutation: { row: Buffer.from('w'), cells: [] } } }] }).finish()));
    await settle(session);
    const items = decodeAll(call.frames);
    expect(items.find((i) => i.id === 99)?.mutate).toBeDefined();
  });
});
