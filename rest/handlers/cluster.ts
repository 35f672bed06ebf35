/**
 * Cluster-wide resources: `/version`, `/version/cluster`, `/status/cluster`, `/` (the table list)
 * and the namespaces (`/namespaces`, `/namespaces/NS`, `/namespaces/NS/tables`), in HBase REST's
 * JSON shapes (VersionModel, StorageClusterVersionModel, StorageClusterStatusModel,
 * TableListModel, NamespacesModel, NamespacesInstanceModel).
 */
import { arch, release, type } from 'node:os';
import type { RegionDescription } from '../../client/api.js';
import { isBasaltError, ErrorCodes } from '../../common/errors.js';
import { displayTableName, META_TABLE, validateNamespace } from '../../common/table-names.js';
import { ok, type RestContext, type RestReply, type RestRequest } from '../context.js';
import { badRequest, notFound, RestError } from '../http-error.js';
import { object, parseJsonBody } from '../json-input.js';
import { decodePathBytes } from '../row-spec.js';

/** The REST protocol version HBase's gateway reports. */
const REST_VERSION = '0.0.3';

export function version(ctx: RestContext): RestReply {
  return ok({
    REST: REST_VERSION,
    JVM: `Node.js ${process.version}`,
    OS: `${type()} ${release()} ${arch()}`,
    Server: `basalt/${ctx.version}`,
    Jersey: 'n/a',
  });
}

export async function clusterVersion(ctx: RestContext): Promise<RestReply> {
  const status = await ctx.connection.admin().clusterStatus();
  return ok({ Version: status.version });
}

/** HBase's region name as TableRegionModel spells it: `table,startKey,regionId`. */
export function regionName(region: RegionDescription): string {
  return `${displayTableName(region.table)},${region.startKey.toString('utf8')},${region.regionId}`;
}

const MB = 1024 * 1024;

/**
 * The full region name HBase's RegionInfo.getRegionName() gives (and StorageClusterStatusModel
 * carries): `table,startKey,regionId.encodedName.` for a user region; the meta region keeps the
 * old format without the encoded name, as hbase:meta,,1 does.
 */
export function fullRegionName(region: RegionDescription): string {
  return region.table === META_TABLE ? regionName(region) : `${regionName(region)}.${region.encodedName}.`;
}

export async function clusterStatus(ctx: RestContext): Promise<RestReply> {
  const admin = ctx.connection.admin();
  const [status, regions, tables] = await Promise.all([admin.clusterStatus(), admin.listRegions(), admin.listTables({ includeSystem: true })]);
  const familyCount = new Map(tables.map((t) => [t.name, t.families.length]));
  const byServer = new Map<string, RegionDescription[]>();
  for (const r of regions) {
    const list = byServer.get(r.serverName) ?? [];
    list.push(r);
    byServer.set(r.serverName, list);
  }
  let requests = 0;
  const liveNodes = status.liveServers.map((s) => {
    requests += s.requestsPerSecond;
    const loads = new Map((s.regions ?? []).map((l) => [l.encodedName, l]));
    const startCode = Number(s.serverName.split(',')[1] ?? 0);
    return {
      name: s.address,
      startCode: Number.isFinite(startCode) ? startCode : 0,
      requests: Math.round(s.requestsPerSecond),
      heapSizeMB: Math.floor((s.heapUsedBytes ?? 0) / MB),
      maxHeapSizeMB: Math.floor((s.heapMaxBytes ?? 0) / MB),
      Region: (byServer.get(s.serverName) ?? []).map((r) => {
        const load = loads.get(r.encodedName);
        return {
          name: Buffer.from(fullRegionName(r), 'utf8').toString('base64'),
          stores: familyCount.get(r.table) ?? 0,
          storefiles: load?.storeFileCount ?? 0,
          // HBase reports whole megabytes (truncated); the exact bytes follow as Basalt's own fields.
          storefileSizeMB: Math.floor((load?.storeFileSizeBytes ?? 0) / MB),
          memStoreSizeMB: Math.floor((load?.memstoreSizeBytes ?? 0) / MB),
          storefileIndexSizeKB: 0,
          readRequestsCount: load?.readRequests ?? 0,
          cpRequestsCount: 0,
          writeRequestsCount: load?.writeRequests ?? 0,
          rootIndexSizeKB: 0,
          totalStaticIndexSizeKB: 0,
          totalStaticBloomSizeKB: 0,
          totalCompactingKVs: 0,
          currentCompactedKVs: 0,
          storefileSizeBytes: load?.storeFileSizeBytes ?? 0,
          memStoreSizeBytes: load?.memstoreSizeBytes ?? 0,
        };
      }),
      // Basalt's own per-server figures, beside HBase's fields (JSON clients ignore unknown fields).
      storefiles: s.storeFileCount,
      storefileSizeMB: Math.floor(s.storeFileSizeBytes / MB),
      memStoreSizeMB: Math.floor(s.memstoreSizeBytes / MB),
    };
  });
  return ok({
    regions: status.regionCount,
    requests: Math.round(requests),
    averageLoad: status.averageLoad,
    LiveNodes: liveNodes,
    DeadNodes: status.deadServers,
  });
}

