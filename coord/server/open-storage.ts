/**
 * Opens a member's durable Raft log in its data dir: an append-only record file under
 * DIR/raft-log (coord/storage/file-raft-storage.ts: one write and one fdatasync per Ready). A
 * data dir written by an earlier version keeps its LMDB log under DIR/raft and goes on using it.
 * The first time, a founding member's storage is bootstrapped with the shared initial snapshot
 * naming the voters (coord/storage: bootstrapSnapshot), and that is made durable before the
 * member starts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeId } from '../raft/types.js';
import { FileRaftStorage } from '../storage/file-raft-storage.js';
import { LmdbRaftStorage } from '../storage/lmdb-raft-storage.js';
import type { RaftLogStorage } from '../storage/raft-log-storage.js';

export async function openMemberStorage(dataDir: string, voters: NodeId[]): Promise<RaftLogStorage> {
  const lmdbDir = join(dataDir, 'raft');
  // No voters: a member joining a running ensemble starts with no configuration at all.
  const bootstrapVoters = voters.length > 0 ? voters : undefined;
  const storage = existsSync(join(lmdbDir, 'data.mdb'))
    ? LmdbRaftStorage.open({ path: lmdbDir, ...(bootstrapVoters ? { bootstrapVoters } : {}) })
    : FileRaftStorage.open({ path: join(dataDir, 'raft-log'), ...(bootstrapVoters ? { bootstrapVoters } : {}) });
  await storage.persist();
  return storage;
}
