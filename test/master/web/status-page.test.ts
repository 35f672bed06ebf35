/**
 * The master's status page is a pure function of a cluster snapshot: it shows the summary, every
 * region server with its load and a bar in the chart, each table's regions with their locations,
 * regions in transition, procedures and coordination members — escaped, with nothing external.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterStatus, RegionDescription, TableDescription } from '../../../client/api.js';
import { renderMasterStatusPage, type MasterPageInput } from '../../../master/web/status-page.js';

const region = (table: string, start: string, end: string, server: string, state = 'OPEN'): RegionDescription => ({
  table,
  encodedName: `enc-${table}-${start || 'first'}`,
  regionId: 1,
  startKey: Buffer.from(start),
  endKey: Buffer.from(end),
  serverName: server ? `${server},1700000000000` : '',
  address: server,
  state,
  openEpoch: 3,
  stateSinceMs: 0,
  reason: state === 'OPEN' ? '' : 'moving <script>alert(1)</script>',
});

const table = (name: string): TableDescription => ({
  name,
  state: 'ENABLED',
  families: [{ name: 'cf', versions: 3, minVersions: 0, ttl: 0, keepDeletedCells: 'FALSE', bloomFilter: 'ROW', inMemory: false }],
});

function input(): MasterPageInput {
  const moving = region('default:users', 'g', 'p', '', 'OPENING');
  const status: ClusterStatus = {
    clusterId: 'c-1',
    master: '127.0.0.1:16000,1',
    backupMasters: ['127.0.0.1:16001,2'],
    liveServers: [
      { serverName: '127.0.0.1:16020,1', address: '127.0.0.1:16020', regionCount: 3, readRequests: 10, writeRequests: 20, requestsPerSecond: 12.5, memstoreSizeBytes: 2 * 1024 * 1024, storeFileSizeBytes: 5 * 1024, storeFileCount: 2, lastReportAgoMs: 900,
        regions: [{ encodedName: 'enc-default:users-first', table: 'default:users', memstoreSizeBytes: 3 * 1024 * 1024, storeFileCount: 4, storeFileSizeBytes: 7 * 1024, readRequests: 11, writeRequests: 12 }] },
      { serverName: '127.0.0.1:16021,1', address: '127.0.0.1:16021', regionCount: 1, readRequests: 0, writeRequests: 0, requestsPerSecond: 0, memstoreSizeBytes: 0, storeFileSizeBytes: 0, storeFileCount: 0, lastReportAgoMs: 1_200 },
    ],
    deadServers: ['127.0.0.1:16022,1'],
    regionsInTransition: [{ region: moving, durationMs: 4_000 }],
    procedures: [{ id: 7, type: 'MoveRegion', state: 'RUNNING', step: 'CLOSE', target: moving.encodedName, startedMs: 1_000, updatedMs: 3_000 }],
    regionCount: 4,
    tableCount: 2,
    averageLoad: 2,
    balancerOn: true,
    version: '0.1.0',
  };
  return {
    status,
    regions: [region('basalt:meta', '', '', '127.0.0.1:16021'), region('default:users', '', 'g', '127.0.0.1:16020'), moving, region('default:users', 'p', '', '127.0.0.1:16020')],
    tables: [table('basalt:meta'), table('default:users')],
    coordMembers: [
      { address: '127.0.0.1:16100', id: 1, role: 'leader', term: 4, commitIndex: 99, appliedIndex: 99, sessions: 3, znodes: 20, watches: 12345 },
      { address: '127.0.0.1:16101', error: 'UNAVAILABLE: connect refused' },
    ],
    nowMs: Date.UTC(2026, 0, 1),
  };
}

describe('master status page', () => {
  const html = renderMasterStatusPage(input());

  it('shows the summary, both live servers with their load, and the dead one', () => {
    expect(html).toContain('<title>Basalt master</title>');
    expect(html).toMatch(/Region servers<\/dt><dd>2 live, 1 dead/);
    expect(html).toContain('127.0.0.1:16020,1');
    expect(html).toContain('2.0 MiB');
    expect(html).toContain('127.0.0.1:16022,1');
  });

  it('draws one bar per server for regions and for requests, scaled to each series', () => {
    const bars = [...html.matchAll(/class="bar" data-series="([^"]+)" data-category="([^"]+)" data-value="([^"]+)"/g)].map((m) => [m[1], m[2], Number(m[3])]);
    expect(bars).toEqual([
      ['regions', '127.0.0.1:16020', 3],
      ['requests/s', '127.0.0.1:16020', 12.5],
      ['regions', '127.0.0.1:16021', 1],
      ['requests/s', '127.0.0.1:16021', 0],
    ]);
    expect(html).toMatch(/data-series="regions" data-category="127.0.0.1:16020" data-value="3" x="190" y="\d+" width="380"/);
  });

  it("lists each table's regions with their location, marking the unassigned one", () => {
    const users = html.slice(html.indexOf('id="regions-default:users"'));
    expect(users.indexOf('<code>g</code>')).toBeGreaterThan(0);
    expect(users).toContain('<code class="location">127.0.0.1:16020,1700000000000</code>');
    expect(users).toContain('not assigned');
  });

  it("shows each open region's store files, memstore and requests from its server's last report", () => {
    const users = html.slice(html.indexOf('id="regions-default:users"'));
    expect(users).toContain('<th>Store files size</th>');
    const row = users.slice(users.indexOf('<code>enc-default:users-first</code>'));
    expect(row.slice(0, row.indexOf('</tr>'))).toMatch(/<span class="num">4<\/span><\/td><td>7\.0 KiB<\/td><td>3\.0 MiB<\/td><td><span class="num">11<\/span><\/td><td><span class="num">12<\/span>/);
  });

  it('shows regions in transition, procedures and coordination roles, escaping what it prints', () => {
    expect(html).toContain('moving &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).toMatch(/<td><span class="num">7<\/span><\/td><td>MoveRegion<\/td><td>RUNNING<\/td><td>CLOSE<\/td>/);
    expect(html).toContain('<strong>leader</strong>');
    expect(html).toContain('unreachable');
  });

  it('shows each coordination member\'s armed watches', () => {
    expect(html).toContain('<th>Watches</th>');
    expect(html).toMatch(/<span class="num">20<\/span><\/td><td><span class="num">12345<\/span>/);
  });

  it('needs nothing from outside: no scripts, stylesheets or remote links', () => {
    expect(html).not.toMatch(/<script|<link|src=|href="https?:/);
  });
});
