/** The coordination tree: a pure replicated state machine (znodes, sessions, watches). */
export * from './types.js';
export * from './path.js';
export { CoordStateMachine } from './state-machine.js';
