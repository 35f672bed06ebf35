/** Proves that the Raft file log cuts only a torn tail on reopening, and that damage before an intact record (persisted terms, votes and entries going bad) is a CORRUPT_WAL error naming the offset that leaves the file untouched, so the member stops instead of losing what it promised (issue 7, defect 7). */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { FileRaftStorage } from '../../../coord/storage/file-raft-storage.js';
import { isBasaltError } from '../../../common/errors.js';
import type { Entry } from '../../../coord/raft/types.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'basalt-raftlog-corrupt-'));
  dirs.push(d);
  return d;
}

function entry(index: number, term: number): Entry {
  return { index, term, type: 0, data: Buffer.from(`e${index}t${term}`) } as Entry;
}

/** Offsets of the records in a log file ([u32 length][u32 crc][body]). */
function recordOffsets(bytes: Buffer): number[] {
  const out: number[] = [];
  for (let at = 0; at + 8 <= bytes.length; at += 8 + bytes.readUInt32LE(at)) out.push(at);
  return out;
}

async function writeLog(path: string): Promise<void> {
  const s = FileRaftStorage.open({ path, bootstrapVoters: [1, 2, 3] });
  s.append([entry(2, 1), entry(3, 1)]);
  await s.persist();
  s.setHardState({ term: 2, vote: 2, commit: 3 });
  await s.persist();
  s.append([entry(4, 2)]);
  await s.close();
}

it('cuts a torn last record (a partial write) and keeps everything before it', async () => {
  const path = tempDir();
  await writeLog(path);
  const file = join(path, 'raft.log');
  const bytes = readFileSync(file);
  const last = recordOffsets(bytes).at(-1)!;
  writeFileSync(file, bytes.subarray(0, last + 11));
  const s = FileRaftStorage.open({ path });
  expect(s.lastIndex()).toBe(3);
  expect(s.initialState().hardState).toEqual({ term: 2, vote: 2, commit: 3 });
  expect(statSync(file).size).toBe(last);
  await s.close();
});

it('cuts a last record that fails its checksum when nothing intact follows it', async () => {
  const path = tempDir();
  await writeLog(path);
  const file = join(path, 'raft.log');
  const bytes = readFileSync(file);
  const last = recordOffsets(bytes).at(-1)!;
  bytes[bytes.length - 2]! ^= 0xff;
  writeFileSync(file, bytes);
  const s = FileRaftStorage.open({ path });
  expect(s.lastIndex()).toBe(3);
  expect(statSync(file).size).toBe(last);
  await s.close();
});

it('refuses to open a log damaged before an intact record, naming the offset, and changes nothing', async () => {
  const path = tempDir();
  await writeLog(path);
  const file = join(path, 'raft.log');
  const bytes = readFileSync(file);
  const offsets = recordOffsets(bytes);
  // The first group (bootstrap, entries 2 and 3): the hard state (term 2, vote 2) and entry 4 follow it.
  expect(offsets).toHaveLength(3);
  const damaged = offsets[0]!;
  bytes[damaged + 12]! ^= 0xff;
  writeFileSync(file, bytes);
  let caught: unknown;
  try {
    FileRaftStorage.open({ path });
  } catch (err) {
    caught = err;
  }
  expect(isBasaltError(caught)).toBe(true);
  expect(caught).toMatchObject({ code: 'CORRUPT_WAL', details: { offset: damaged } });
  expect(readFileSync(file).equals(bytes)).toBe(true);
});

it('refuses a damaged length field mid-file too (the next record is found by its checksum)', async () => {
  const path = tempDir();
  await writeLog(path);
  const file = join(path, 'raft.log');
  const bytes = readFileSync(file);
  const damaged = recordOffsets(bytes)[1]!;
  bytes.writeUInt32LE(0x7fff0000, damaged);
  writeFileSync(file, bytes);
  expect(() => FileRaftStorage.open({ path })).toThrow(expect.objectContaining({ code: 'CORRUPT_WAL' }));
  expect(readFileSync(file).equals(bytes)).toBe(true);
});