export async function tableList(ctx: RestContext): Promise<RestReply> {
  const tables = await ctx.connection.admin().listTables();
  return ok({ table: tables.map((t) => ({ name: displayTableName(t.name) })) });
}

// ---- namespaces ----

export async function namespaces(ctx: RestContext): Promise<RestReply> {
  const list = await ctx.connection.admin().listNamespaces();
  return ok({ Namespace: list.map((n) => n.name) });
}

function namespaceName(raw: string): string {
  const name = decodePathBytes(raw, 'namespace').toString('utf8');
  try {
    return validateNamespace(name);
  } catch (err) {
    if (isBasaltError(err)) throw badRequest(err.message);
    throw err;
  }
}

async function exists(ctx: RestContext, name: string): Promise<boolean> {
  const list = await ctx.connection.admin().listNamespaces();
  return list.some((n) => n.name === name);
}

function properties(body: Buffer): Record<string, string> {
  const parsed = parseJsonBody(body);
  if (parsed === undefined) return {};
  const props = object(parsed, 'body')['properties'];
  if (props === undefined || props === null) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(object(props, 'properties'))) {
    if (typeof v !== 'string') throw badRequest(`properties.${k} must be a string`);
    out[k] = v;
  }
  return out;
}

export async function namespaceInstance(ctx: RestContext, req: RestRequest, rawName: string): Promise<RestReply> {
  const name = namespaceName(rawName);
  const admin = ctx.connection.admin();
  switch (req.method) {
    case 'GET': {
      const desc = await admin.describeNamespace(name);
      return ok({ properties: desc.properties });
    }
    case 'POST': {
      const props = properties(await req.body());
      // HBase: POST creates; an existing namespace is refused with 403 (use PUT to alter).
      if (await exists(ctx, name)) throw new RestError(403, `Namespace '${name}' already exists. Use REST PUT to alter the existing namespace.`);
      await admin.createNamespace(name, props);
      return { status: 201, headers: { Location: `${req.baseUrl}/namespaces/${rawName}` } };
    }
    case 'PUT': {
      const props = properties(await req.body());
      if (!(await exists(ctx, name))) throw new RestError(403, `Namespace '${name}' does not exist. Use REST POST to create the namespace.`);
      // HBase's NamespacesInstanceResource: PUT replaces the descriptor (modifyNamespace), so a
      // property left out of the body is removed.
      await admin.modifyNamespace(name, props);
      return ok();
    }
    case 'DELETE': {
      if (!(await exists(ctx, name))) throw notFound(`Namespace '${name}' does not exist. Cannot drop namespace.`);
      await admin.deleteNamespace(name);
      return ok();
    }
    default:
      throw methodNotAllowed(req.method);
  }
}

export async function namespaceTables(ctx: RestContext, rawName: string): Promise<RestReply> {
  const name = namespaceName(rawName);
  try {
    // Listing by namespace alone answers [] for a namespace that does not exist: ask first.
    if (!(await exists(ctx, name))) throw notFound(`Namespace '${name}' does not exist.`);
    const tables = await ctx.connection.admin().listNamespaceTables(name);
    return ok({ table: tables.map((t) => ({ name: t.name.slice(t.name.indexOf(':') + 1) })) });
  } catch (err) {
    if (isBasaltError(err, ErrorCodes.NAMESPACE_NOT_FOUND)) throw notFound(`Namespace '${name}' does not exist.`);
    throw err;
  }
}

export function methodNotAllowed(method: string): RestError {
  return new RestError(405, `Method ${method} not allowed on this resource`);
}
