/**
 * Structured logging through pino. Level from BASALT_LOG_LEVEL; silent under the test runner
 * unless asked. Daemons print their "ready" line through `logReady`, which always reaches stdout.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

function defaultLevel(): string {
  if (process.env.BASALT_LOG_LEVEL) return process.env.BASALT_LOG_LEVEL;
  return process.env.VITEST ? 'silent' : 'info';
}

const root: Logger = pino({ level: defaultLevel(), base: { pid: process.pid } });

export function createLogger(component: string, bindings: Record<string, unknown> = {}): Logger {
  return root.child({ component, ...bindings });
}

/** The one line every daemon prints when it serves: contains `ready` and its address. */
export function logReady(component: string, address: string, extra: Record<string, string | number> = {}): void {
  const parts = Object.entries(extra).map(([k, v]) => `${k}=${v}`);
  process.stdout.write(`basalt ${component} ready address=${address}${parts.length ? ' ' + parts.join(' ') : ''}\n`);
}
