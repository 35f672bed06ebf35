/**
 * A Store: one column family of one region — a MemStore plus the store files flushed from it.
 * Reads merge every source; flush writes the memstore snapshot to a new file; compaction merges
 * files. The Region decides when, and records the file set in its manifest.
 */
import { join } from 'node:path';
import { cellSize, type Cell } from '../../common/cell.js';
import { compareBytes } from '../../common/bytes.js';
import { BasaltError, ErrorCodes } from '../../common/errors.js';
import { encodeFamilyPrefix, prefixUpperBound } from '../../common/keycodec.js';
import type { FamilyDescriptor } from '../region/api.js';
import { nodeDurableFiles, type DurableFiles } from './durable-files.js';
import { MemStore, type CellTree } from './memstore.js';
import { StoreFileReader, StoreFileWriter } from './store-file.js';
import { compactRowFamily, compareInFamily, resolveRowFamily, type ReadOptions } from './versions.js';
import { systemRandom, type Random } from '../../common/random.js';

/** Cells written per LMDB transaction; the writer yields to the event loop in between. */
const CHUNK_CELLS = 20_000;

/** What a reader captured: the trees and files of a store at one moment. */
export interface StoreView {
  store: Store;
  trees: CellTree[];
  files: StoreFileReader[];
}

/** Which files a single-row read must visit, judged by key range, time range and bloom filter. */
export function fileMayHoldRow(
  file: StoreFileReader,
  row: Buffer,
  familyPrefix: Buffer,
  options: { timeRange?: { min: number; max: number } | undefined; oldestUnexpired: number; minVersions: number; qualifiers?: readonly Buffer[] | undefined },
): boolean {
  if (compareBytes(familyPrefix, file.lastKey) > 0) return false;
  if (compareBytes(prefixUpperBound(familyPrefix), file.firstKey) <= 0) return false;
  // A file whose cells are all older than the time range cannot affect it: its puts can only push
  // out older versions and its markers only reach versions at or below their own timestamp.
  // (A newer file can: its versions may push in-range ones out.) Same for fully expired files.
  if (options.timeRange && file.meta.maxTimestamp < options.timeRange.min) return false;
  if (options.minVersions === 0 && file.meta.maxTimestamp < options.oldestUnexpired) return false;
  return options.qualifiers ? file.mightContainColumns(row, options.qualifiers) : file.mightContainRow(row);
}

export class Store {
  readonly memstore = new MemStore();
  /** Store files, oldest (lowest sequence ids) first. */
  private storeFiles: StoreFileReader[] = [];
  private fileCounter = 0;

  constructor(
    readonly family: FamilyDescriptor,
    readonly dir: string,
    private readonly tmpDir: string,
    /** The open epoch of the region: new file names carry it (manifest.ts, removeOrphans). */
    private readonly openEpoch = 0,
    /** Where the store's file writes are made durable (fault-injecting in power-loss tests). */
    private readonly durableFiles: DurableFiles = nodeDurableFiles,
    /** Salts new file names (two opens at one epoch within one millisecond still never collide). */
    private readonly random: Random = systemRandom,
  ) {}

  get name(): string {
    return this.family.name;
  }

  get files(): readonly StoreFileReader[] {
    return this.storeFiles;
  }

  /** Installs the files listed in the manifest (already opened and verified). */
  loadFiles(files: StoreFileReader[]): void {
    this.storeFiles = [...files].sort((a, b) => a.meta.maxSequenceId - b.meta.maxSequenceId);
  }

  get maxSequenceId(): number {
    let max = 0;
    for (const f of this.storeFiles) max = Math.max(max, f.meta.maxSequenceId);
    return max;
  }

  get storeFileSizeBytes(): number {
    let n = 0;
    for (const f of this.storeFiles) n += f.sizeBytes;
    return n;
  }

  /** Captures the current sources, retaining the files; the caller releases each file when done. */
  view(): StoreView {
    for (const f of this.storeFiles) f.retain();
    return { store: this, trees: this.memstore.trees(), files: [...this.storeFiles] };
  }

  /**
   * The visible cells of one row (synchronous: no await, so no reference counting is needed).
   * `readPoint` hides cells of writes still in flight.
   */
  readRow(row: Buffer, readPoint: number, options: ReadOptions, qualifiers?: readonly Buffer[]): Cell[] {
    return readRowFromSources(this, this.memstore.trees(), this.storeFiles, row, readPoint, options, qualifiers);
  }

  // ---- flush ----

  /** A fresh, never reused file name (also unique across restarts: epoch + time + counter). */
  newFileName(nowMs: number): string {
    this.fileCounter++;
    return `e${this.openEpoch}-${nowMs.toString(36)}-${this.fileCounter.toString(36)}-${this.random.int(1e9).toString(36)}.sf`;
  }

