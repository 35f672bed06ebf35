/** Helpers shared by the recipes: creating parents, ordering sequential children. */
import { randomUUID } from 'node:crypto';
import { isBasaltError, ErrorCodes } from '../../common/errors.js';
import type { CoordClient } from '../client/index.js';

/** Creates every missing ancestor and the path itself as persistent, empty znodes. */
export async function ensurePath(client: CoordClient, path: string): Promise<void> {
  const parts = path.split('/').filter(Boolean);
  let current = '';
  for (const part of parts) {
    current += `/${part}`;
    try {
      await client.create(current);
    } catch (err) {
      if (!isBasaltError(err, ErrorCodes.NODE_EXISTS)) throw err;
    }
  }
}

/** The ten-digit sequence a sequential create appended to a name. */
export function sequenceOf(name: string): number {
  return Number(name.slice(-10));
}

/** Sequential children of one prefix, in creation order. */
export function sortBySequence(names: string[], prefix: string): string[] {
  return names.filter((n) => n.startsWith(prefix) && /\d{10}$/.test(n)).sort((a, b) => sequenceOf(a) - sequenceOf(b));
}

/**
 * Creates an EPHEMERAL_SEQUENTIAL child named `${prefix}${uuid}-NNNNNNNNNN` and returns its name.
 * A create whose answer is lost (CONNECTION_LOSS) may still have happened: the unique part lets
 * us find our node instead of leaving an orphan that would block everyone behind it for as long
 * as the session lives (Curator's "protected" mode).
 */
export async function createProtectedSequential(client: CoordClient, parent: string, prefix: string, data: string): Promise<string> {
  const marker = `${prefix}${randomUUID()}-`;
  for (let attempt = 0; ; attempt++) {
    try {
      const created = await client.create(`${parent}/${marker}`, data, { mode: 'ephemeral_sequential' });
      return created.slice(parent.length + 1);
    } catch (err) {
      if (!isBasaltError(err, ErrorCodes.CONNECTION_LOSS) || attempt >= 5) throw err;
      const { children } = await client.getChildren(parent);
      const ours = children.find((name) => name.startsWith(marker));
      if (ours) return ours;
    }
  }
}
