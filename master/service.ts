/**
 * The master's gRPC service: decodes each request with its generated type, runs the operation
 * on the active master (a backup answers MASTER_NOT_RUNNING with the active master's address),
 * and encodes the answer. Errors travel as typed gRPC errors (common/grpc-errors.ts).
 */
import type { sendUnaryData, ServerUnaryCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import { BasaltError, ErrorCodes, invalidArgument } from '../common/errors.js';
import { toGrpcError } from '../common/grpc-errors.js';
import { MASTER_METHODS, type MasterMethod } from '../common/master-wire.js';
import { basalt } from '../proto/generated/basalt.js';
import { procedureInfo, tableInfo, type MasterAdminOps } from './admin-ops.js';
import type { ActiveMaster } from './active-master.js';

import pb = basalt.master;

export interface MasterServiceTarget {
  /** The active master's state and operations, or MASTER_NOT_RUNNING. */
  active(): { master: ActiveMaster; ops: MasterAdminOps };
  clusterIdentity(): Promise<{ master: string; backupMasters: string[]; version: string }>;
  /** Sees every call's method, latency and outcome ('ok' or the error code): the metrics hook. */
  observe?(method: string, seconds: number, outcome: string): void;
}

type Handlers = { [M in MasterMethod]: (req: ReturnType<(typeof MASTER_METHODS)[M][0]['decode']>) => Promise<object> };

function handlers(target: MasterServiceTarget): Handlers {
  const ops = () => target.active().ops;
  const proc = async (id: Promise<number>): Promise<pb.IProcedureId> => ({ procedureId: await id });
  return {
    GetProcedure: async (req) => {
      const { master } = target.active();
      const id = Number(req.procedureId ?? 0);
      const record = master.executor.get(id) ?? (await master.procedures.require(id));
      return procedureInfo(record);
    },
    CreateTable: (req) => proc(ops().createTable(req)),
    DeleteTable: (req) => proc(ops().deleteTable(req.name)),
    EnableTable: (req) => proc(ops().enableTable(req.name)),
    DisableTable: (req) => proc(ops().disableTable(req.name)),
    TruncateTable: (req) => proc(ops().truncateTable(req)),
    ModifyTable: (req) => proc(ops().modifyTable(req)),
    ListTables: async (req) => ({ tables: await ops().listTables(req) }),
    DescribeTable: (req) => ops().describeTable(req.name),
    TableExists: async (req) => ({ exists: await ops().tableExists(req.name) }),
    CreateNamespace: async (req) => {
      const d = req.descriptor;
      if (!d?.name) throw invalidArgument('descriptor.name', 'a namespace name is required');
      await target.active().master.tables.createNamespace({ name: d.name, properties: { ...(d.properties ?? {}) } });
      return {};
    },
    ModifyNamespace: async (req) => {
      const d = req.descriptor;
      if (!d?.name) throw invalidArgument('descriptor.name', 'a namespace name is required');
      await target.active().master.tables.modifyNamespace({ name: d.name, properties: { ...(d.properties ?? {}) } });
      return {};
    },
    DeleteNamespace: async (req) => {
      await target.active().master.tables.deleteNamespace(req.name ?? '');
      return {};
    },
    DescribeNamespace: async (req) => target.active().master.tables.requireNamespace(req.name ?? ''),
    ListNamespaces: async () => ({ namespaces: await target.active().master.tables.listNamespaces() }),
    ListRegions: async (req) => ({ regions: ops().listRegions(req.table) }),
    Split: (req) => proc(ops().split(req)),
    Merge: (req) => proc(ops().merge(req)),
    Move: (req) => proc(ops().move(req)),
    Assign: (req) => proc(ops().assign(req)),
    Unassign: (req) => proc(ops().unassign(req)),
    Flush: async (req) => (await ops().flush(req), {}),
    Compact: async (req) => (await ops().compact(req), {}),
    // As HBase's `balancer`: false (not run) while the switch is off or regions are in transition.
    Balance: async () => target.active().master.balance(),
    BalancerSwitch: async (req) => ({ previous: await target.active().master.setBalancerSwitch(req.on ?? false) }),
    ClusterStatus: async () => {
      const { master: m, backupMasters, version } = await target.clusterIdentity();
      return ops().clusterStatus(m, backupMasters, version);
    },
  };
}

export function masterServiceImplementation(target: MasterServiceTarget): UntypedServiceImplementation {
  const table = handlers(target) as unknown as Record<string, (req: unknown) => Promise<object>>;
  const impl: UntypedServiceImplementation = {};
  for (const name of Object.keys(MASTER_METHODS) as MasterMethod[]) {
    const [requestType, responseType] = MASTER_METHODS[name];
    impl[name] = (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      const started = process.hrtime.bigint();
      const observe = (outcome: string) => target.observe?.(name, Number(process.hrtime.bigint() - started) / 1e9, outcome);
      void (async () => {
        try {
          let request: unknown;
          try {
            request = (requestType as { decode(b: Uint8Array): unknown }).decode(call.request);
          } catch (err) {
            throw invalidArgument('request', `malformed ${name} request: ${(err as Error).message}`);
          }
          const response = await table[name]!(request);
          const bytes = (responseType as { encode(m: object): { finish(): Uint8Array } }).encode(response).finish();
          observe('ok');
          callback(null, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        } catch (err) {
          observe(err instanceof BasaltError ? err.code : ErrorCodes.INTERNAL);
          callback(toGrpcError(err instanceof Error ? err : new BasaltError(ErrorCodes.INTERNAL, String(err))));
        }
      })();
    };
  }
  return impl;
}

export { tableInfo };
