/**
 * A one-line progress bar on a terminal (standard error) for long commands such as count. It is
 * redrawn at most every 100 ms and erased before anything else is printed, so that the lines on
 * standard output are exactly those a script would see.
 */
import type { Progress } from './command.js';

export interface TerminalStream {
  write(text: string): unknown;
  columns?: number;
}

const REDRAW_MS = 100;

export class TerminalProgress implements Progress {
  private lastDrawMs = -Infinity;
  private visible = false;

  constructor(
    private readonly stream: TerminalStream,
    private readonly monotonic: () => number = () => performance.now(),
  ) {}

  update(done: number, fraction: number | undefined, detail: string): void {
    const now = this.monotonic();
    if (now - this.lastDrawMs < REDRAW_MS) return;
    this.lastDrawMs = now;
    this.stream.write(`\r\x1b[K${renderBar(done, fraction, detail, this.stream.columns ?? 80)}`);
    this.visible = true;
  }

  /** Erases the bar (before other output, and at the end). */
  clear(): void {
    if (!this.visible) return;
    this.stream.write('\r\x1b[K');
    this.visible = false;
    this.lastDrawMs = -Infinity;
  }

  done(): void {
    this.clear();
  }
}

/** `[#########.........]  45% 12345 rows  row: r0999`, cut to the terminal's width. */
export function renderBar(done: number, fraction: number | undefined, detail: string, columns: number): string {
  const cells = 20;
  const f = fraction === undefined ? undefined : Math.min(1, Math.max(0, fraction));
  const filled = f === undefined ? 0 : Math.round(f * cells);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(cells - filled)}]`;
  const percent = f === undefined ? '  ?%' : `${String(Math.floor(f * 100)).padStart(3)}%`;
  const text = `${bar} ${percent} ${done} rows  row: ${detail}`;
  return text.slice(0, Math.max(10, columns - 1));
}
