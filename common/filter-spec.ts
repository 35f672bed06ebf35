/**
 * Entry point for filter descriptions: the FilterSpec types, their validation and their protobuf
 * form. The code lives in common/filter/ (one concept per file).
 */
export * from './filter/spec.js';
export { validateFilterSpec, compileFilterPattern } from './filter/validate.js';
export { filterSpecToProto, filterSpecFromProto, encodeFilterSpec, decodeFilterSpec } from './filter/proto.js';
