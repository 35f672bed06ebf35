/**
 * The region server's write-ahead log on disk: segment files of checksummed frames, one frame
 * and one fdatasync per group commit (see docs/wal-and-recovery.md for why not LMDB).
 *
 * Layout: `<root>/wal/<serverName>/wal-<id>.log`. An in-memory index maps each region to the
 * positions of its entries, so replaying one region reads only the segments that hold it.
 * `markFlushed` records a region's flushed sequence id (persisted in the next frame, and in full
 * at the start of every segment); a segment whose every entry is flushed is deleted in the
 * background. Opening a log cuts a torn tail (an unsynced last group) and refuses a log damaged
 * anywhere else with CORRUPT_WAL.
 */
import { join } from 'node:path';
import { decodeEntryRecord, decodeFrameIndex, encodeFrame, scanSegment, type FlushMark } from './codec.js';
import { NodeWalDisk, type WalDisk, type WalFile } from './disk.js';
import { applyEpochRuleSync, compareEntryKeys } from './fencing.js';
import { checkReplayArgs, GroupCommitWal, type GroupCommitOptions, type QueuedEntry } from './group-commit.js';
import { WalRootReader } from './root-reader.js';
import { listSegmentIds, segmentFileName } from './segment-files.js';
import type { WalEntry } from './wal.js';

export interface SegmentWalOptions extends GroupCommitOptions {
  /** This server's log directory, normally `<root>/wal/<serverName>`. */
  dir: string;
  disk?: WalDisk;
  /** A segment that reaches this size is closed and a new one started (default 64 MiB). */
  segmentSizeBytes?: number;
  /**
   * The cluster's data root. When set, `replay` also reads the region's entries from every other
   * server's log under `<root>/wal/` (a region reopened after its server died), merged by
   * sequence id under the epoch rule.
   */
  replayRoot?: string;
}

interface Segment {
  id: number;
  path: string;
  /** Bytes written (all durable once the frame's sync returned). */
  size: number;
  /** Highest sequence id of each region with entries in this segment. */
  maxSequenceIds: Map<string, number>;
}

interface EntryRef {
  sequenceId: number;
  openEpoch: number;
  segmentId: number;
  /** Absolute offset of the entry record in its segment file. */
  offset: number;
}

export class SegmentWal extends GroupCommitWal {
  readonly dir: string;
  protected readonly disk: WalDisk;
  private readonly segmentSizeBytes: number;
  /** Reads other servers' logs when replayRoot is set (keeps their segment indexes between calls). */
  private readonly rootReader: WalRootReader | undefined;
  private readonly segments = new Map<number, Segment>();
  private readonly index = new Map<string, EntryRef[]>();
  private readonly flushed = new Map<string, number>();
  private readonly dirtyMarks = new Set<string>();
  private current: Segment | undefined;
  private currentFile: WalFile | undefined;
  private nextSegmentId = 1;
  private indexedEntries = 0;
  private activeReaders = 0;
  private reclaimChain: Promise<void> = Promise.resolve();
  private reclaimWanted = false;
  /** Set by a simulated crash: the instance must not touch the disk any more. */
  protected halted = false;
  /** Recovery of what is on disk; every operation that touches the disk waits for it. */
  protected readonly ready: Promise<void>;

  constructor(options: SegmentWalOptions) {
    super(options);
    this.dir = options.dir;
    this.disk = options.disk ?? new NodeWalDisk();
    this.segmentSizeBytes = options.segmentSizeBytes ?? 64 * 1024 * 1024;
    this.rootReader = options.replayRoot !== undefined ? new WalRootReader(this.disk, options.replayRoot) : undefined;
    this.ready = this.recover();
    this.ready.catch(() => {}); // Reported by open() or by the first operation that needs it.
  }

  /** Opens (recovering) a log; rejects with CORRUPT_WAL if it is damaged beyond a torn tail. */
  static async open(options: SegmentWalOptions): Promise<SegmentWal> {
    const wal = new SegmentWal(options);
    await wal.ready;
    return wal;
  }

  /** Resolves once recovery finished; rejects (e.g. CORRUPT_WAL) if the log cannot be opened. */
  opened(): Promise<void> {
    return this.ready;
  }

  /** Number of segment files currently kept. */
  segmentCount(): number {
    return this.segments.size;
  }

