/**
 * Table resources: `/T/schema` (GET describe, PUT create or replace, POST create or update, DELETE
 * drop), `/T/exists` and `/T/regions`, with HBase REST's semantics and status codes (201 with a
 * Location when a table is created or replaced, 200 when updated, 404 for a missing table).
 */
import type { FamilyInput } from '../../client/api.js';
import { ErrorCodes, isBasaltError } from '../../common/errors.js';
import { displayTableName } from '../../common/table-names.js';
import { ok, type RestContext, type RestReply, type RestRequest } from '../context.js';
import { badRequest, notFound } from '../http-error.js';
import { parseJsonBody } from '../json-input.js';
import { parseTableSchema, tableSchemaJson } from '../schema-json.js';
import { methodNotAllowed, regionName } from './cluster.js';

async function requireTable(ctx: RestContext, table: string): Promise<void> {
  if (!(await ctx.connection.admin().tableExists(table))) throw notFound(`Not found: table '${table}' does not exist`);
}

export async function exists(ctx: RestContext, table: string): Promise<RestReply> {
  await requireTable(ctx, table);
  return ok();
}

export async function regions(ctx: RestContext, table: string): Promise<RestReply> {
  await requireTable(ctx, table);
  const list = await ctx.connection.admin().listRegions(table);
  return ok({
    name: displayTableName(list[0]?.table ?? table),
    Region: list.map((r) => ({
      endKey: r.endKey.toString('base64'),
      id: r.regionId,
      location: r.address,
      name: regionName(r),
      startKey: r.startKey.toString('base64'),
    })),
  });
}

export async function schema(ctx: RestContext, req: RestRequest, table: string, rawTable: string): Promise<RestReply> {
  const admin = ctx.connection.admin();
  switch (req.method) {
    case 'GET':
      return ok(tableSchemaJson(await admin.describeTable(table)));
    case 'PUT':
    case 'POST': {
      const body = parseJsonBody(await req.body());
      if (body === undefined) throw badRequest('a TableSchema body is required');
      const families = parseTableSchema(body);
      const created = { status: 201, headers: { Location: `${req.baseUrl}/${rawTable}/schema` } };
      if (!(await admin.tableExists(table))) {
        if (families.length === 0) throw badRequest('a table needs at least one column family');
        await admin.createTable({ name: table, families });
        return created;
      }
      await applyFamilies(ctx, table, families, req.method === 'PUT');
      // HBase answers a replace (PUT) with 201 Created and an update (POST) with 200.
      return req.method === 'PUT' ? created : ok();
    }
    case 'DELETE':
      try {
        await admin.disableTable(table);
      } catch (err) {
        // Already disabled is what we want anyway.
        if (!isBasaltError(err, ErrorCodes.TABLE_NOT_ENABLED) && !isBasaltError(err, ErrorCodes.TABLE_DISABLED)) throw err;
      }
      await admin.deleteTable(table);
      return ok();
    default:
      throw methodNotAllowed(req.method);
  }
}

/** Adds or alters the given families; a replace also drops the families the schema leaves out. */
async function applyFamilies(ctx: RestContext, table: string, families: FamilyInput[], replace: boolean): Promise<void> {
  const admin = ctx.connection.admin();
  const current = await admin.describeTable(table);
  const existing = new Set(current.families.map((f) => f.name));
  if (replace && families.length === 0) throw badRequest('a table needs at least one column family');
  for (const family of families) {
    if (existing.has(family.name)) await admin.modifyFamily(table, family);
    else await admin.addFamily(table, family);
  }
  if (replace) {
    const wanted = new Set(families.map((f) => f.name));
    for (const name of existing) if (!wanted.has(name)) await admin.deleteFamily(table, name);
  }
}
