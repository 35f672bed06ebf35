/** The coordination tree: a pure replicated state machine (znodes, sessions, watches). */
export * from './types.js';
export * from './path.js';
export { CoordStateMachine } from './state-machine.js';
export { WatchManager } from './watches.js';
export { SessionTable, SessionTracker, MAX_REMEMBERED_ENDED_SESSIONS, type SessionStatus } from './sessions.js';
export { encodeCommand, decodeCommand, SNAPSHOT_FORMAT_VERSION } from './codec.js';
export { statOf, type TreeChange } from './data-tree.js';
