/**
 * Gathers the master status page's snapshot through the public Admin API and each coordination
 * member's Status call, so the page shows what any client would see.
 */
import type { Admin } from '../../client/api.js';
import { fetchMemberStatus } from '../../coord/client/status.js';
import type { Clock } from '../../common/clock.js';
import type { CoordMemberView, MasterPageInput } from './status-page.js';

export async function coordMembers(addresses: string[]): Promise<CoordMemberView[]> {
  return Promise.all(
    addresses.map(async (address): Promise<CoordMemberView> => {
      try {
        const s = await fetchMemberStatus(address, 2_000);
        return { address: s.address || address, id: s.id, role: s.role, term: s.term, commitIndex: s.commitIndex, appliedIndex: s.appliedIndex, sessions: s.sessions, znodes: s.znodes, watches: s.watches };
      } catch (err) {
        return { address, error: `${(err as { code?: string }).code ?? 'UNAVAILABLE'}: ${(err as Error).message}` };
      }
    }),
  );
}

export async function loadMasterPageInput(admin: Admin, coordAddresses: string[], clock: Clock, self?: string): Promise<MasterPageInput> {
  const [status, regions, tables, members] = await Promise.all([
    admin.clusterStatus(),
    admin.listRegions(),
    admin.listTables({ includeSystem: true }),
    coordMembers(coordAddresses),
  ]);
  return { status, regions, tables, coordMembers: members, nowMs: clock.now(), ...(self ? { self } : {}) };
}
