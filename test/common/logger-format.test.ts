/** Logs are JSON unless stdout is a terminal (then readable lines), and BASALT_LOG_FORMAT overrides either way. */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { logFormat } from '../../common/logger.js';

describe('log format', () => {
  it('is json when not a terminal, pretty on a terminal, and BASALT_LOG_FORMAT wins', () => {
    expect(logFormat({}, false)).toBe('json');
    expect(logFormat({}, true)).toBe('pretty');
    expect(logFormat({ BASALT_LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(logFormat({ BASALT_LOG_FORMAT: 'PRETTY' }, false)).toBe('pretty');
  });

  it('a process writes JSON lines by default and readable lines when asked', () => {
    // The built module (global setup keeps dist/ current): Node 20 cannot load .ts itself.
    const script = "import('./dist/common/logger.js').then(({ createLogger }) => createLogger('demo').info({ region: 'r1' }, 'region opened'))";
    const run = (format?: string) =>
      execFileSync(process.execPath, ['-e', script], {
        cwd: new URL('../..', import.meta.url),
        env: { ...process.env, VITEST: '', BASALT_LOG_LEVEL: 'info', ...(format ? { BASALT_LOG_FORMAT: format } : { BASALT_LOG_FORMAT: '' }) },
        encoding: 'utf8',
      });
    const json = JSON.parse(run().trim()) as Record<string, unknown>;
    expect(json).toMatchObject({ level: 30, component: 'demo', region: 'r1', msg: 'region opened' });
    const pretty = run('pretty');
    expect(pretty).toMatch(/INFO.*region opened/);
    expect(() => JSON.parse(pretty.trim())).toThrow();
  });
});
