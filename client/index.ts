/** Basalt's public client API: `import { connect } from 'basalt'`. */
export { BasaltError, ErrorCodes, type ErrorCode } from '../common/errors.js';