  /** Writes a sorted cell stream to a new store file; undefined when there are no cells. */
  async writeFile(options: {
    name: string;
    nowMs: number;
    expectedCells: number;
    majorCompacted: boolean;
    produce: (writer: StoreFileWriter) => Promise<void>;
  }): Promise<StoreFileReader | undefined> {
    const finalPath = join(this.dir, options.name);
    const writer = new StoreFileWriter({
      tmpPath: join(this.tmpDir, `${this.family.name}-${options.name}`),
      finalPath,
      family: this.family.name,
      bloomType: this.family.bloomFilter,
      expectedCells: options.expectedCells,
      majorCompacted: options.majorCompacted,
      files: this.durableFiles,
    });
    try {
      await options.produce(writer);
    } catch (err) {
      await writer.abort();
      throw err;
    }
    if (writer.cellCount === 0) {
      await writer.abort();
      return undefined;
    }
    await writer.finish(options.nowMs);
    return StoreFileReader.open(finalPath, options.name);
  }

  /** Writes the memstore snapshot (taken by the region) to a file. */
  async writeSnapshot(name: string, nowMs: number): Promise<StoreFileReader | undefined> {
    const snapshot = this.memstore.pendingSnapshot();
    if (!snapshot || snapshot.tree.size === 0) return undefined;
    return this.writeFile({
      name,
      nowMs,
      expectedCells: snapshot.tree.size,
      majorCompacted: false,
      produce: async (writer) => {
        // The snapshot tree is immutable, so its iterator survives the awaits between chunks.
        let chunk: Cell[] = [];
        for (const cell of snapshot.tree.values()) {
          chunk.push(cell);
          if (chunk.length >= CHUNK_CELLS) {
            writer.appendChunk(chunk);
            chunk = [];
            await yieldToEventLoop();
          }
        }
        writer.appendChunk(chunk);
      },
    });
  }

  /** The flushed file now serves the snapshot's cells. */
  commitFlush(file: StoreFileReader | undefined): void {
    if (file) this.storeFiles.push(file);
    this.memstore.clearSnapshot();
  }

  // ---- compaction ----

  /** Files a compaction would merge now: all of them (major), or the oldest few (minor). */
  selectCompaction(major: boolean, minFiles: number, maxFiles: number): { files: StoreFileReader[]; major: boolean } | undefined {
    const files = this.storeFiles;
    // References (split, merge) are always rewritten whole: the region must stop depending on
    // its parents' directories, and a reference to a major-compacted file is still a reference.
    if (files.some((f) => f.reference)) return { files: [...files], major: true };
    if (major) return files.length > 0 && !(files.length === 1 && files[0]!.meta.majorCompacted) ? { files: [...files], major: true } : undefined;
    if (files.length < Math.max(2, minFiles)) return undefined;
    const selected = files.slice(0, Math.max(2, maxFiles));
    // Merging every file is a major compaction (HBase promotes it too): it can drop what is dead.
    return { files: selected, major: selected.length === files.length };
  }

  /**
   * Merges `files` into one new file. Minor: every cell is kept (deletes and versions too).
   * Major: row by row, keeps what `compactRowFamily` keeps. Runs in chunks with yields; the input
   * files stay retained (and readable by scanners) throughout. After each chunk `throttle` is told
   * the bytes written and may hold the compaction back (the server's compaction throughput budget).
   */
  async compactFiles(options: {
    files: StoreFileReader[];
    major: boolean;
    name: string;
    nowMs: number;
    shouldStop?: () => boolean;
    throttle?: (bytes: number) => Promise<void>;
  }): Promise<StoreFileReader | undefined> {
    const { files, major, name, nowMs } = options;
    const shouldStop = options.shouldStop ?? (() => false);
    for (const f of files) f.retain();
    try {
      let expected = 0;
      for (const f of files) expected += f.meta.cellCount;
      return await this.writeFile({
        name,
        nowMs,
        expectedCells: expected,
        majorCompacted: major,
        produce: async (writer) => {
          let resume: Buffer | undefined = Buffer.alloc(0);
          const written = { bytes: 0 };
          while (resume !== undefined) {
            resume = this.compactChunk(files, major, resume, writer, nowMs, written);
            if (options.throttle && written.bytes > 0) await options.throttle(written.bytes);
            else await yieldToEventLoop();
            written.bytes = 0;
            // A closing region does not wait for a long compaction: abandon it (nothing changed).
            if (resume !== undefined && shouldStop()) throw new BasaltError(ErrorCodes.CLOSED, `compaction of ${this.family.name} abandoned: region closing`);
          }
        },
      });
    } finally {
      for (const f of files) f.release();
    }
  }

