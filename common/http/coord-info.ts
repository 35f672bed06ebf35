/**
 * A coordination member's info port: a small status page (role, term, commit and applied index,
 * sessions, znodes, watches) and `/metrics` with the Raft and tree families, both read through the member's
 * own Status call, so `basalt coord start` needs one call to get them. (This lives beside the other
 * HTTP helpers rather than in coord/, which never depends on HTTP.)
 */
import { fetchMemberStatus, type MemberStatus } from '../../coord/client/status.js';
import type { Logger } from '../logger.js';
import { createMetricsRegistry, registerCoordMetrics } from '../metrics.js';
import { escapeHtml, htmlPage } from './html.js';
import { bindInfoPort, type InfoPortChoice } from './info-port.js';
import { startInfoServer } from './info-server.js';
import { systemClock, type Clock } from '../clock.js';

/** ZooKeeper's Prometheus metrics port. */
export const DEFAULT_COORD_INFO_PORT = 7000;

export function renderCoordMemberPage(s: MemberStatus, nowMs: number): string {
  const rows: Array<[string, string]> = [
    ['Member', `${s.id} at ${s.address}`],
    ['Role', s.role],
    ['Leader', s.leaderAddress ? `${s.leaderId} at ${s.leaderAddress}` : 'unknown'],
    ['Term', String(s.term)],
    ['Commit index', String(s.commitIndex)],
    ['Applied index', String(s.appliedIndex)],
    ['Sessions', String(s.sessions)],
    ['Znodes', String(s.znodes)],
    ['Watches', String(s.watches)],
  ];
  const body = `<h2>Member</h2><dl class="summary" id="summary">${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>
<p><a href="/metrics">Prometheus metrics</a> · <a href="/status.json">status as JSON</a></p>`;
  return htmlPage('Basalt coordination member', `${s.address} · ${new Date(nowMs).toISOString()}`, body);
}

export async function mountCoordInfo(options: { memberAddress: string; choice: InfoPortChoice | undefined; host?: string; log: Logger; clock?: Clock }): Promise<{ address: string; close(): Promise<void> } | undefined> {
  const registry = createMetricsRegistry();
  const status = () => fetchMemberStatus(options.memberAddress, 2_000);
  registerCoordMetrics(registry, async () => {
    const s = await status().catch(() => undefined);
    return s ? { term: s.term, commitIndex: s.commitIndex, appliedIndex: s.appliedIndex, isLeader: s.role === 'leader', sessions: s.sessions, watches: s.watches, znodes: s.znodes, proposalsTotal: s.proposalsTotal } : {};
  });
  const listener = await bindInfoPort(
    options.choice,
    (port) => startInfoServer({ host: options.host ?? '127.0.0.1', port, registry, page: async () => renderCoordMemberPage(await status(), (options.clock ?? systemClock).now()), json: status }),
    options.log,
    'coord',
  );
  return listener && { address: listener.address, close: () => listener.close() };
}
