/**
 * A region server's HTML status page (HBase's :16030): the server's totals, its regions with their
 * memstore and store files, scanners and streams, its WAL and its queues. A pure function of a
 * snapshot (`RegionServerPageInput`), so it is tested directly.
 */
import { escapeHtml, formatBytes, htmlPage, htmlTable, printableKey } from '../../common/http/html.js';
import { displayTableName } from '../../common/table-names.js';

export interface RegionView {
  encodedName: string;
  table: string;
  startKey: Buffer;
  endKey: Buffer;
  state: string;
  openEpoch: number;
  memstoreSizeBytes?: number;
  storeFileCount?: number;
  storeFileSizeBytes?: number;
  readRequests?: number;
  writeRequests?: number;
  maxSequenceId?: number;
  maxFlushedSequenceId?: number;
}

export interface RegionServerPageInput {
  serverName: string;
  startcode: number;
  nowMs: number;
  regions: RegionView[];
  readRequests: number;
  writeRequests: number;
  openScanners: number;
  openStreams: number;
  wal?: { dir: string; syncs?: number; bytes?: number; appends?: number };
  flushQueueLength?: number;
  compactionQueueLength?: number;
  /** Compactions parked until the server's compaction throughput budget allows more. */
  throttledCompactions?: number;
  /** Flushes completed since the server started, by reason; compactions by kind. */
  flushes?: Record<string, number>;
  compactions?: { minor: number; major: number };
  coord?: string[];
}

const num = (n: number | undefined): string => (n === undefined ? '<span class="empty">n/a</span>' : `<span class="num">${escapeHtml(n)}</span>`);

export function renderRegionServerStatusPage(input: RegionServerPageInput): string {
  const sum = (f: (r: RegionView) => number | undefined): number => input.regions.reduce((n, r) => n + (f(r) ?? 0), 0);
  const summary: Array<[string, string]> = [
    ['Server', `<code>${escapeHtml(input.serverName)}</code>`],
    ['Started', escapeHtml(new Date(input.startcode).toISOString())],
    ['Regions', String(input.regions.length)],
    ['Memstore', escapeHtml(formatBytes(sum((r) => r.memstoreSizeBytes)))],
    ['Store files', `${sum((r) => r.storeFileCount)} (${escapeHtml(formatBytes(sum((r) => r.storeFileSizeBytes)))})`],
    ['Requests', `${input.readRequests} reads, ${input.writeRequests} writes`],
    ['Open scanners', String(input.openScanners)],
    ['Client streams', String(input.openStreams)],
    ['Coordination', escapeHtml(input.coord?.join(', ') || 'none (standalone)')],
  ];
  const regions = [...input.regions]
    .sort((a, b) => a.table.localeCompare(b.table) || Buffer.compare(a.startKey, b.startKey))
    .map((r) => [
      `<code>${escapeHtml(r.encodedName)}</code>`,
      escapeHtml(displayTableName(r.table)),
      `<code>${escapeHtml(printableKey(r.startKey))}</code>`,
      `<code>${escapeHtml(printableKey(r.endKey))}</code>`,
      r.state === 'open' ? escapeHtml(r.state) : `<span class="warn">${escapeHtml(r.state)}</span>`,
      num(r.openEpoch),
      escapeHtml(r.memstoreSizeBytes === undefined ? 'n/a' : formatBytes(r.memstoreSizeBytes)),
      num(r.storeFileCount),
      escapeHtml(r.storeFileSizeBytes === undefined ? 'n/a' : formatBytes(r.storeFileSizeBytes)),
      num(r.readRequests),
      num(r.writeRequests),
      num(r.maxSequenceId),
      num(r.maxFlushedSequenceId),
    ]);
  const wal: Array<[string, string]> = input.wal
    ? [
        ['Directory', `<code>${escapeHtml(input.wal.dir)}</code>`],
        ['Syncs', num(input.wal.syncs)],
        ['Bytes written', input.wal.bytes === undefined ? num(undefined) : escapeHtml(formatBytes(input.wal.bytes))],
        ['Appends', num(input.wal.appends)],
      ]
    : [];
  const queues: Array<[string, string]> = [
    ['Flush queue', num(input.flushQueueLength)],
    ['Compaction queue', num(input.compactionQueueLength)],
    ['Compactions waiting for throughput budget', num(input.throttledCompactions)],
  ];
  if (input.flushes) {
    const byReason = Object.entries(input.flushes)
      .map(([reason, n]) => `${escapeHtml(reason)} ${n}`)
      .join(', ');
    const total = Object.values(input.flushes).reduce((a, b) => a + b, 0);
    queues.push(['Flushes done', `${num(total)}${byReason ? ` (${byReason})` : ''}`]);
  }
  if (input.compactions) {
    const { minor, major } = input.compactions;
    queues.push(['Compactions done', `${num(minor + major)} (minor ${minor}, major ${major})`]);
  }
  const dl = (id: string, items: Array<[string, string]>): string =>
    `<dl class="summary" id="${id}">${items.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
  const body = [
    '<h2>Server</h2>',
    dl('summary', summary),
    '<h2>Regions</h2>',
    htmlTable(
      'regions',
      ['Region', 'Table', 'Start key', 'End key', 'State', 'Open epoch', 'Memstore', 'Store files', 'Store files size', 'Reads', 'Writes', 'Max seq id', 'Flushed seq id'],
      regions,
      'no regions open',
    ),
    '<h2>Write-ahead log</h2>',
    input.wal ? dl('wal', wal) : '<p class="empty" id="wal">no WAL information</p>',
    '<h2>Queues</h2>',
    dl('queues', queues),
    '<p><a href="/metrics">Prometheus metrics</a> · <a href="/status.json">status as JSON</a></p>',
  ].join('\n');
  return htmlPage('Basalt region server', `${input.serverName} · ${new Date(input.nowMs).toISOString()}`, body);
}
