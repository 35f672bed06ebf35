/**
 * DurableFiles on the real file system that can lose power: `powerLoss()` undoes every directory
 * change (create, rename, remove) not followed by a sync of its directory, and destroys the
 * contents of every file not synced since it was written — what a machine losing power may do,
 * which a SIGKILL never shows. `crashAfter(n)` makes the (n+1)-th operation and all later ones
 * throw SimulatedCrash, so a test can stop a flush or a compaction at every step.
 */
import { existsSync, fsyncSync, openSync, closeSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DurableFiles } from './durable-files.js';

export class SimulatedCrash extends Error {
  constructor(what: string) {
    super(`simulated crash before ${what}`);
    this.name = 'SimulatedCrash';
  }
}

interface PendingDirChange {
  /** Directories whose sync makes the change durable. */
  dirs: Set<string>;
  undo(): void;
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class FaultInjectingFiles implements DurableFiles {
  private readonly unsynced = new Set<string>();
  private pending: PendingDirChange[] = [];
  private remaining = Infinity;
  private crashed = false;
  /** Operations performed so far (a test learns the number of crash points from it). */
  operations = 0;

  /** The operation after the next `n` throws SimulatedCrash, and so does every one after it. */
  crashAfter(n: number): void {
    this.remaining = n;
  }

  get hasCrashed(): boolean {
    return this.crashed;
  }

  private step(what: string): void {
    if (this.crashed || this.remaining <= 0) {
      this.crashed = true;
      throw new SimulatedCrash(what);
    }
    this.remaining--;
    this.operations++;
  }

  private created(path: string): void {
    if (existsSync(path)) return;
    this.pending.push({ dirs: new Set([dirname(path)]), undo: () => rmSync(path, { force: true }) });
  }

  willWrite(path: string): void {
    this.created(path);
    this.unsynced.add(path);
  }

  writeFile(path: string, data: string | Buffer): void {
    this.step(`write ${path}`);
    this.created(path);
    writeFileSync(path, data);
    this.unsynced.add(path);
  }

  syncFile(path: string): void {
    this.step(`fsync ${path}`);
    fsyncPath(path);
    this.unsynced.delete(path);
  }

  syncDir(dir: string): void {
    this.step(`fsync dir ${dir}`);
    fsyncPath(dir);
    for (const change of this.pending) change.dirs.delete(dir);
    this.pending = this.pending.filter((c) => c.dirs.size > 0);
  }

  rename(from: string, to: string): void {
    this.step(`rename ${from} → ${to}`);
    const previous = existsSync(to) ? readFileSync(to) : undefined;
    renameSync(from, to);
    if (this.unsynced.delete(from)) this.unsynced.add(to);
    // The new name is durable once its directory is synced (the old entry may come back too,
    // which only leaves a leftover that open removes).
    this.pending.push({
      dirs: new Set([dirname(to)]),
      undo: () => {
        if (existsSync(to)) renameSync(to, from);
        if (previous) writeFileSync(to, previous);
      },
    });
  }

  remove(path: string): void {
    this.step(`remove ${path}`);
    const previous = existsSync(path) ? readFileSync(path) : undefined;
    rmSync(path, { force: true });
    this.unsynced.delete(path);
    if (previous) this.pending.push({ dirs: new Set([dirname(path)]), undo: () => writeFileSync(path, previous) });
  }

  /**
   * The power goes: unsynced directory changes are undone (newest first), unsynced file contents
   * are lost (the files are cut to nothing). Afterwards the instance works again, as a rebooted disk.
   */
  powerLoss(): void {
    for (const change of this.pending.reverse()) change.undo();
    this.pending = [];
    for (const path of this.unsynced) if (existsSync(path)) truncateSync(path, 0);
    this.unsynced.clear();
    this.crashed = false;
    this.remaining = Infinity;
  }
}
