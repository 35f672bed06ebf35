/**
 * Choosing and binding a daemon's info port (status page + /metrics). HBase's defaults (master
 * 16010, region server 16030) apply unless the daemon itself was asked for an ephemeral port, in
 * which case the info port is ephemeral too (so test clusters never collide on fixed ports). A
 * port given explicitly must bind, or the daemon fails with the reason; a default port that is
 * busy (another daemon on the same host) only costs that daemon its page, with a warning.
 * `-1` turns the info port off.
 */
import type { Logger } from '../logger.js';
import { parseIntInRange } from '../cli-flags.js';

export interface InfoPortChoice {
  port: number;
  explicit: boolean;
}

export function chooseInfoPort(flag: string | undefined, daemonPort: number, hbaseDefault: number, flagName = '--info-port'): InfoPortChoice | undefined {
  if (flag !== undefined) {
    const port = parseIntInRange(flag, flagName, -1, 65_535);
    return port === -1 ? undefined : { port, explicit: true };
  }
  return { port: daemonPort === 0 ? 0 : hbaseDefault, explicit: false };
}

/** Runs `start` on the chosen port; a busy default port is a warning and `undefined`, anything else throws. */
export async function bindInfoPort<T>(choice: InfoPortChoice | undefined, start: (port: number) => Promise<T>, log: Logger, what: string): Promise<T | undefined> {
  if (!choice) return undefined;
  try {
    return await start(choice.port);
  } catch (err) {
    if (!choice.explicit && (err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      log.warn({ port: choice.port }, `${what}: default info port busy; serving without a status page (give --info-port)`);
      return undefined;
    }
    throw err;
  }
}
