/**
 * The REST gateway's HTTP server: node:http around the router. It reads bodies under the byte
 * limit, turns every failure into a status with a one-line text reason (never a dropped
 * connection), serves its own `/metrics`, and closes idle scanners from its own timer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Connection } from '../client/api.js';
import { systemClock, type Clock } from '../common/clock.js';
import { listenHttp, readBody, type HttpListener } from '../common/http/server.js';
import { createLogger } from '../common/logger.js';
import { createMetricsRegistry, registerRestMetrics, RequestMetrics, serveMetrics, type Registry } from '../common/metrics.js';
import { DEFAULT_REST_LIMITS, type RestContext, type RestLimits, type RestReply, type RestRequest } from './context.js';
import { errorResponse } from './http-error.js';
import { resourceName, route } from './router.js';
import { ScannerRegistry } from './scanner-registry.js';

export interface RestServerOptions {
  connection: Connection;
  host?: string;
  port?: number;
  limits?: Partial<RestLimits>;
  clock?: Clock;
  version?: string;
  /** A registry to add the gateway's metrics to (default: a new one with process metrics). */
  registry?: Registry;
}

export interface RestServer {
  readonly address: string;
  readonly port: number;
  readonly registry: Registry;
  readonly context: RestContext;
  close(): Promise<void>;
}

const log = createLogger('rest');

function splitPath(url: string): { segments: string[]; query: URLSearchParams } {
  const q = url.indexOf('?');
  const path = q >= 0 ? url.slice(0, q) : url;
  const query = new URLSearchParams(q >= 0 ? url.slice(q + 1) : '');
  const trimmed = path.replace(/^\/+/, '');
  return { segments: trimmed === '' ? [] : trimmed.split('/'), query };
}

function write(res: ServerResponse, reply: RestReply, head: boolean): void {
  const headers: Record<string, string | number> = { ...(reply.headers ?? {}) };
  let body: Buffer | undefined;
  if (reply.json !== undefined) {
    body = Buffer.from(JSON.stringify(reply.json), 'utf8');
    headers['Content-Type'] = 'application/json';
  } else if (reply.bytes !== undefined) {
    body = reply.bytes;
    headers['Content-Type'] = 'application/octet-stream';
  } else if (reply.text !== undefined) {
    body = Buffer.from(`${reply.text}\r\n`, 'utf8');
    headers['Content-Type'] = 'text/plain; charset=utf-8';
  }
  // 204 and 304 carry no body by definition.
  if (reply.status === 204 || reply.status === 304) body = undefined;
  headers['Content-Length'] = body?.length ?? 0;
  res.writeHead(reply.status, headers);
  res.end(head ? undefined : body);
}

export async function startRestServer(options: RestServerOptions): Promise<RestServer> {
  const clock = options.clock ?? systemClock;
  const limits: RestLimits = { ...DEFAULT_REST_LIMITS, ...(options.limits ?? {}) };
  const scanners = new ScannerRegistry({ maxScanners: limits.maxScanners, idleTimeoutMs: limits.scannerIdleTimeoutMs }, clock);
  const context: RestContext = { connection: options.connection, limits, scanners, clock, version: options.version ?? '0.1.0' };
  const registry = options.registry ?? createMetricsRegistry();
  const requestMetrics = new RequestMetrics(registry, 'basalt_rest');
  registerRestMetrics(registry, () => ({ scannersOpen: scanners.size }));

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (serveMetrics(registry, req, res)) return;
    const url = req.url ?? '/';
    const { segments, query } = splitPath(url);
    const method = (req.method ?? 'GET').toUpperCase();
    const done = requestMetrics.start(`${method} ${resourceName(segments)}`);
    const host = req.headers.host ?? listener.address;
    let bodyRead = false;
    const request: RestRequest = {
      method: method === 'HEAD' ? 'GET' : method,
      segments,
      query,
      headers: req.headers,
      baseUrl: `http://${host}`,
      body: () => {
        bodyRead = true;
        return readBody(req, limits.maxBodyBytes);
      },
    };
    route(context, request).then(
      (reply) => {
        if (!bodyRead) req.resume();
        write(res, reply, method === 'HEAD');
        done(String(reply.status));
      },
      (err: unknown) => {
        if (!bodyRead) req.resume();
        const { status, text } = errorResponse(err);
        if (status >= 500) log.warn({ err, method, url }, 'request failed');
        write(res, { status, text }, method === 'HEAD');
        done(String(status));
      },
    );
  };

  const listener: HttpListener = await listenHttp(handle, options.host ?? '127.0.0.1', options.port ?? 8080);
  const sweepMs = Math.max(100, Math.min(5_000, Math.floor(limits.scannerIdleTimeoutMs / 4)));
  const sweeper = setInterval(() => {
    scanners.expireIdle().then(
      (n) => n > 0 && log.info({ expired: n }, 'closed idle scanners'),
      (err: unknown) => log.warn({ err }, 'scanner expiry failed'),
    );
  }, sweepMs);
  sweeper.unref();

  return {
    address: listener.address,
    port: listener.port,
    registry,
    context,
    close: async () => {
      clearInterval(sweeper);
      await scanners.closeAll();
      await listener.close();
    },
  };
}
