/** The data plane's filter decoder: wire bytes (basalt.filter.Filter) → server-side Filter (typed INVALID_ARGUMENT on bad input). */
import { decodeFilter } from '../filter/create-filter.js';
import type { FilterDecoder } from './conversions.js';

export const basaltFilters: FilterDecoder = (encoded, field, options) => decodeFilter(encoded, field, { reversed: options.reversed });
