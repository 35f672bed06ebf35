/**
 * Basalt's public client API: `import { … } from 'basalt'`.
 *
 * Today it exposes the building blocks the full client (`connect`, `Table`, `Admin`, with meta
 * lookups and retries — DESIGN.md's contract) is made of: the coordination client, the region
 * server's low-level stream client, filters and the filter language, and the typed errors.
 */
export { BasaltError, ErrorCodes, type ErrorCode, type ErrorDetails } from '../common/errors.js';
export { CellType, type Cell } from '../common/cell.js';
export { CoordClient, type CoordClientOptions } from '../coord/client/index.js';
export * from '../coord/client/types.js';
export { RegionServerClient, RemoteScanner, type RegionServerClientOptions } from './rpc/region-server-client.js';
export * from '../common/filter-spec.js';
export * from '../common/filter-language.js';
