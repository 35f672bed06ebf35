/**
 * A region server's /metrics counts the flushes and compactions its regions complete (by reason and
 * by kind, with their durations) and shows its housekeeping queues — flush queue, compaction queue,
 * compactions waiting for throughput budget — read over HTTP from a real server in a real cluster;
 * its status page shows the same figures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../../client/index.js';
import { createLogger } from '../../../common/logger.js';
import { mountRegionServerInfo } from '../../../regionserver/web/mount.js';
import { startInProcessCluster, type InProcessCluster } from '../../support/in-process-cluster.js';

const log = createLogger('test');
let cluster: InProcessCluster;
let conn: Connection;
let info: { address: string; close(): Promise<void> } | undefined;

beforeAll(async () => {
  cluster = await startInProcessCluster({ regionServers: 1, masters: 1 });
  await cluster.activeMaster();
  info = await mountRegionServerInfo({ daemon: cluster.regionServers[0]!, dataDir: cluster.dataDir, choice: { port: 0, explicit: true }, log });
  conn = await connect({ coord: cluster.coordAddress, operationTimeoutMs: 20_000 });
}, 60_000);

afterAll(async () => {
  await conn?.close();
  await info?.close();
  await cluster?.close();
});

async function scrape(): Promise<string> {
  const res = await fetch(`http://${info!.address}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one sample line (`name{labels} value`), or undefined when it is not printed. */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Scrapes until `ok` holds (the Admin calls return once the region server has the work in hand). */
async function scrapeUntil(ok: (body: string) => boolean, what: string): Promise<string> {
  const deadline = performance.now() + 15_000;
  for (;;) {
    const body = await scrape();
    if (ok(body)) return body;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${body.split('\n').filter((l) => l.startsWith('basalt_regionserver_')).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('flush and compaction metrics', () => {
  it('count admin flushes and major compactions, time them, and export the housekeeping gauges', async () => {
    const before = await scrape();
    // The queues and the throughput figures are there from the start.
    expect(sample(before, 'basalt_regionserver_flush_queue_length')).toBe(0);
    expect(sample(before, 'basalt_regionserver_compaction_queue_length')).toBe(0);
    expect(sample(before, 'basalt_regionserver_throttled_compactions')).toBe(0);
    expect(sample(before, 'basalt_regionserver_compaction_written_bytes_total')).toBe(0);
    expect(sample(before, 'basalt_regionserver_compaction_throttle_waits_total')).toBe(0);
    expect(sample(before, 'basalt_regionserver_compactions_total{kind="major"}')).toBe(0);
    const adminFlushesBefore = sample(before, 'basalt_regionserver_flushes_total{reason="admin"}') ?? 0;

    await conn.admin().createTable({ name: 'metered_work', families: ['f'] });
    const table = conn.table('metered_work');
    // Two flushed files, so the major compaction has something to merge.
    for (const round of [1, 2]) {
      for (let i = 0; i < 20; i++) await table.put({ row: `row-${round}-${i}`, cells: [{ family: 'f', qualifier: 'q', value: `value-${round}-${i}` }] });
      await conn.admin().flush({ table: 'metered_work' });
    }
    const flushed = await scrapeUntil((b) => (sample(b, 'basalt_regionserver_flushes_total{reason="admin"}') ?? 0) >= adminFlushesBefore + 2, 'two admin flushes');
    expect(sample(flushed, 'basalt_regionserver_flush_duration_seconds_count')).toBeGreaterThanOrEqual(2);
    expect(sample(flushed, 'basalt_regionserver_flush_duration_seconds_bucket{le="+Inf"}')).toBe(sample(flushed, 'basalt_regionserver_flush_duration_seconds_count'));

    await conn.admin().majorCompact({ table: 'metered_work' });
    const compacted = await scrapeUntil((b) => (sample(b, 'basalt_regionserver_compactions_total{kind="major"}') ?? 0) >= 1, 'a major compaction');
    expect(sample(compacted, 'basalt_regionserver_compaction_duration_seconds_count{kind="major"}')).toBeGreaterThanOrEqual(1);
    expect(sample(compacted, 'basalt_regionserver_compaction_written_bytes_total')).toBeGreaterThan(0);
    expect(sample(compacted, 'basalt_regionserver_throttled_compactions')).toBe(0);
    expect(compacted).toContain('# TYPE basalt_regionserver_flushes_total counter');
    expect(compacted).toContain('# TYPE basalt_regionserver_flush_duration_seconds histogram');
    expect(compacted).toContain('# TYPE basalt_regionserver_throttled_compactions gauge');
    // The data survived both: every row reads back.
    expect((await table.get({ row: 'row-1-0' })).string('f', 'q')).toBe('value-1-0');
    expect((await table.get({ row: 'row-2-19' })).string('f', 'q')).toBe('value-2-19');
  });

  it("shows the queues and the work done on the region server's status page", async () => {
    const page = await (await fetch(`http://${info!.address}/`)).text();
    const queues = page.slice(page.indexOf('<dl class="summary" id="queues">'));
    expect(queues).toContain('<dt>Flush queue</dt>');
    expect(queues).toContain('<dt>Compaction queue</dt>');
    expect(queues).toContain('<dt>Compactions waiting for throughput budget</dt><dd><span class="num">0</span></dd>');
    expect(queues).toMatch(/<dt>Flushes done<\/dt><dd><span class="num">[1-9]\d*<\/span> \([^)]*admin [1-9]/);
    expect(queues).toMatch(/<dt>Compactions done<\/dt><dd><span class="num">[1-9]\d*<\/span> \(minor \d+, major [1-9]/);
  });
});
