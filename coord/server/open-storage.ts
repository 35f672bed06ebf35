/**
 * Opens a member's durable Raft log in its data dir, bootstrapping a founding member's storage
 * (the shared initial snapshot naming the voters) the first time.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BasaltError, ErrorCodes } from '../../common/errors.js';
import type { NodeId } from '../raft/types.js';
import { bootstrapHardState, bootstrapSnapshot, type RaftLogStorage } from '../storage/raft-log-storage.js';

interface LmdbStorageModule {
  LmdbRaftStorage: { open(path: string): RaftLogStorage | Promise<RaftLogStorage> };
}

export async function openMemberStorage(dataDir: string, voters: NodeId[]): Promise<RaftLogStorage> {
  mkdirSync(dataDir, { recursive: true });
  // Loaded by name so this module compiles while coord/storage's LMDB adapter is in progress.
  const modulePath = '../storage/lmdb-raft-storage.js';
  let mod: LmdbStorageModule;
  try {
    mod = (await import(modulePath)) as LmdbStorageModule;
  } catch (err) {
    throw new BasaltError(ErrorCodes.INTERNAL, `LMDB Raft storage unavailable: ${(err as Error).message}`);
  }
  const storage = await mod.LmdbRaftStorage.open(join(dataDir, 'raft'));
  if (storage.lastIndex() === 0 && storage.snapshot().metadata.index === 0) {
    storage.applySnapshot(bootstrapSnapshot(voters));
    storage.setHardState(bootstrapHardState());
    await storage.persist();
  }
  return storage;
}
