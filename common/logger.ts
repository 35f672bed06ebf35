/**
 * Structured logging through pino. Level from BASALT_LOG_LEVEL; silent under the test runner
 * unless asked. Daemons print their "ready" line through `logReady`, which always reaches stdout.
 * Lines are JSON for machines; when stdout is a terminal they are rendered readable by pino-pretty
 * (BASALT_LOG_FORMAT=json|pretty overrides).
 */
import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

function defaultLevel(): string {
  if (process.env.BASALT_LOG_LEVEL) return process.env.BASALT_LOG_LEVEL;
  return process.env.VITEST ? 'silent' : 'info';
}

/** `json` (the default, for machines) or `pretty` (a person at a terminal). */
export function logFormat(env: NodeJS.ProcessEnv = process.env, isTty = process.stdout.isTTY === true): 'json' | 'pretty' {
  const asked = env.BASALT_LOG_FORMAT?.toLowerCase();
  if (asked === 'json' || asked === 'pretty') return asked;
  return isTty ? 'pretty' : 'json';
}

/** pino-pretty as a synchronous stream on stdout (no worker thread), loaded only when wanted. */
function prettyDestination(): DestinationStream | undefined {
  try {
    const pretty = createRequire(import.meta.url)('pino-pretty') as (options: object) => DestinationStream;
    return pretty({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true });
  } catch {
    return undefined;
  }
}

const options = { level: defaultLevel(), base: { pid: process.pid } };
const pretty = logFormat() === 'pretty' ? prettyDestination() : undefined;
const root: Logger = pretty ? pino(options, pretty) : pino(options);

export function createLogger(component: string, bindings: Record<string, unknown> = {}): Logger {
  return root.child({ component, ...bindings });
}

/** The one line every daemon prints when it serves: contains `ready` and its address. */
export function logReady(component: string, address: string, extra: Record<string, string | number> = {}): void {
  const parts = Object.entries(extra).map(([k, v]) => `${k}=${v}`);
  process.stdout.write(`basalt ${component} ready address=${address}${parts.length ? ' ' + parts.join(' ') : ''}\n`);
}
