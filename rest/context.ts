/**
 * What every REST handler gets: the cluster (a `Connection`, injected so tests can pass a fake),
 * the gateway's limits and scanners, and the request in a transport-free form; what it returns:
 * a status with a JSON value, raw bytes or nothing. The server (server.ts) does the HTTP.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Connection } from '../client/api.js';
import type { Clock } from '../common/clock.js';
import type { ScannerRegistry } from './scanner-registry.js';

export interface RestLimits {
  /** Largest request body accepted (413 past it). */
  maxBodyBytes: number;
  /** Most cells one response carries: row GETs and multigets past it are refused, scanner batches are capped at it. */
  maxCellsPerResponse: number;
  /** Most stateful scanners open on the gateway at once (503 past it). */
  maxScanners: number;
  /** A scanner not read for this long is closed. */
  scannerIdleTimeoutMs: number;
  /** Most rows one multiget asks for. */
  maxMultiGetRows: number;
}

export const DEFAULT_REST_LIMITS: RestLimits = {
  maxBodyBytes: 16 * 1024 * 1024,
  maxCellsPerResponse: 10_000,
  maxScanners: 1_000,
  scannerIdleTimeoutMs: 60_000,
  maxMultiGetRows: 1_000,
};

export interface RestContext {
  connection: Connection;
  limits: RestLimits;
  scanners: ScannerRegistry;
  clock: Clock;
  /** Basalt's version (the gateway's "Server" in /version). */
  version: string;
}

export interface RestRequest {
  method: string;
  /** Path components after the first `/`, still percent-encoded (a row key may hold `%2F`). */
  segments: string[];
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The body, read on demand under maxBodyBytes. */
  body(): Promise<Buffer>;
  /** `http://host:port` as the client addressed the gateway, for Location headers. */
  baseUrl: string;
}

export interface RestReply {
  status: number;
  json?: unknown;
  bytes?: Buffer;
  text?: string;
  headers?: Record<string, string>;
}

export const ok = (json?: unknown): RestReply => (json === undefined ? { status: 200 } : { status: 200, json });
