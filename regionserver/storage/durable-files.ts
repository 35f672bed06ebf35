/**
 * The file operations whose durability a region depends on — store file and manifest writes —
 * behind one narrow interface (STYLE.md §4), as the WAL's are behind WalDisk: the real file system
 * (nodeDurableFiles) and a simulated one that loses what was not synced at a simulated power loss
 * (FaultInjectingFiles, fault-injecting-files.ts). A write is durable only after `syncFile`; a
 * rename, creation or removal only after `syncDir` of the directories it touched.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

export interface DurableFiles {
  /**
   * `path`'s contents are being written outside this layer (an LMDB environment): they are not
   * durable until `syncFile(path)`, nor is the new directory entry until `syncDir`.
   */
  willWrite(path: string): void;
  /** Creates or replaces `path` with `data` (not durable yet). */
  writeFile(path: string, data: string | Buffer): void;
  /** Makes `path`'s contents durable (fsync). */
  syncFile(path: string): void;
  /** Makes the entries of `dir` durable (fsync of the directory). */
  syncDir(dir: string): void;
  rename(from: string, to: string): void;
  remove(path: string): void;
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export const nodeDurableFiles: DurableFiles = {
  willWrite: () => undefined,
  writeFile(path, data) {
    const fd = openSync(path, 'w');
    try {
      if (typeof data === 'string') writeSync(fd, data);
      else writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
  },
  syncFile: fsyncPath,
  syncDir: fsyncPath,
  rename: (from, to) => renameSync(from, to),
  remove: (path) => rmSync(path, { force: true }),
};
