/**
 * common/metrics.ts: request counters and latency histograms follow Prometheus naming, snapshot
 * families read their daemon's state once per scrape (counters mirror the daemon's totals), and
 * `/metrics` answers the text exposition format over HTTP.
 */
import { describe, expect, it } from 'vitest';
import { listenHttp } from '../../common/http/server.js';
import { createMetricsRegistry, registerRegionServerMetrics, renderMetrics, RequestMetrics, serveMetrics } from '../../common/metrics.js';

describe('metrics', () => {
  it('counts requests by operation and outcome and observes their latency in seconds', async () => {
    const registry = createMetricsRegistry({ processMetrics: false });
    const requests = new RequestMetrics(registry, 'basalt_regionserver');
    requests.observe('get', 0.0004);
    requests.observe('get', 0.002);
    requests.observe('put', 0.001, 'SERVER_BUSY');
    const { body } = await renderMetrics(registry);
    expect(body).toContain('basalt_regionserver_requests_total{operation="get",outcome="ok"} 2');
    expect(body).toContain('basalt_regionserver_requests_total{operation="put",outcome="SERVER_BUSY"} 1');
    expect(body).toContain('basalt_regionserver_request_duration_seconds_bucket{le="0.0005",operation="get"} 1');
    expect(body).toContain('basalt_regionserver_request_duration_seconds_count{operation="get"} 2');
  });

  it('reads a snapshot once per scrape and mirrors monotonic totals as counters', async () => {
    const registry = createMetricsRegistry({ processMetrics: false });
    let reads = 0;
    let syncs = 10;
    registerRegionServerMetrics(registry, () => {
      reads++;
      return { regions: 4, memstoreSizeBytes: 2048, walSyncsTotal: syncs };
    });
    const first = (await renderMetrics(registry)).body;
    expect(reads).toBe(1);
    expect(first).toMatch(/^basalt_regionserver_regions 4$/m);
    expect(first).toMatch(/^basalt_regionserver_memstore_size_bytes 2048$/m);
    expect(first).toContain('# TYPE basalt_wal_syncs_total counter');
    expect(first).toMatch(/^basalt_wal_syncs_total 10$/m);
    syncs = 25;
    await new Promise((r) => setImmediate(r));
    const second = (await renderMetrics(registry)).body;
    expect(reads).toBe(2);
    expect(second).toMatch(/^basalt_wal_syncs_total 25$/m);
  });

  it('serves /metrics over HTTP in the Prometheus text format, 404 elsewhere left to the caller', async () => {
    const registry = createMetricsRegistry();
    const listener = await listenHttp((req, res) => {
      if (!serveMetrics(registry, req, res)) res.writeHead(404).end();
    }, '127.0.0.1', 0);
    try {
      const res = await fetch(`http://${listener.address}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(await res.text()).toContain('process_cpu_user_seconds_total');
      expect((await fetch(`http://${listener.address}/other`)).status).toBe(404);
    } finally {
      await listener.close();
    }
  });
});
