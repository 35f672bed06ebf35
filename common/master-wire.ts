/**
 * The master's gRPC method table, shared by the master (master/service.ts) and the client
 * (client/admin.ts). Like the region server's admin calls, every method moves raw Buffers and each
 * side decodes with the generated protobuf types, so an undecodable request is a typed
 * INVALID_ARGUMENT rather than grpc-js's generic INTERNAL.
 */
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { basalt } from '../proto/generated/basalt.js';

import pb = basalt.master;

export const MASTER_SERVICE = 'basalt.master.Master';

/** Method name → [request type, response type]. */
export const MASTER_METHODS = {
  GetProcedure: [pb.GetProcedureRequest, pb.ProcedureInfo],
  CreateTable: [pb.CreateTableRequest, pb.ProcedureId],
  DeleteTable: [pb.TableNameRequest, pb.ProcedureId],
  EnableTable: [pb.TableNameRequest, pb.ProcedureId],
  DisableTable: [pb.TableNameRequest, pb.ProcedureId],
  TruncateTable: [pb.TruncateTableRequest, pb.ProcedureId],
  ModifyTable: [pb.ModifyTableRequest, pb.ProcedureId],
  ListTables: [pb.ListTablesRequest, pb.ListTablesResponse],
  DescribeTable: [pb.TableNameRequest, pb.TableInfo],
  TableExists: [pb.TableNameRequest, pb.TableExistsResponse],
  CreateNamespace: [pb.NamespaceRequest, pb.Empty],
  ModifyNamespace: [pb.NamespaceRequest, pb.Empty],
  DeleteNamespace: [pb.NamespaceNameRequest, pb.Empty],
  DescribeNamespace: [pb.NamespaceNameRequest, pb.NamespaceDescriptor],
  ListNamespaces: [pb.ListNamespacesRequest, pb.ListNamespacesResponse],
  ListRegions: [pb.ListRegionsRequest, pb.ListRegionsResponse],
  Split: [pb.SplitRequest, pb.ProcedureId],
  Merge: [pb.MergeRequest, pb.ProcedureId],
  Move: [pb.MoveRequest, pb.ProcedureId],
  Assign: [pb.RegionTarget, pb.ProcedureId],
  Unassign: [pb.RegionTarget, pb.ProcedureId],
  Flush: [pb.RegionTarget, pb.Empty],
  Compact: [pb.CompactRequest, pb.Empty],
  Balance: [pb.Empty, pb.BalanceResponse],
  BalancerSwitch: [pb.BalancerSwitchRequest, pb.BalancerSwitchResponse],
  ClusterStatus: [pb.ClusterStatusRequest, pb.ClusterStatus],
} as const;

export type MasterMethod = keyof typeof MASTER_METHODS;
export type MasterRequest<M extends MasterMethod> = Parameters<(typeof MASTER_METHODS)[M][0]['encode']>[0];
export type MasterResponse<M extends MasterMethod> = ReturnType<(typeof MASTER_METHODS)[M][1]['decode']>;

const identity = (b: Buffer): Buffer => b;

export const masterServiceDefinition: ServiceDefinition = Object.fromEntries(
  Object.keys(MASTER_METHODS).map((name) => [
    name,
    {
      path: `/${MASTER_SERVICE}/${name}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    } satisfies MethodDefinition<Buffer, Buffer>,
  ]),
);

export function masterPath(method: MasterMethod): string {
  return `/${MASTER_SERVICE}/${method}`;
}
