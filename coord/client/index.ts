/** The coordination service's client: sessions, watches, typed errors, and the wire surface. */
export { CoordClient, type CoordClientOptions } from './coord-client.js';
export * from './types.js';
