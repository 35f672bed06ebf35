/**
 * Basalt's public client API: `import { connect } from 'basalt'`.
 *
 * `connect()` returns a Connection (DESIGN.md's contract): `table(name)` for data, `admin()` for
 * administration, with region location, meta lookups and retries inside. The building blocks stay
 * exported for tools: the coordination client, the region server's low-level stream client,
 * filters and the filter language, and the typed errors.
 */
export { connect } from './connection.js';
export type * from './api.js';
// api.ts's CompareOperator (checkAndMutate) is a subset of the filters' one, which keeps the name.
export type { CompareOperator } from '../common/filter-spec.js';
export { BasaltError, ErrorCodes, type ErrorCode, type ErrorDetails } from '../common/errors.js';
export { CellType, type Cell } from '../common/cell.js';
export { CoordClient, type CoordClientOptions } from '../coord/client/index.js';
export * from '../coord/client/types.js';
export { RegionServerClient, RemoteScanner, type RegionServerClientOptions } from './rpc/region-server-client.js';
export * from '../common/filter-spec.js';
export * from '../common/filter-language.js';
