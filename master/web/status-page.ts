/**
 * The master's HTML status page (HBase's master UI at :16010): cluster summary, region servers
 * with their load, a bar chart of regions and requests per server, tables and their regions with
 * locations, regions in transition, procedures, and the coordination ensemble's members and roles.
 * A pure function of a snapshot, so it is tested directly and rendered the same way everywhere.
 */
import type { ClusterStatus, RegionDescription, RegionLoadDescription, TableDescription } from '../../client/api.js';
import { displayTableName } from '../../common/table-names.js';
import { escapeHtml, formatBytes, formatDuration, htmlPage, htmlTable, printableKey, svgBarChart } from '../../common/http/html.js';

export interface CoordMemberView {
  address: string;
  id?: number;
  role?: string;
  term?: number;
  commitIndex?: number;
  appliedIndex?: number;
  sessions?: number;
  znodes?: number;
  watches?: number;
  /** Set when the member did not answer. */
  error?: string;
}

export interface MasterPageInput {
  status: ClusterStatus;
  regions: RegionDescription[];
  tables: TableDescription[];
  coordMembers: CoordMemberView[];
  /** When the snapshot was taken (wall-clock ms). */
  nowMs: number;
  /** This master's own name (it may be a standby: then `status.master` names the active one). */
  self?: string;
  /** Links to region servers' own pages, by server name (a standalone process serves them too). */
  serverLinks?: Record<string, string>;
}

const num = (n: number): string => `<span class="num">${escapeHtml(Number.isInteger(n) ? n : n.toFixed(1))}</span>`;
const td = (n: number): string => num(n);

