/** A region server's status page shows its totals, every region with its store files, its WAL and its queues, and needs nothing external. */
import { describe, expect, it } from 'vitest';
import { renderRegionServerStatusPage } from '../../../regionserver/web/status-page.js';

describe('region server status page', () => {
  const html = renderRegionServerStatusPage({
    serverName: '127.0.0.1:16020,1700000000000',
    startcode: 1_700_000_000_000,
    nowMs: 1_700_000_100_000,
    regions: [
      { encodedName: 'r2', table: 'default:users', startKey: Buffer.from('m'), endKey: Buffer.alloc(0), state: 'open', openEpoch: 2, memstoreSizeBytes: 4096, storeFileCount: 3, storeFileSizeBytes: 3 * 1024 * 1024, readRequests: 5, writeRequests: 6, maxSequenceId: 40, maxFlushedSequenceId: 30 },
      { encodedName: 'r1', table: 'default:users', startKey: Buffer.alloc(0), endKey: Buffer.from([0x6d, 0x00]), state: 'opening', openEpoch: 1 },
    ],
    readRequests: 5,
    writeRequests: 6,
    openScanners: 1,
    openStreams: 2,
    wal: { dir: '/data/wal/x', syncs: 12 },
    flushQueueLength: 0,
  });

  it('lists regions in key order with store files, sizes and sequence ids', () => {
    expect(html.indexOf('<code>r1</code>')).toBeLessThan(html.indexOf('<code>r2</code>'));
    expect(html).toContain('<code>m\\x00</code>');
    expect(html).toContain('3.0 MiB');
    expect(html).toMatch(/<span class="warn">opening<\/span>/);
    expect(html).toMatch(/Store files<\/dt><dd>3 \(3.0 MiB\)/);
  });

  it('shows the WAL and the queues, "n/a" for what the server does not report', () => {
    expect(html).toContain('<code>/data/wal/x</code>');
    expect(html).toMatch(/Syncs<\/dt><dd><span class="num">12<\/span>/);
    expect(html).toMatch(/Compaction queue<\/dt><dd><span class="empty">n\/a<\/span>/);
    expect(html).not.toMatch(/<script|<link|src=|href="https?:/);
  });
});