  /** One synchronous step of a compaction: whole rows up to ~CHUNK_CELLS cells. */
  private compactChunk(files: StoreFileReader[], major: boolean, start: Buffer, writer: StoreFileWriter, nowMs: number, written: { bytes: number }): Buffer | undefined {
    const iterators = files.map((f) => f.rows(start));
    const heads = iterators.map((it) => it.next());
    try {
      const out: Cell[] = [];
      for (;;) {
        let best: Buffer | undefined;
        for (const h of heads) if (!h.done && (best === undefined || compareBytes(h.value.familyPrefix, best) < 0)) best = h.value.familyPrefix;
        if (best === undefined) {
          writer.appendChunk(out);
          written.bytes += cellBytes(out);
          return undefined;
        }
        if (out.length >= CHUNK_CELLS) {
          writer.appendChunk(out);
          written.bytes += cellBytes(out);
          return best;
        }
        const parts: Cell[][] = [];
        for (let i = 0; i < heads.length; i++) {
          const h = heads[i]!;
          if (!h.done && compareBytes(h.value.familyPrefix, best) === 0) {
            parts.push(h.value.cells);
            heads[i] = iterators[i]!.next();
          }
        }
        const rowCells = mergeParts(parts);
        if (major) for (const c of compactRowFamily(rowCells, this.family, nowMs)) out.push(c);
        else for (const c of rowCells) out.push(c);
      }
    } finally {
      for (const it of iterators) it.return(undefined);
    }
  }

  /**
   * Swaps compacted files for their replacement; the old ones go once no reader holds them, and
   * only if `mayRemove` still allows it then (a newer open of the region may reference them).
   */
  commitCompaction(replaced: StoreFileReader[], replacement: StoreFileReader | undefined, mayRemove?: () => boolean): void {
    const gone = new Set(replaced);
    const remaining = this.storeFiles.filter((f) => !gone.has(f));
    if (replacement) remaining.push(replacement);
    this.storeFiles = remaining.sort((a, b) => a.meta.maxSequenceId - b.meta.maxSequenceId);
    for (const f of replaced) f.discard(mayRemove);
  }

  /** Drops the store's references (files close once scanners let go too). */
  async close(): Promise<void> {
    const files = this.storeFiles;
    this.storeFiles = [];
    for (const f of files) f.closeForStore();
    // Files no scanner holds close now; wait for them so a reopen finds them closed.
    await Promise.all(files.map((f) => f.closed));
  }
}

/** Reads one row of one store from captured sources. */
export function readRowFromSources(
  store: Store,
  trees: readonly CellTree[],
  files: readonly StoreFileReader[],
  row: Buffer,
  readPoint: number,
  options: ReadOptions,
  qualifiers?: readonly Buffer[],
): Cell[] {
  const family = store.family;
  const familyPrefix = encodeFamilyPrefix(row, family.name);
  const startString = familyPrefix.toString('latin1');
  const endString = prefixUpperBound(familyPrefix).toString('latin1');
  const parts: Cell[][] = [];
  for (const tree of trees) {
    if (tree.size === 0) continue;
    const fromTree: Cell[] = [];
    for (const [key, cell] of tree.entries(startString)) {
      if (key >= endString) break;
      if (cell.sequenceId <= readPoint) fromTree.push(cell);
    }
    if (fromTree.length > 0) parts.push(fromTree);
  }
  const fileOptions = {
    timeRange: options.raw ? undefined : options.timeRange,
    oldestUnexpired: options.raw || family.ttlSeconds === 0 ? -Infinity : options.nowMs - family.ttlSeconds * 1000,
    minVersions: family.minVersions,
    qualifiers,
  };
  for (const file of files) {
    if (!fileMayHoldRow(file, row, familyPrefix, fileOptions)) continue;
    const fromFile: Cell[] = [];
    file.readRow(row, familyPrefix, fromFile);
    if (fromFile.length === 0) continue;
    // Files hold flushed writes, all below any read point of a reader that can see the file.
    parts.push(file.meta.maxSequenceId <= readPoint ? fromFile : fromFile.filter((c) => c.sequenceId <= readPoint));
  }
  if (parts.length === 0) return [];
  const cells = mergeParts(parts);
  return resolveRowFamily(cells, family, options);
}

/** Merges one row-family's cells from several sources into key order. */
export function mergeParts(parts: Cell[][]): Cell[] {
  if (parts.length === 1) return parts[0]!;
  const all = ([] as Cell[]).concat(...parts);
  all.sort(compareInFamily);
  return all;
}

function cellBytes(cells: readonly Cell[]): number {
  let n = 0;
  for (const c of cells) n += cellSize(c);
  return n;
}

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
