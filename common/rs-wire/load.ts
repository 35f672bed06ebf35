/**
 * Region load from the wire (basalt.regionserver.RegionLoad) with every 64-bit field as a number:
 * the client decodes a region server's own report (regionLoadFromProto) and the per-region part of
 * the master's cluster status (regionLoadSummaryFromProto). Shared wire contract.
 */
import { basalt } from '../../proto/generated/basalt.js';
import { int64ToNumber as num } from '../proto-numbers.js';
import type { RegionLoad, RegionLoadSummary } from './types.js';

import pb = basalt.regionserver;

export function regionLoadSummaryFromProto(r: pb.IRegionLoad): RegionLoadSummary {
  return {
    encodedName: r.encodedName ?? '',
    table: r.table ?? '',
    memstoreSizeBytes: num(r.memstoreSizeBytes),
    storeFileCount: r.storeFileCount ?? 0,
    storeFileSizeBytes: num(r.storeFileSizeBytes),
    readRequests: num(r.readRequests),
    writeRequests: num(r.writeRequests),
  };
}

export function regionLoadFromProto(r: pb.IRegionLoad): RegionLoad {
  return {
    ...regionLoadSummaryFromProto(r),
    maxSequenceId: num(r.maxSequenceId),
    maxFlushedSequenceId: num(r.maxFlushedSequenceId),
    referenceFileCount: r.referenceFileCount ?? 0,
  };
}
