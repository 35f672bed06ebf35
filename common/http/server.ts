/**
 * Small shared HTTP helpers for the daemons' HTTP ports (REST gateway, status pages, /metrics):
 * listening on an address, reading a request body under a byte limit, and answering with bytes.
 * Plain node:http: the surface is small and every limit stays visible here.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BasaltError, ErrorCodes } from '../errors.js';

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface HttpListener {
  readonly server: Server;
  /** `host:port` actually bound (the real port when 0 was asked for). */
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Listens on host:port (0: ephemeral); resolves once bound, rejects on EADDRINUSE and friends. */
export async function listenHttp(handler: HttpHandler, host: string, port: number): Promise<HttpListener> {
  const server = createServer(handler);
  // Slow or idle clients must not hold sockets forever (STYLE.md §8).
  server.headersTimeout = 30_000;
  server.requestTimeout = 120_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const address = `${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port}`;
  return {
    server,
    address,
    port: bound.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Reads the whole request body, refusing (REQUEST_TOO_LARGE) as soon as it passes maxBytes — by
 * Content-Length before reading anything, or while streaming when the length is not declared.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    req.resume();
    return Promise.reject(tooLarge(maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) {
        done = true;
        chunks.length = 0;
        // Keep draining (without storing) so the connection can still carry the answer.
        req.resume();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) {
        done = true;
        resolve(Buffer.concat(chunks, size));
      }
    });
    req.on('error', (err) => {
      if (!done) {
        done = true;
        reject(err);
      }
    });
  });
}

function tooLarge(maxBytes: number): BasaltError {
  return new BasaltError(ErrorCodes.REQUEST_TOO_LARGE, `request body larger than ${maxBytes} bytes`, { maxBytes });
}

/** Writes a complete answer: status, headers, body (a string is sent as UTF-8). */
export function send(res: ServerResponse, status: number, body: Buffer | string, headers: Record<string, string | number> = {}): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, { ...headers, 'Content-Length': bytes.length });
  res.end(bytes);
}
