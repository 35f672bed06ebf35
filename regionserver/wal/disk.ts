/**
 * The few file operations the WAL needs, behind an interface so that the same log code runs on
 * the real file system (NodeWalDisk) and on a simulated disk (MemoryWalDisk) that can lose
 * unsynced bytes on a simulated crash, as RocksDB's FaultInjectionTestFS does.
 */
import { constants as fsConstants, promises as fsp } from 'node:fs';
import { join } from 'node:path';

export interface WalFile {
  /** Appends at the end. Not durable until datasync resolves. */
  write(data: Buffer): Promise<void>;
  datasync(): Promise<void>;
  close(): Promise<void>;
}

export interface WalDisk {
  mkdirp(dir: string): Promise<void>;
  /** Names (not paths) of the entries of a directory; [] if it does not exist. */
  list(dir: string): Promise<string[]>;
  readFile(path: string): Promise<Buffer>;
  /** Size of a file in bytes, or undefined if it does not exist. */
  size(path: string): Promise<number | undefined>;
  /** Creates a new, empty file (fails if it exists) and makes its directory entry durable. */
  create(path: string): Promise<WalFile>;
  /** Cuts a file to `size` bytes, durably. */
  truncate(path: string, size: number): Promise<void>;
  remove(path: string): Promise<void>;
  /** Removes a directory and everything below it. */
  removeTree(dir: string): Promise<void>;
}

export class NodeWalDisk implements WalDisk {
  async mkdirp(dir: string): Promise<void> {
    await fsp.mkdir(dir, { recursive: true });
  }

  async list(dir: string): Promise<string[]> {
    try {
      return await fsp.readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  readFile(path: string): Promise<Buffer> {
    return fsp.readFile(path);
  }

  async size(path: string): Promise<number | undefined> {
    try {
      return (await fsp.stat(path)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async create(path: string): Promise<WalFile> {
    const fh = await fsp.open(path, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY | fsConstants.O_APPEND, 0o644);
    await syncDirectory(join(path, '..'));
    return {
      write: async (data) => {
        let done = 0;
        while (done < data.length) {
          const { bytesWritten } = await fh.write(data, done, data.length - done);
          done += bytesWritten;
        }
      },
      datasync: () => fh.datasync(),
      close: () => fh.close(),
    };
  }

  async truncate(path: string, size: number): Promise<void> {
    const fh = await fsp.open(path, 'r+');
    try {
      await fh.truncate(size);
      await fh.datasync();
    } finally {
      await fh.close();
    }
  }

  async remove(path: string): Promise<void> {
    await fsp.rm(path, { force: true });
  }

  async removeTree(dir: string): Promise<void> {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const fh = await fsp.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

interface MemoryFile {
  /** Written bytes as appended chunks (concatenated lazily: appends stay O(1)). */
  chunks: Buffer[];
  length: number;
  /** Bytes known to be on "disk": a crash keeps these (and maybe a torn part of the rest). */
  durable: number;
}

/** Choice of what a crash leaves of the unsynced bytes of a file. */
export type CrashTear = (unsyncedBytes: number) => number;

/**
 * A simulated disk. Written bytes are visible at once but only "durable" after datasync;
 * `crash()` drops every unsynced byte, or keeps a prefix chosen by `tear` (a torn write).
 */
export class MemoryWalDisk implements WalDisk {
  private readonly files = new Map<string, MemoryFile>();
  private readonly dirs = new Set<string>();
  /** When set, the next write or datasync fails with this error (then clears). */
  failNext: Error | undefined;
  /** Counts datasync calls (group commits reaching the disk). */
  datasyncs = 0;
  /** Counts whole-file reads (tests of the readers' caching). */
  fileReads = 0;

  async mkdirp(dir: string): Promise<void> {
    let d = normalize(dir);
    while (d && !this.dirs.has(d)) {
      this.dirs.add(d);
      d = parent(d);
    }
  }

  async list(dir: string): Promise<string[]> {
    const prefix = normalize(dir) + '/';
    const names = new Set<string>();
    for (const p of [...this.files.keys(), ...this.dirs]) {
      if (p.startsWith(prefix)) names.add(p.slice(prefix.length).split('/')[0]!);
    }
    return [...names];
  }

  async readFile(path: string): Promise<Buffer> {
    const f = this.files.get(normalize(path));
    if (!f) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    this.fileReads++;
    return Buffer.from(contents(f));
  }

  async size(path: string): Promise<number | undefined> {
    return this.files.get(normalize(path))?.length;
  }

  async create(path: string): Promise<WalFile> {
    const key = normalize(path);
    if (this.files.has(key)) throw Object.assign(new Error(`EEXIST: ${path}`), { code: 'EEXIST' });
    await this.mkdirp(parent(key));
    const file: MemoryFile = { chunks: [], length: 0, durable: 0 };
    this.files.set(key, file);
    let open = true;
    return {
      write: async (data) => {
        this.maybeFail();
        if (!open || this.files.get(key) !== file) throw new Error(`write to a closed or crashed file ${path}`);
        file.chunks.push(Buffer.from(data));
        file.length += data.length;
      },
      datasync: async () => {
        await new Promise<void>((resolve) => setImmediate(resolve));
        this.maybeFail();
        if (this.files.get(key) !== file) throw new Error(`datasync of a crashed file ${path}`);
        this.datasyncs++;
        file.durable = file.length;
      },
      close: async () => {
        open = false;
      },
    };
  }

  async truncate(path: string, size: number): Promise<void> {
    const f = this.files.get(normalize(path));
    if (!f) return;
    const data = Buffer.from(contents(f).subarray(0, size));
    f.chunks = [data];
    f.length = data.length;
    f.durable = data.length;
  }

  async remove(path: string): Promise<void> {
    this.files.delete(normalize(path));
  }

  async removeTree(dir: string): Promise<void> {
    const d = normalize(dir);
    for (const p of [...this.files.keys()]) if (p === d || p.startsWith(d + '/')) this.files.delete(p);
    for (const p of [...this.dirs]) if (p === d || p.startsWith(d + '/')) this.dirs.delete(p);
  }

  /**
   * Simulates a power cut: each file keeps its durable bytes plus, if `tear` says so, a prefix of
   * its unsynced bytes (a torn write). Open WalFile handles stop working.
   */
  crash(tear: CrashTear = () => 0): void {
    for (const [key, f] of this.files) {
      const unsynced = f.length - f.durable;
      const keep = unsynced > 0 ? Math.max(0, Math.min(unsynced, tear(unsynced))) : 0;
      const data = Buffer.from(contents(f).subarray(0, f.durable + keep));
      this.files.set(key, { chunks: [data], length: data.length, durable: data.length });
    }
  }

  /** Direct access for fault injection in tests (corrupting or tearing bytes). */
  fileBytes(path: string): Buffer | undefined {
    const f = this.files.get(normalize(path));
    return f ? contents(f) : undefined;
  }

  setFileBytes(path: string, data: Buffer): void {
    this.files.set(normalize(path), { chunks: [data], length: data.length, durable: data.length });
  }

  private maybeFail(): void {
    const err = this.failNext;
    if (err) {
      this.failNext = undefined;
      throw err;
    }
  }
}

function contents(f: MemoryFile): Buffer {
  if (f.chunks.length !== 1) f.chunks = [Buffer.concat(f.chunks, f.length)];
  return f.chunks[0] ?? Buffer.alloc(0);
}

function normalize(p: string): string {
  const parts: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return '/' + parts.join('/');
}

function parent(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '' : p.slice(0, i);
}
