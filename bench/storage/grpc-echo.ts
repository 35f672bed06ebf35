/**
 * A bare gRPC echo on the data plane's stream shape, for the benchmark's transport ceiling: the
 * same Batch method, the same frames and message sizes (a get answers one 10 × 100 B row, a multi
 * one empty result per action, a scan `limit` such rows), but no regions, no WAL, no bounds. The
 * difference between this and basalt-grpc is the server's own work.
 *
 * Run as a program (`node grpc-echo.js`) it serves on 127.0.0.1:0 and prints its ready line.
 */
import { Server, ServerCredentials, type ServerDuplexStream } from '@grpc/grpc-js';
import * as protobuf from 'protobufjs/minimal.js';
import { fileURLToPath } from 'node:url';
import { basalt } from '../../proto/generated/basalt.js';
import { CellType } from '../../common/cell.js';
import { dataServiceDefinition, FRAME_OVERHEAD_BYTES } from '../../common/rs-wire/service.js';
import { DEFAULT_CONFIG } from '../../common/config.js';

import pb = basalt.regionserver;

const FIELDS = 10;
const FIELD_BYTES = 100;

function echoRow(row: Uint8Array): pb.IRow {
  const cells: pb.IRowCell[] = [];
  for (let f = 0; f < FIELDS; f++) {
    cells.push({ family: 'cf', qualifier: Buffer.from(`field${f}`), timestamp: 1_700_000_000_000, type: CellType.Put, value: Buffer.alloc(FIELD_BYTES, 97), sequenceId: 1 });
  }
  return { row, cells };
}

/** Encodes [id, then the pre-encoded rest of a ResponseItem] without re-encoding the payload. */
function itemBytes(id: number, rest: Uint8Array): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32(8).uint32(id);
  const head = w.finish();
  const out = new Uint8Array(head.length + rest.length);
  out.set(head, 0);
  out.set(rest, head.length);
  return out;
}

export async function startGrpcEcho(port = 0): Promise<{ address: string; stop(): Promise<void> }> {
  const maxBytes = DEFAULT_CONFIG.regionserver.maxRequestBytes + FRAME_OVERHEAD_BYTES;
  const server = new Server({ 'grpc.max_receive_message_length': maxBytes, 'grpc.max_send_message_length': -1 });
  const cache = new Map<string, Uint8Array>();
  const cached = (key: string, make: () => pb.IResponseItem): Uint8Array => {
    let bytes = cache.get(key);
    if (!bytes) {
      bytes = pb.ResponseItem.encode(make()).finish();
      cache.set(key, bytes);
    }
    return bytes;
  };
  server.addService(dataServiceDefinition, {
    Batch: (call: ServerDuplexStream<Buffer, Buffer>) => {
      call.on('data', (frame: Buffer) => {
        const batch = pb.BatchRequest.decode(frame);
        const w = protobuf.Writer.create();
        for (const item of batch.items) {
          let rest: Uint8Array;
          if (item.get) rest = cached(`get:${item.get.get?.row?.length ?? 0}`, () => ({ get: { row: echoRow(item.get!.get?.row ?? new Uint8Array()) } }));
          else if (item.multi) {
            const n = item.multi.actions?.length ?? 0;
            rest = cached(`multi:${n}`, () => ({ multi: { results: Array.from({ length: n }, () => ({})) } }));
          } else if (item.scan) {
            const n = Number(item.scan.scan?.limit ?? 0) || item.scan.maxRows || 100;
            rest = cached(`scan:${n}`, () => ({ scan: { rows: Array.from({ length: n }, () => echoRow(Buffer.from('user0000000000000000000'))), moreResults: false } }));
          } else rest = cached('other', () => ({ mutate: {} }));
          w.uint32(10).bytes(itemBytes(item.id ?? 0, rest));
        }
        const out = w.finish();
        call.write(Buffer.from(out.buffer, out.byteOffset, out.byteLength));
      });
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },
    Execute: (_call: unknown, callback: (err: Error | null, value?: Buffer) => void) => callback(null, Buffer.alloc(0)),
  });
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    address: `127.0.0.1:${bound}`,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const echo = await startGrpcEcho(0);
  process.stdout.write(`basalt grpc-echo ready address=${echo.address}\n`);
  const stop = (): void => void echo.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
