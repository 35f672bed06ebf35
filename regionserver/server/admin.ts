/**
 * The admin calls (unary): open, close, flush and compact regions; loads; online regions. Each
 * decodes its own request (a malformed one is INVALID_ARGUMENT) and answers typed errors through
 * the gRPC status with the basalt-error-bin trailer.
 */
import type { sendUnaryData, ServerUnaryCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import { basalt } from '../../proto/generated/basalt.js';
import { BasaltError, ErrorCodes, invalidArgument } from '../../common/errors.js';
import { toGrpcError } from '../../common/grpc-errors.js';
import type { RegionLoad } from '../region/api.js';
import { mergeRegionsOnDisk, removeRetiredRegion, splitRegionOnDisk } from '../region/split.js';
import { familyFromProto, num, regionInfoFromProto, regionInfoToProto, regionLoadToProto } from './conversions.js';
import type { OpenRegionParams } from './region-port.js';
import { ADMIN_METHODS, decodeMessage, type AdminMethod } from '../../common/rs-wire/service.js';

import pb = basalt.regionserver;

/** What the admin calls need from the server. */
export interface AdminTarget {
  openRegion(params: OpenRegionParams): Promise<number>;
  closeRegion(name: string): Promise<void>;
  flushRegion(name: string): Promise<number>;
  compactRegion(name: string, major: boolean): Promise<void>;
  regionLoad(name: string): RegionLoad;
  serverLoad(): pb.IServerLoad;
  onlineRegions(): pb.IGetOnlineRegionsResponse;
  /** The cluster's shared data root (split, merge and retired-region removal work on it). */
  readonly dataRoot?: string | undefined;
}

function requireDataRoot(target: AdminTarget): string {
  if (!target.dataRoot) throw new BasaltError(ErrorCodes.UNSUPPORTED, 'this region server has no data root (split and merge need one)');
  return target.dataRoot;
}

type Handler = (request: never) => Promise<object>;

function regionName(req: pb.IRegionRequest): string {
  if (!req.region) throw invalidArgument('region', 'a region encoded name is required');
  return req.region;
}

export function adminImplementation(target: AdminTarget): UntypedServiceImplementation {
  const handlers: Record<AdminMethod, Handler> = {
    OpenRegion: async (req: pb.OpenRegionRequest) => {
      const info = regionInfoFromProto(req.info, 'info');
      const families = (req.families ?? []).map((f, i) => familyFromProto(f, `families[${i}]`));
      if (families.length === 0) throw invalidArgument('families', 'a region needs at least one column family');
      const names = new Set(families.map((f) => f.name));
      if (names.size !== families.length) throw invalidArgument('families', 'duplicate family name');
      const openEpoch = num(req.openEpoch);
      if (!Number.isSafeInteger(openEpoch)) throw invalidArgument('openEpoch', 'not a safe integer');
      return { openSequenceId: await target.openRegion({ info, families, openEpoch }) };
    },
    CloseRegion: async (req: pb.RegionRequest) => {
      await target.closeRegion(regionName(req));
      return {};
    },
    FlushRegion: async (req: pb.RegionRequest) => ({ flushedSequenceId: await target.flushRegion(regionName(req)) }),
    CompactRegion: async (req: pb.CompactRegionRequest) => {
      if (!req.region) throw invalidArgument('region', 'a region encoded name is required');
      await target.compactRegion(req.region, req.major === true);
      return {};
    },
    GetRegionLoad: async (req: pb.RegionRequest) => regionLoadToProto(target.regionLoad(regionName(req))),
    GetServerLoad: async () => target.serverLoad(),
    GetOnlineRegions: async () => target.onlineRegions(),
    SplitRegion: async (req: pb.SplitRegionRequest) => {
      const parent = regionInfoFromProto(req.parent, 'parent');
      const result = await splitRegionOnDisk({
        dataRoot: requireDataRoot(target),
        parent,
        splitKey: req.hasSplitKey ? Buffer.from(req.splitKey ?? []) : undefined,
        daughterRegionId: num(req.daughterRegionId),
      });
      return { splitKey: result.splitKey, daughters: result.daughters.map(regionInfoToProto), parentMaxSequenceId: result.parentMaxSequenceId };
    },
    MergeRegions: async (req: pb.MergeRegionsRequest) => {
      const parents = (req.parents ?? []).map((p, i) => regionInfoFromProto(p, `parents[${i}]`));
      const merged = regionInfoFromProto(req.merged, 'merged');
      return { parentsMaxSequenceId: await mergeRegionsOnDisk({ dataRoot: requireDataRoot(target), parents, merged }) };
    },
    RemoveRetiredRegion: async (req: pb.RemoveRetiredRegionRequest) =>
      removeRetiredRegion({ dataRoot: requireDataRoot(target), region: regionInfoFromProto(req.region, 'region') }),
  };
  const impl: UntypedServiceImplementation = {};
  for (const name of Object.keys(ADMIN_METHODS) as AdminMethod[]) {
    const [requestType, responseType] = ADMIN_METHODS[name];
    impl[name] = (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      Promise.resolve()
        .then(() => decodeMessage<object>(requestType, call.request, 'request'))
        .then((request) => handlers[name](request as never))
        .then(
          (response) => {
            const bytes = (responseType as { encode(m: object): { finish(): Uint8Array } }).encode(response).finish();
            callback(null, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
          },
          (err: unknown) => callback(toGrpcError(err)),
        );
    };
  }
  return impl;
}

