/**
 * Reading HBase REST JSON from clients: strict base64, integers that Jackson would accept (numbers
 * or numeric strings), objects and lists. Every failure is a RestError 400 naming the field, so a
 * bad body never reaches the cluster and never becomes a 500.
 */
import { badRequest } from './http-error.js';

export type JsonObject = Record<string, unknown>;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Parses a request body as JSON; an empty body is `undefined`. */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (err) {
    throw badRequest(`body is not valid JSON (${(err as Error).message})`);
  }
}

export function object(value: unknown, field: string): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest(`${field} must be a JSON object`);
  }
  return value as JsonObject;
}

export function list(value: unknown, field: string): unknown[] {
  if (value === undefined || value === null) return [];
  // Jackson reads a single element where a list is expected (ACCEPT_SINGLE_VALUE_AS_ARRAY).
  return Array.isArray(value) ? value : [value];
}

/** Base64 as Java's decoder takes it (padding optional); `undefined` stays undefined. */
export function base64(value: unknown, field: string): Buffer | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest(`${field} must be a base64 string`);
  if (!BASE64.test(value) || value.replace(/=+$/, '').length % 4 === 1) {
    throw badRequest(`${field} is not valid base64`);
  }
  return Buffer.from(value, 'base64');
}

export function requiredBase64(value: unknown, field: string): Buffer {
  const bytes = base64(value, field);
  if (bytes === undefined) throw badRequest(`${field} is required`);
  return bytes;
}

/** An integer in [min, max] given as a JSON number or a numeric string. */
export function integer(value: unknown, field: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw badRequest(`${field} must be an integer`);
  if (n < min || n > max) throw badRequest(`${field} must be in ${min}..${max}, got ${n}`);
  return n;
}

export function bool(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw badRequest(`${field} must be true or false`);
}

export function string(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest(`${field} must be a string`);
  return value;
}

/** Java's Long.MAX_VALUE as HBase clients send "no upper bound"; JSON numbers lose it, so compare loosely. */
export const JAVA_LONG_MAX = 9_223_372_036_854_775_807;

/** A timestamp in ms; HBase's "latest" / "unbounded" sentinels (Long.MAX_VALUE) come back as undefined. */
export function timestamp(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && value >= JAVA_LONG_MAX) return undefined;
  if (typeof value === 'string' && value.trim() === '9223372036854775807') return undefined;
  return integer(value, field, 0, Number.MAX_SAFE_INTEGER);
}
