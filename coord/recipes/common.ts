/** Helpers shared by the recipes: creating parents, ordering sequential children. */
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
