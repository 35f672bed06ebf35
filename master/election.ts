/**
 * Active/backup master election, as HBase's ActiveMasterManager: the active master is the owner
 * of the ephemeral znode /basalt/master (JSON { address, serverName }); the others register
 * under /basalt/backup-masters/ and watch /basalt/master, racing to create it when it vanishes
 * (its owner's session ended). Only one session can own the node, so at most one master is
 * active; a master that loses its session stops acting as active at once.
 */
import { ErrorCodes, isBasaltError } from '../common/errors.js';
import { MASTER_ZNODE } from '../common/meta.js';
import type { CoordClient } from '../coord/client/index.js';
import { isTransient } from './assignment.js';

export const BACKUP_MASTERS_ZNODE = '/basalt/backup-masters';

export interface MasterIdentity {
  address: string;
  serverName: string;
}

async function createIfMissing(coord: CoordClient, path: string): Promise<void> {
  try {
    await coord.create(path, '');
  } catch (err) {
    if (!isBasaltError(err, ErrorCodes.NODE_EXISTS)) throw err;
  }
}

/** The active master as published, or undefined. */
export async function readActiveMaster(coord: CoordClient): Promise<MasterIdentity | undefined> {
  try {
    const { data } = await coord.getData(MASTER_ZNODE);
    return JSON.parse(data.toString('utf8')) as MasterIdentity;
  } catch (err) {
    if (isBasaltError(err, ErrorCodes.NO_NODE)) return undefined;
    throw err;
  }
}

/**
 * Resolves once this master owns /basalt/master; until then it is registered as a backup.
 * Transient trouble with the coordination service (a lost stream, a timeout, a leader change) is
 * waited out and the campaign goes on: a write lost that way may have been applied, which the next
 * round sees (NODE_EXISTS, then the node names this master).
 */
export async function becomeActive(coord: CoordClient, me: MasterIdentity, stopped: () => boolean): Promise<boolean> {
  const backupPath = `${BACKUP_MASTERS_ZNODE}/${me.serverName}`;
  let prepared = false;
  let registered = false;
  while (!stopped()) {
    try {
      if (!prepared) {
        await createIfMissing(coord, '/basalt');
        await createIfMissing(coord, BACKUP_MASTERS_ZNODE);
        prepared = true;
      }
      try {
        await coord.create(MASTER_ZNODE, JSON.stringify(me), { ephemeral: true });
      } catch (err) {
        if (!isBasaltError(err, ErrorCodes.NODE_EXISTS)) throw err;
        const active = await readActiveMaster(coord);
        if (active?.serverName !== me.serverName) {
          if (!registered) {
            try {
              await coord.create(backupPath, JSON.stringify(me), { ephemeral: true });
            } catch (e) {
              if (!isBasaltError(e, ErrorCodes.NODE_EXISTS)) throw e;
            }
            registered = true;
          }
          // Wait for the active master's node to go (or for a poll, in case a watch is lost).
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 2_000);
            timer.unref();
            coord
              .exists(MASTER_ZNODE, { watch: () => (clearTimeout(timer), resolve()) })
              .then((stat) => {
                if (!stat) {
                  clearTimeout(timer);
                  resolve();
                }
              })
              .catch(() => (clearTimeout(timer), resolve()));
          });
          continue;
        }
      }
    } catch (err) {
      if (!isTransient(err)) throw err;
      await new Promise<void>((resolve) => setTimeout(resolve, 200).unref());
      continue;
    }
    // Ours (created now, or by an earlier attempt whose answer was lost).
    if (registered) await coord.delete(backupPath).catch(() => undefined);
    return true;
  }
  return false;
}

export async function listBackupMasters(coord: CoordClient): Promise<string[]> {
  try {
    return (await coord.getChildren(BACKUP_MASTERS_ZNODE)).children.sort();
  } catch (err) {
    if (isBasaltError(err, ErrorCodes.NO_NODE)) return [];
    throw err;
  }
}
