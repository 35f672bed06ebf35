/**
 * Table and namespace names as HBase defines them: `namespace:qualifier`, namespace `default` when
 * omitted, characters `[a-zA-Z0-9_.-]` (the qualifier) and `[a-zA-Z0-9_]` (the namespace), no
 * leading `.` or `-`, and `.`/`..` never a name (they would escape the data root as directory
 * names). Shared by the master (which validates) and the client (which qualifies names before
 * sending them), so both agree on what a name means.
 */
import { createHash } from 'node:crypto';
import { invalidArgument } from './errors.js';

export const DEFAULT_NAMESPACE = 'default';
export const SYSTEM_NAMESPACE = 'basalt';
export const META_TABLE = 'basalt:meta';

const QUALIFIER = /^[a-zA-Z0-9_][a-zA-Z0-9_.-]*$/;
const NAMESPACE = /^[a-zA-Z0-9_]+$/;
const MAX_NAME_LENGTH = 255;

/** Validates a namespace name; returns it. */
export function validateNamespace(name: string, field = 'namespace'): string {
  if (typeof name !== 'string' || name.length === 0) throw invalidArgument(field, 'a namespace name is required');
  if (name.length > MAX_NAME_LENGTH) throw invalidArgument(field, `longer than ${MAX_NAME_LENGTH} characters`);
  if (!NAMESPACE.test(name)) throw invalidArgument(field, `illegal namespace name '${name}': only [a-zA-Z0-9_] allowed`);
  return name;
}

/** `t` → `default:t`; `ns:t` stays; validates both parts. */
export function qualifyTableName(name: string, field = 'table'): string {
  if (typeof name !== 'string' || name.length === 0) throw invalidArgument(field, 'a table name is required');
  const colon = name.indexOf(':');
  const namespace = colon >= 0 ? name.slice(0, colon) : DEFAULT_NAMESPACE;
  const qualifier = colon >= 0 ? name.slice(colon + 1) : name;
  validateNamespace(namespace, field);
  if (qualifier.length === 0) throw invalidArgument(field, `table name '${name}' has an empty qualifier`);
  if (qualifier.length > MAX_NAME_LENGTH) throw invalidArgument(field, `longer than ${MAX_NAME_LENGTH} characters`);
  if (!QUALIFIER.test(qualifier) || qualifier === '.' || qualifier === '..') {
    throw invalidArgument(field, `illegal table name '${name}': [a-zA-Z0-9_.-] allowed, no leading '.' or '-'`);
  }
  return `${namespace}:${qualifier}`;
}

/** The name as HBase shows it: `t` for the default namespace, `ns:t` otherwise. */
export function displayTableName(qualified: string): string {
  return qualified.startsWith(`${DEFAULT_NAMESPACE}:`) ? qualified.slice(DEFAULT_NAMESPACE.length + 1) : qualified;
}

export function namespaceOf(qualified: string): string {
  const colon = qualified.indexOf(':');
  return colon >= 0 ? qualified.slice(0, colon) : DEFAULT_NAMESPACE;
}

/**
 * A region's encoded name: the hex MD5 of `table,startKey,regionId` (HBase's encoded region name).
 * Different tables, start keys or region ids give different names, so the WAL key and the region
 * directory of one region never collide with another's.
 */
export function encodeRegionName(table: string, startKey: Uint8Array, regionId: number): string {
  return createHash('md5')
    .update(table)
    .update(',')
    .update(startKey)
    .update(',')
    .update(String(regionId))
    .digest('hex');
}
