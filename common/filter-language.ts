/** Entry point for HBase's filter language: parseFilter, formatFilter (code in common/filter/language.ts). */
export {
  parseFilter,
  formatFilter,
  normalizeFilterSpec,
  filterParseError,
  FILTER_LANGUAGE_NAMES,
} from './filter/language.js';
