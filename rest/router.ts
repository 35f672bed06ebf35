/**
 * Maps a request's path onto HBase REST's resources. Cluster-wide names (`version`, `status`,
 * `namespaces`, `metrics`) come first, as in hbase-rest's RootResource; anything else is a table.
 */
import { isBasaltError } from '../common/errors.js';
import { qualifyTableName } from '../common/table-names.js';
import type { RestContext, RestReply, RestRequest } from './context.js';
import { clusterStatus, clusterVersion, methodNotAllowed, namespaceInstance, namespaceTables, namespaces, tableList, version } from './handlers/cluster.js';
import { multiGet, rowResource } from './handlers/rows.js';
import { createScanner, scannerInstance } from './handlers/scanners.js';
import { exists, regions, schema } from './handlers/table.js';
import { badRequest, notFound } from './http-error.js';
import { decodePathBytes } from './row-spec.js';

/** A short name for the resource a request addressed (the `resource` label of the gateway's metrics). */
export function resourceName(segments: string[]): string {
  const [first, second, third] = segments;
  if (first === undefined || first === '') return 'tables';
  if (first === 'version' || first === 'status' || first === 'namespaces') return first;
  if (second === undefined) return 'row';
  if (second === 'schema' || second === 'exists' || second === 'regions' || second === 'multiget') return second;
  if (second === 'scanner') return third === undefined ? 'scanner' : 'scanner_next';
  return 'row';
}

function tableName(raw: string): string {
  const name = decodePathBytes(raw, 'table').toString('utf8');
  try {
    return qualifyTableName(name);
  } catch (err) {
    if (isBasaltError(err)) throw badRequest(err.message);
    throw err;
  }
}

function getOnly(req: RestRequest): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(req.method);
}

export async function route(ctx: RestContext, req: RestRequest): Promise<RestReply> {
  const s = req.segments;
  const [first, second] = s;
  if (first === undefined || first === '') {
    getOnly(req);
    return tableList(ctx);
  }
  if (first === 'version' && s.length <= 2) {
    getOnly(req);
    if (second === undefined || second === '' || second === 'rest') return version(ctx);
    if (second === 'cluster') return clusterVersion(ctx);
    throw notFound();
  }
  if (first === 'status' && second === 'cluster' && s.length === 2) {
    getOnly(req);
    return clusterStatus(ctx);
  }
  if (first === 'namespaces') {
    if (s.length === 1 || (s.length === 2 && second === '')) {
      getOnly(req);
      return namespaces(ctx);
    }
    if (s.length === 2) return namespaceInstance(ctx, req, second!);
    if (s.length === 3 && s[2] === 'tables') {
      getOnly(req);
      return namespaceTables(ctx, second!);
    }
    throw notFound();
  }

  const table = tableName(first);
  if (second === undefined || second === '') throw notFound('Not found: name a row, schema, regions, exists, scanner or multiget under the table');
  const rest = s.slice(1);
  switch (second) {
    case 'schema':
      if (rest.length !== 1) throw notFound();
      return schema(ctx, req, table, first);
    case 'exists':
      if (rest.length !== 1) throw notFound();
      getOnly(req);
      return exists(ctx, table);
    case 'regions':
      if (rest.length !== 1) throw notFound();
      getOnly(req);
      return regions(ctx, table);
    case 'scanner':
      if (rest.length === 1) return createScanner(ctx, req, table, first);
      if (rest.length === 2 && rest[1] !== '') return scannerInstance(ctx, req, table, rest[1]!);
      throw notFound();
    case 'multiget':
      if (rest.length > 2) throw notFound();
      return multiGet(ctx, req, table, rest[1]);
    default:
      return rowResource(ctx, req, table, rest);
  }
}
