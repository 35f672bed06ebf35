/**
 * A daemon's info port (HBase's :16010 master UI, :16030 region server UI): the status page at
 * `/`, the same snapshot as JSON at `/status.json`, and Prometheus metrics at `/metrics`. The
 * daemon passes functions that render its page and snapshot; this module only does the HTTP.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { serveMetrics } from '../metrics.js';
import { escapeHtml } from './html.js';
import { listenHttp, send, type HttpListener } from './server.js';

export interface InfoServerOptions {
  host?: string;
  port: number;
  registry: Registry;
  /** Renders the HTML status page. */
  page: () => Promise<string> | string;
  /** The snapshot behind the page, as JSON (Buffers become base64). */
  json?: () => Promise<unknown> | unknown;
  /** More HTML pages by exact path (e.g. each region server's page in a standalone process). */
  pages?: Record<string, () => Promise<string> | string>;
}

function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      return Buffer.from((v as { data: number[] }).data).toString('base64');
    }
    return typeof v === 'bigint' ? v.toString() : v;
  });
}

export function infoHandler(options: InfoServerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (serveMetrics(options.registry, req, res)) return;
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'Method not allowed\n', { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      return;
    }
    const fail = (err: unknown): void => {
      const reason = `${(err as { code?: string }).code ?? 'UNAVAILABLE'}: ${String((err as Error)?.message ?? err)}`.replace(/\s+/g, ' ');
      send(res, 503, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Unavailable</title></head><body><h1>Status unavailable</h1><p>${escapeHtml(reason)}</p></body></html>\n`, {
        'Content-Type': 'text/html; charset=utf-8',
      });
    };
    if (path === '/' || path === '/status' || path === '/index.html') {
      Promise.resolve()
        .then(options.page)
        .then((html) => send(res, 200, html, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' }), fail);
      return;
    }
    const extra = path !== undefined ? options.pages?.[path] : undefined;
    if (extra) {
      Promise.resolve()
        .then(extra)
        .then((html) => send(res, 200, html, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' }), fail);
      return;
    }
    if (path === '/status.json' && options.json) {
      Promise.resolve()
        .then(options.json)
        .then((value) => send(res, 200, toJson(value), { 'Content-Type': 'application/json' }), fail);
      return;
    }
    send(res, 404, 'Not found\n', { 'Content-Type': 'text/plain; charset=utf-8' });
  };
}

/** Listens on host:port (127.0.0.1 by default; 0 = ephemeral) and serves the info routes. */
export function startInfoServer(options: InfoServerOptions): Promise<HttpListener> {
  return listenHttp(infoHandler(options), options.host ?? '127.0.0.1', options.port);
}