function summary(input: MasterPageInput): string {
  const s = input.status;
  const items: Array<[string, string]> = [
    ['Cluster id', escapeHtml(s.clusterId)],
    ['Active master', escapeHtml(s.master || '(none)')],
    ['Backup masters', escapeHtml(s.backupMasters.join(', ') || 'none')],
    ['Version', escapeHtml(s.version)],
    ['Region servers', `${s.liveServers.length} live, ${s.deadServers.length} dead`],
    ['Tables', String(s.tableCount)],
    ['Regions', String(s.regionCount)],
    ['Average load', `${s.averageLoad.toFixed(2)} regions per server`],
    ['Regions in transition', s.regionsInTransition.length > 0 ? `<span class="warn">${s.regionsInTransition.length}</span>` : '0'],
    ['Balancer', s.balancerOn ? 'on' : 'off'],
  ];
  return `<dl class="summary" id="summary">${items.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

function servers(input: MasterPageInput): string {
  const rows = [...input.status.liveServers]
    .sort((a, b) => a.serverName.localeCompare(b.serverName))
    .map((s) => [
      input.serverLinks?.[s.serverName]
        ? `<a href="${escapeHtml(input.serverLinks[s.serverName])}"><code>${escapeHtml(s.serverName)}</code></a>`
        : `<code>${escapeHtml(s.serverName)}</code>`,
      td(s.regionCount),
      td(s.requestsPerSecond),
      td(s.readRequests),
      td(s.writeRequests),
      escapeHtml(formatBytes(s.memstoreSizeBytes)),
      escapeHtml(formatBytes(s.storeFileSizeBytes)),
      td(s.storeFileCount),
      escapeHtml(formatDuration(s.lastReportAgoMs)),
    ]);
  const dead = input.status.deadServers.length
    ? `<p class="bad" id="dead-servers">Dead: ${input.status.deadServers.map((d) => `<code>${escapeHtml(d)}</code>`).join(', ')}</p>`
    : '';
  return (
    htmlTable('region-servers', ['Server', 'Regions', 'Requests/s', 'Reads', 'Writes', 'Memstore', 'Store files size', 'Store files', 'Last report'], rows, 'no region servers') + dead
  );
}

function chart(input: MasterPageInput): string {
  const list = [...input.status.liveServers].sort((a, b) => a.serverName.localeCompare(b.serverName));
  if (list.length === 0) return '<p class="empty">no region servers</p>';
  return svgBarChart(
    'load-chart',
    list.map((s) => s.address),
    [
      { label: 'regions', values: list.map((s) => s.regionCount), color: '#3b7dd8' },
      { label: 'requests/s', values: list.map((s) => s.requestsPerSecond), color: '#e07b39' },
    ],
    'Regions and requests per region server',
  );
}

function tables(input: MasterPageInput): string {
  const regionsByTable = new Map<string, RegionDescription[]>();
  for (const r of input.regions) {
    const list = regionsByTable.get(r.table) ?? [];
    list.push(r);
    regionsByTable.set(r.table, list);
  }
  // Each open region's load from its server's last report (absent until one came).
  const loads = new Map(input.status.liveServers.flatMap((s) => (s.regions ?? []).map((l) => [l.encodedName, l] as const)));
  const sorted = [...input.tables].sort((a, b) => a.name.localeCompare(b.name));
  const summaryRows = sorted.map((t) => [
    `<a href="#table-${escapeHtml(t.name)}">${escapeHtml(displayTableName(t.name))}</a>`,
    escapeHtml(t.state),
    escapeHtml(t.families.map((f) => `${f.name} (VERSIONS ${f.versions}${f.ttl > 0 && f.ttl < 2_147_483_647 ? `, TTL ${f.ttl}s` : ''})`).join(', ')),
    td(regionsByTable.get(t.name)?.length ?? 0),
  ]);
  const details = sorted
    .map((t) => {
      const regions = (regionsByTable.get(t.name) ?? []).slice().sort((a, b) => Buffer.compare(a.startKey, b.startKey));
      const rows = regions.map((r) => [
        `<code>${escapeHtml(r.encodedName)}</code>`,
        `<code>${escapeHtml(printableKey(r.startKey))}</code>`,
        `<code>${escapeHtml(printableKey(r.endKey))}</code>`,
        r.serverName ? `<code class="location">${escapeHtml(r.serverName)}</code>` : '<span class="warn">not assigned</span>',
        r.state === 'OPEN' ? escapeHtml(r.state) : `<span class="warn">${escapeHtml(r.state)}</span>`,
        td(r.openEpoch),
        ...regionLoadCells(loads.get(r.encodedName)),
      ]);
      return `<h3 id="table-${escapeHtml(t.name)}">${escapeHtml(displayTableName(t.name))}</h3>${htmlTable(`regions-${t.name}`, ['Region', 'Start key', 'End key', 'Server', 'State', 'Open epoch', 'Store files', 'Store files size', 'Memstore', 'Reads', 'Writes'], rows, 'no regions')}`;
    })
    .join('\n');
  return htmlTable('tables', ['Table', 'State', 'Families', 'Regions'], summaryRows, 'no tables') + details;
}

function regionLoadCells(load: RegionLoadDescription | undefined): string[] {
  if (!load) return ['', '', '', '', ''];
  return [td(load.storeFileCount), escapeHtml(formatBytes(load.storeFileSizeBytes)), escapeHtml(formatBytes(load.memstoreSizeBytes)), td(load.readRequests), td(load.writeRequests)];
}

function transitions(input: MasterPageInput): string {
  const rows = input.status.regionsInTransition.map(({ region, durationMs }) => [
    `<code>${escapeHtml(region.encodedName)}</code>`,
    escapeHtml(displayTableName(region.table)),
    escapeHtml(region.state),
    `<code>${escapeHtml(region.serverName || '-')}</code>`,
    escapeHtml(formatDuration(durationMs)),
    escapeHtml(region.reason),
  ]);
  return htmlTable('regions-in-transition', ['Region', 'Table', 'State', 'Server', 'For', 'Reason'], rows, 'no regions in transition');
}

function procedures(input: MasterPageInput): string {
  const rows = [...input.status.procedures]
    .sort((a, b) => b.id - a.id)
    .map((p) => [
      td(p.id),
      escapeHtml(p.type),
      p.state === 'FAILED' ? `<span class="bad">FAILED</span>` : escapeHtml(p.state),
      escapeHtml(p.step),
      escapeHtml(p.target),
      escapeHtml(formatDuration(Math.max(0, p.updatedMs - p.startedMs))),
      escapeHtml(p.error ? `${p.error.code}: ${p.error.message}` : ''),
    ]);
  return htmlTable('procedures', ['Id', 'Type', 'State', 'Step', 'Target', 'Duration', 'Error'], rows, 'no procedures');
}

function coordination(input: MasterPageInput): string {
  const rows = input.coordMembers.map((m) =>
    m.error
      ? [`<code>${escapeHtml(m.address)}</code>`, '', `<span class="bad">unreachable</span>`, '', '', '', '', '', escapeHtml(m.error)]
      : [
          `<code>${escapeHtml(m.address)}</code>`,
          td(m.id ?? 0),
          m.role === 'leader' ? `<strong>leader</strong>` : escapeHtml(m.role ?? ''),
          td(m.term ?? 0),
          td(m.commitIndex ?? 0),
          td(m.appliedIndex ?? 0),
          td(m.sessions ?? 0),
          td(m.znodes ?? 0),
          td(m.watches ?? 0),
        ],
  );
  return htmlTable('coordination', ['Member', 'Id', 'Role', 'Term', 'Commit index', 'Applied index', 'Sessions', 'Znodes', 'Watches'], rows, 'no coordination members known');
}

export function renderMasterStatusPage(input: MasterPageInput): string {
  const s = input.status;
  const subtitle = `${input.self && input.self !== s.master ? `standby master ${input.self}; ` : ''}active master ${s.master || '(none)'} · ${new Date(input.nowMs).toISOString()}`;
  const body = [
    '<h2>Cluster</h2>',
    summary(input),
    '<h2>Region servers</h2>',
    servers(input),
    chart(input),
    '<h2>Tables</h2>',
    tables(input),
    '<h2>Regions in transition</h2>',
    transitions(input),
    '<h2>Procedures</h2>',
    procedures(input),
    '<h2>Coordination service</h2>',
    coordination(input),
    '<p><a href="/metrics">Prometheus metrics</a> · <a href="/status.json">status as JSON</a></p>',
  ].join('\n');
  return htmlPage('Basalt master', subtitle, body);
}
