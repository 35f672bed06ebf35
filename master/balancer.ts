/**
 * The balancer: a pure function from a cluster snapshot to a list of moves (STYLE.md §6). It
 * evens the number of regions per server to within one of the average, and among the candidate
 * regions of an overloaded server it moves first those whose table is most over-represented
 * there, to a server where that table is least represented — so per-table spread improves with
 * the same few moves. Moves are bounded per run; the master runs it again later for the rest.
 */

export interface BalancerRegion {
  encodedName: string;
  table: string;
  server: string;
}

export interface BalancerInput {
  servers: string[];
  /** Open regions only (regions in transition are not moved). */
  regions: BalancerRegion[];
  maxMoves?: number;
}

export interface Move {
  encodedName: string;
  table: string;
  from: string;
  to: string;
}

export function planMoves(input: BalancerInput): Move[] {
  const servers = [...new Set(input.servers)].sort();
  if (servers.length < 2) return [];
  const maxMoves = input.maxMoves ?? 100;
  const byServer = new Map<string, BalancerRegion[]>(servers.map((s) => [s, []]));
  for (const r of input.regions) byServer.get(r.server)?.push(r);
  const total = [...byServer.values()].reduce((n, l) => n + l.length, 0);
  const floor = Math.floor(total / servers.length);
  const ceil = Math.ceil(total / servers.length);

  const tableCount = (server: string, table: string) => byServer.get(server)!.filter((r) => r.table === table).length;
  const tableTotals = new Map<string, number>();
  for (const list of byServer.values()) for (const r of list) tableTotals.set(r.table, (tableTotals.get(r.table) ?? 0) + 1);

  const moves: Move[] = [];
  while (moves.length < maxMoves) {
    const sorted = [...servers].sort((a, b) => byServer.get(b)!.length - byServer.get(a)!.length || (a < b ? -1 : 1));
    const most = sorted[0]!;
    const least = sorted[sorted.length - 1]!;
    const mostCount = byServer.get(most)!.length;
    const leastCount = byServer.get(least)!.length;
    // Balanced: nobody above ceil, nobody below floor.
    if (mostCount <= ceil && leastCount >= floor) break;
    if (mostCount - leastCount <= 1) break;
    // Candidates: the receivers that are under the ceiling.
    const receivers = sorted.filter((s) => byServer.get(s)!.length < ceil).reverse();
    // The region of `most` whose table is most over-represented there relative to its fair share.
    const candidates = [...byServer.get(most)!].sort((a, b) => {
      const excessA = tableCount(most, a.table) - (tableTotals.get(a.table) ?? 0) / servers.length;
      const excessB = tableCount(most, b.table) - (tableTotals.get(b.table) ?? 0) / servers.length;
      return excessB - excessA || (a.encodedName < b.encodedName ? -1 : 1);
    });
    const region = candidates[0]!;
    const to = receivers.sort((a, b) => tableCount(a, region.table) - tableCount(b, region.table) || byServer.get(a)!.length - byServer.get(b)!.length || (a < b ? -1 : 1))[0] ?? least;
    byServer.set(most, byServer.get(most)!.filter((r) => r !== region));
    byServer.get(to)!.push({ ...region, server: to });
    moves.push({ encodedName: region.encodedName, table: region.table, from: most, to });
  }
  return moves;
}
