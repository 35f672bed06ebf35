/** Proves the shell's output follows HBase's layout: two-column rows with the one-space inset, wrapped columns on a terminal, Java-style timestamps, toStringBinary bytes and Ruby's inspect. */
import { describe, expect, it } from 'vitest';
import { cellText, Formatter, formatTimestamp, inspect, tookLine } from '../../shell/format.js';
import { humanTtl } from '../../shell/commands/families.js';

function capture(width: number, body: (f: Formatter) => void): string {
  let text = '';
  body(new Formatter({ write: (t) => void (text += t) }, width));
  return text;
}

describe('shell formatter', () => {
  it('prints HBase scan rows off a terminal: header without inset, rows inset by one space', () => {
    const text = capture(0, (f) => {
      f.header(['ROW', 'COLUMN+CELL']);
      f.row(['row1', 'column=cf:a, timestamp=1, value=v']);
      f.footer();
    });
    expect(text).toBe('ROW  COLUMN+CELL\n row1 column=cf:a, timestamp=1, value=v\n1 row(s)\n');
  });

  it('on a terminal pads the first column to a quarter of the width and wraps long values', () => {
    const text = capture(40, (f) => {
      f.header(['ROW', 'COLUMN+CELL']);
      f.row(['r', 'x'.repeat(40)]);
    });
    expect(text.split('\n')).toEqual([
      `ROW${' '.repeat(9)}${'COLUMN+CELL'.padEnd(28)}`,
      ` r          ${'x'.repeat(28)}`,
      ` ${' '.repeat(10)} ${'x'.repeat(12).padEnd(28)}`,
      '',
    ]);
  });

  it('formats timestamps as Java LocalDateTime.toString, dropping zero seconds and milliseconds', () => {
    const tz = process.env.TZ;
    process.env.TZ = 'UTC';
    try {
      expect(formatTimestamp(Date.UTC(2026, 11, 2, 22, 10, 12, 345))).toBe('2026-12-02T22:10:12.345');
      expect(formatTimestamp(Date.UTC(2026, 11, 2, 22, 10, 12, 0))).toBe('2026-12-02T22:10:12');
      expect(formatTimestamp(Date.UTC(2026, 11, 2, 22, 10, 0, 0))).toBe('2026-12-02T22:10');
      expect(formatTimestamp(Date.UTC(2026, 11, 2, 22, 10, 0, 5))).toBe('2026-12-02T22:10:00.005');
      expect(formatTimestamp(1234, 'epoch')).toBe('1234');
    } finally {
      process.env.TZ = tz;
    }
  });

  it('prints values and qualifiers in toStringBinary form, and delete markers by type', () => {
    const cell = { row: Buffer.from('r'), family: 'cf', qualifier: Buffer.from('q'), timestamp: 5, type: 'Put' as const, value: Buffer.from([0x61, 0x00, 0xff, 0x5c]) };
    expect(cellText(cell, 'epoch')).toBe('timestamp=5, value=a\\x00\\xFF\\x5C');
    expect(cellText({ ...cell, type: 'DeleteColumn' }, 'epoch')).toBe('timestamp=5, type=DeleteColumn');
  });

  it('prints return values as Ruby inspect does, and Took with four decimals', () => {
    expect(inspect(['a', 'b"c'])).toBe('["a", "b\\"c"]');
    expect(inspect(true)).toBe('true');
    expect(inspect(3)).toBe('3');
    expect(inspect(null)).toBe('nil');
    expect(tookLine(0.01234)).toBe('Took 0.0123 seconds');
  });

  it('prints TTLs as HBase does', () => {
    expect(humanTtl(0)).toBe('FOREVER');
    expect(humanTtl(30)).toBe('30 SECONDS');
    expect(humanTtl(90)).toBe('90 SECONDS (1 MINUTE 30 SECONDS)');
    expect(humanTtl(86_400)).toBe('86400 SECONDS (1 DAY)');
  });
});
