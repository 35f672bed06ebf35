/**
 * Opens a member's durable Raft log in its data dir (LMDB, under DIR/raft). The first time, a
 * founding member's storage is bootstrapped with the shared initial snapshot naming the voters
 * (coord/storage: bootstrapSnapshot), and that is made durable before the member starts.
 */
import { join } from 'node:path';
import type { NodeId } from '../raft/types.js';
import { LmdbRaftStorage } from '../storage/lmdb-raft-storage.js';
import type { RaftLogStorage } from '../storage/raft-log-storage.js';

export async function openMemberStorage(dataDir: string, voters: NodeId[]): Promise<RaftLogStorage> {
  const storage = LmdbRaftStorage.open({ path: join(dataDir, 'raft'), bootstrapVoters: voters });
  await storage.persist();
  return storage;
}
