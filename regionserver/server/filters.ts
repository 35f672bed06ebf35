/** The data plane's filter decoder: wire bytes (basalt.filter.Filter) → FilterSpec → server-side Filter. */
import { decodeFilterSpec } from '../../common/filter/proto.js';
import { createFilter } from '../filter/create-filter.js';
import type { FilterDecoder } from './conversions.js';

export const basaltFilters: FilterDecoder = (encoded, field, options) => createFilter(decodeFilterSpec(encoded, field), { reversed: options.reversed });
