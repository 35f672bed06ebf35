/**
 * Pending read-index requests on the leader (after etcd-io/raft's read_only.go). Each request
 * records the commit index when it arrived; it becomes safe once a quorum acknowledged a
 * heartbeat carrying its context, which proves no newer leader existed at that moment. A quorum
 * ack for one context also confirms every request queued before it.
 */
import { assert } from '../../common/errors.js';
import type { NodeId } from './types.js';

export interface ReadIndexRequest {
  /** The commit index when the request arrived: the read is served at or after it. */
  index: number;
  context: Uint8Array;
  /** Who asked: the leader itself (answer with a ReadState) or a follower (answer with a message). */
  from: NodeId;
  acks: Set<NodeId>;
}

/** Bound on queued read requests (STYLE.md §8): beyond it the oldest are not worth keeping. */
export const MAX_PENDING_READS = 10_000;

export function contextKey(context: Uint8Array): string {
  return Buffer.from(context.buffer, context.byteOffset, context.byteLength).toString('latin1');
}

export class ReadOnlyQueue {
  private readonly pending = new Map<string, ReadIndexRequest>();
  private readonly queue: string[] = [];

  get size(): number {
    return this.queue.length;
  }

  /** Returns false when a request with the same context is already queued (duplicate ignored). */
  add(index: number, context: Uint8Array, from: NodeId): boolean {
    const key = contextKey(context);
    if (this.pending.has(key)) return false;
    if (this.queue.length >= MAX_PENDING_READS) return false;
    this.pending.set(key, { index, context, from, acks: new Set() });
    this.queue.push(key);
    return true;
  }

  /** Record an ack for context; returns the ack set (undefined if the context is unknown). */
  recordAck(from: NodeId, context: Uint8Array): Set<NodeId> | undefined {
    const request = this.pending.get(contextKey(context));
    if (!request) return undefined;
    request.acks.add(from);
    return request.acks;
  }

  /** Remove and return every request up to and including the one with `context`. */
  advance(context: Uint8Array): ReadIndexRequest[] {
    const key = contextKey(context);
    const position = this.queue.indexOf(key);
    if (position < 0) return [];
    const keys = this.queue.splice(0, position + 1);
    const out: ReadIndexRequest[] = [];
    for (const k of keys) {
      const request = this.pending.get(k);
      assert(request !== undefined, 'read-only queue and map agree');
      this.pending.delete(k);
      out.push(request);
    }
    return out;
  }

  lastPendingContext(): Uint8Array | undefined {
    const key = this.queue[this.queue.length - 1];
    return key === undefined ? undefined : this.pending.get(key)!.context;
  }
}
