/** The region server's filters: the contract, the factory, and the position helpers scans need. */
export * from './filter.js';
export { createFilter, decodeFilter, type CreateFilterOptions } from './create-filter.js';
export { compareCellToPosition, comparePositions } from './position.js';
export { isIncludeCode } from './filter-base.js';