  /**
   * What holds the log's size up (the housekeeper flushes by it): the segments kept, their bytes,
   * and the regions (WAL keys) whose unflushed entries pin the oldest segment.
   */
  pressure(): { segments: number; bytes: number; pinningOldest: string[] } {
    let bytes = 0;
    let oldest: Segment | undefined;
    for (const segment of this.segments.values()) {
      bytes += segment.size;
      if (!oldest || segment.id < oldest.id) oldest = segment;
    }
    const pinningOldest: string[] = [];
    if (oldest && oldest !== this.current) {
      for (const [regionId, seq] of oldest.maxSequenceIds) if ((this.flushed.get(regionId) ?? 0) < seq) pinningOldest.push(regionId);
    }
    return { segments: this.segments.size, bytes, pinningOldest };
  }

  /** Waits until background reclamation has caught up (tests, shutdown). */
  async reclaimed(): Promise<void> {
    await this.reclaimChain;
  }

  private async recover(): Promise<void> {
    await this.disk.mkdirp(this.dir);
    const ids = await listSegmentIds(this.disk, this.dir);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const path = join(this.dir, segmentFileName(id));
      const buf = await this.disk.readFile(path);
      const isLast = i === ids.length - 1;
      const scan = scanSegment(buf, path, isLast);
      if (scan.validEnd < buf.length) await this.disk.truncate(path, scan.validEnd); // Cut the torn tail.
      const segment: Segment = { id, path, size: scan.validEnd, maxSequenceIds: new Map() };
      this.segments.set(id, segment);
      for (const frame of scan.frames) {
        const { marks, locations } = decodeFrameIndex(buf.subarray(frame.offset, frame.offset + frame.length));
        for (const m of marks) this.applyMark(m);
        for (const loc of locations) {
          this.addRef(loc.regionId, { sequenceId: loc.sequenceId, openEpoch: loc.openEpoch, segmentId: id, offset: frame.offset + loc.offset });
          if ((segment.maxSequenceIds.get(loc.regionId) ?? 0) < loc.sequenceId) segment.maxSequenceIds.set(loc.regionId, loc.sequenceId);
        }
      }
      this.nextSegmentId = id + 1;
    }
    for (const [regionId, seq] of this.flushed) this.pruneIndex(regionId, seq);
  }

  protected async persist(group: QueuedEntry[]): Promise<void> {
    await this.ready;
    if (!this.current || this.current.size >= this.segmentSizeBytes) await this.roll();
    const segment = this.current!;
    // The first frame of a segment carries every mark, so deleting older segments loses none.
    const markIds = segment.size === 0 ? [...this.flushed.keys()] : [...this.dirtyMarks];
    const marks: FlushMark[] = markIds.map((regionId) => ({ regionId, sequenceId: this.flushed.get(regionId)! }));
    this.dirtyMarks.clear();
    const entries = group.map((q) => q.entry);
    const { frame, locations } = encodeFrame(entries, marks);
    await this.currentFile!.write(frame);
    await this.currentFile!.datasync();
    // Index only after the sync: replay never returns an entry that is not durable.
    const base = segment.size;
    segment.size += frame.length;
    for (const loc of locations) {
      this.addRef(loc.regionId, { sequenceId: loc.sequenceId, openEpoch: loc.openEpoch, segmentId: segment.id, offset: base + loc.offset });
      if ((segment.maxSequenceIds.get(loc.regionId) ?? 0) < loc.sequenceId) segment.maxSequenceIds.set(loc.regionId, loc.sequenceId);
    }
  }

  private async roll(): Promise<void> {
    if (this.currentFile) await this.currentFile.close();
    const id = this.nextSegmentId++;
    const path = join(this.dir, segmentFileName(id));
    this.currentFile = await this.disk.create(path);
    this.current = { id, path, size: 0, maxSequenceIds: new Map() };
    this.segments.set(id, this.current);
    this.scheduleReclaim();
  }

  async *replay(regionId: string, afterSequenceId: number): AsyncGenerator<WalEntry> {
    checkReplayArgs(regionId, afterSequenceId);
    await this.ready;
    let entries = await this.readOwn(regionId, afterSequenceId);
    if (this.rootReader) {
      const others = await this.rootReader.readRegion(regionId, afterSequenceId, { excludeDir: this.dir });
      if (others.length > 0) entries = entries.concat(others).sort(compareEntryKeys);
    }
    for (const e of applyEpochRuleSync(entries)) yield e;
  }

  private async readOwn(regionId: string, afterSequenceId: number): Promise<WalEntry[]> {
    const refs = (this.index.get(regionId) ?? []).filter((r) => r.sequenceId > afterSequenceId);
    if (refs.length === 0) return [];
    this.activeReaders++;
    try {
      const files = new Map<number, Buffer>();
      const out: WalEntry[] = [];
      for (const ref of refs) {
        let buf = files.get(ref.segmentId);
        if (!buf) {
          buf = await this.disk.readFile(join(this.dir, segmentFileName(ref.segmentId)));
          files.set(ref.segmentId, buf);
        }
        out.push(decodeEntryRecord(buf, ref.offset, segmentFileName(ref.segmentId)));
      }
      return out;
    } finally {
      this.activeReaders--;
      if (this.activeReaders === 0 && this.reclaimWanted) this.scheduleReclaim();
    }
  }

  async markFlushed(regionId: string, sequenceId: number): Promise<void> {
    checkReplayArgs(regionId, sequenceId);
    await this.ready;
    // A mark is only a reclamation hint (replay takes the region's own flushed id); after close
    // there is nothing left to reclaim with.
    if (this.isClosed) return;
    this.applyMark({ regionId, sequenceId });
    this.pruneIndex(regionId, sequenceId);
    this.scheduleReclaim();
  }

  private applyMark(mark: FlushMark): void {
    if ((this.flushed.get(mark.regionId) ?? 0) >= mark.sequenceId) return;
    this.flushed.set(mark.regionId, mark.sequenceId);
    this.dirtyMarks.add(mark.regionId);
  }

  private addRef(regionId: string, ref: EntryRef): void {
    let list = this.index.get(regionId);
    if (!list) {
      list = [];
      this.index.set(regionId, list);
    }
    // Appends come in (sequence id, epoch) order almost always; insert from the end otherwise.
    let i = list.length;
    while (i > 0 && (list[i - 1]!.sequenceId > ref.sequenceId || (list[i - 1]!.sequenceId === ref.sequenceId && list[i - 1]!.openEpoch > ref.openEpoch))) i--;
    list.splice(i, 0, ref);
    this.indexedEntries++;
  }

  private pruneIndex(regionId: string, sequenceId: number): void {
    const list = this.index.get(regionId);
    if (!list) return;
    let n = 0;
    while (n < list.length && list[n]!.sequenceId <= sequenceId) n++;
    this.indexedEntries -= n;
    if (n === list.length) this.index.delete(regionId);
    else if (n > 0) list.splice(0, n);
  }

  private scheduleReclaim(): void {
    this.reclaimChain = this.reclaimChain.then(
      () => new Promise<void>((resolve) => setImmediate(() => this.reclaimNow().then(resolve, resolve))),
    );
  }

  /**
   * Deletes segments older than the current one whose every entry is flushed. Only older ones:
   * the current segment's first frame repeats every mark, so no mark is lost with them.
   */
  private async reclaimNow(): Promise<void> {
    if (this.halted) return;
    if (!this.current || this.current.size === 0) return;
    if (this.activeReaders > 0) {
      this.reclaimWanted = true;
      return;
    }
    this.reclaimWanted = false;
    for (const segment of [...this.segments.values()]) {
      if (segment.id >= this.current.id) continue;
      let flushed = true;
      for (const [regionId, seq] of segment.maxSequenceIds) {
        if ((this.flushed.get(regionId) ?? 0) < seq) {
          flushed = false;
          break;
        }
      }
      if (!flushed) continue;
      this.segments.delete(segment.id);
      await this.disk.remove(segment.path);
    }
  }

  protected async closeStorage(): Promise<void> {
    try {
      await this.ready;
    } catch {
      return; // Never recovered: nothing to close.
    }
    // Persist marks made since the last frame so a reopen knows what it may reclaim.
    if (!this.halted && this.dirtyMarks.size > 0 && this.segments.size > 0) {
      if (!this.current) await this.roll();
      const segment = this.current!;
      const markIds = segment.size === 0 ? [...this.flushed.keys()] : [...this.dirtyMarks];
      this.dirtyMarks.clear();
      const { frame } = encodeFrame([], markIds.map((regionId) => ({ regionId, sequenceId: this.flushed.get(regionId)! })));
      await this.currentFile!.write(frame);
      await this.currentFile!.datasync();
      segment.size += frame.length;
    }
    await this.reclaimChain;
    await this.currentFile?.close();
    this.currentFile = undefined;
  }

  protected retainedEntries(): number {
    return this.indexedEntries;
  }
}

