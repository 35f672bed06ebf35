// Proves that every WAL implementation (memory, fault-injecting, files on disk) passes the one conformance suite.
import { mkdtemp, readdir, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaultInjectingWal } from '../../../regionserver/wal/fault-injecting-wal.js';
import { MemoryWal, MemoryWalStorage } from '../../../regionserver/wal/memory-wal.js';
import type { MemoryWalDisk } from '../../../regionserver/wal/disk.js';
import { SegmentWal } from '../../../regionserver/wal/segment-wal.js';
import { listSegmentIds, segmentFileName } from '../../../regionserver/wal/segment-files.js';
import { walConformanceSuite, type WalHarness } from './conformance.js';

function memoryHarness(make: (storage: MemoryWalDisk, dir: string, options: object) => SegmentWal): () => Promise<WalHarness> {
  return async () => {
    const storage = new MemoryWalStorage();
    const dir = '/root/wal/server-1';
    const path = async (which: 'oldest' | 'newest'): Promise<string> => {
      const segmentIds = await listSegmentIds(storage, dir);
      return join(dir, segmentFileName(which === 'oldest' ? segmentIds[0]! : segmentIds[segmentIds.length - 1]!));
    };
    return {
      async open(options = {}) {
        const wal = make(storage, dir, options);
        await wal.opened();
        return wal;
      },
      fileCount: async () => (await listSegmentIds(storage, dir)).length,
      async appendToNewestFile(bytes) {
        const p = await path('newest');
        storage.setFileBytes(p, Buffer.concat([storage.fileBytes(p)!, bytes]));
      },
      async flipByteInOldestFile(offset) {
        const p = await path('oldest');
        const data = Buffer.from(storage.fileBytes(p)!);
        data[offset] = data[offset]! ^ 0x5a;
        storage.setFileBytes(p, data);
      },
      async cleanup() {},
    };
  };
}

walConformanceSuite(
  'MemoryWal',
  memoryHarness((storage, dir, options) => new MemoryWal({ ...options, storage, dir })),
);

walConformanceSuite(
  'FaultInjectingWal',
  memoryHarness((storage, dir, options) => new FaultInjectingWal({ ...options, storage, dir })),
);

walConformanceSuite('SegmentWal on disk', async () => {
  const root = await mkdtemp(join(tmpdir(), 'basalt-wal-'));
  const dir = join(root, 'wal', 'server-1');
  const segmentPath = async (which: 'oldest' | 'newest'): Promise<string> => {
    const names = (await readdir(dir)).filter((n) => n.endsWith('.log')).sort();
    return join(dir, which === 'oldest' ? names[0]! : names[names.length - 1]!);
  };
  return {
    open: (options = {}) => SegmentWal.open({ ...options, dir }),
    fileCount: async () => (await readdir(dir)).filter((n) => n.endsWith('.log')).length,
    async appendToNewestFile(bytes) {
      await appendFile(await segmentPath('newest'), bytes);
    },
    async flipByteInOldestFile(offset) {
      const p = await segmentPath('oldest');
      const data = await readFile(p);
      data[offset] = data[offset]! ^ 0x5a;
      await writeFile(p, data);
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});
