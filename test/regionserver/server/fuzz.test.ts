// Proves that random and mutated protobuf messages sent to a live region server get typed answers
// (a known error code, never INTERNAL), never crash it, and that a rejected request changes nothing
// in the region (its full content, all versions, is compared before and after).
import { Client, credentials } from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basalt } from '../../../proto/generated/basalt.js';
import { CellType } from '../../../common/cell.js';
import { ErrorCodes, isErrorCode } from '../../../common/errors.js';
import { encodeFilterSpec } from '../../../common/filter/proto.js';
import { fromGrpcError } from '../../../common/grpc-errors.js';
import { ADMIN_METHODS, BATCH_PATH, type AdminMethod } from '../../../common/rs-wire/service.js';
import { FAMILIES, get, put, regionInfo, startServer, valueOf, type Harness } from './harness.js';

import pb = basalt.regionserver;

const SEED = Number(process.env.BASALT_FUZZ_SEED ?? 20_261_122);
const RUNS = Number(process.env.BASALT_FUZZ_RUNS ?? 250);
let h: Harness;

beforeAll(async () => {
  h = await startServer({ config: { maxRowKeyBytes: 256, maxCellBytes: 4096, maxRequestBytes: 64 * 1024, maxRowsPerRequest: 50 } });
  await h.client.openRegion({ info: regionInfo('r1', '', 'x'), families: FAMILIES, openEpoch: 1 });
  for (let i = 0; i < 10; i++) await h.client.mutate('r1', put(`base${i}`, 'q', `v${i}`));
});
afterAll(async () => h?.stop());

/** Every cell of the region, every version, as one string. */
async function snapshot(): Promise<string> {
  const out: string[] = [];
  for await (const row of h.client.scan('r1', { maxVersions: 100 }, { maxRows: 500 })) {
    for (const c of row.cells) out.push(`${row.row.toString('hex')}/${c.family}/${c.qualifier.toString('hex')}/${c.timestamp}/${c.type}/${c.value.toString('hex')}`);
  }
  return out.join('\n');
}

const rowArb = fc.constantFrom('fz', 'fz1', 'fz2', 'base1', 'y-outside').map((s) => Buffer.from(s));
const qualifierArb = fc.constantFrom('q', 'n', '').map((s) => Buffer.from(s));
const familyArb = fc.constantFrom('cf', 'meta', 'nope', '');
const valueArb = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));
const cellArb = fc.record({
  family: familyArb,
  qualifier: fc.option(qualifierArb, { nil: undefined }),
  timestamp: fc.option(fc.integer({ min: 0, max: 2 ** 40 }), { nil: undefined }),
  type: fc.constantFrom(CellType.Put, CellType.Put, CellType.Delete, CellType.DeleteColumn, CellType.DeleteFamily, CellType.DeleteFamilyVersion, 0, 7),
  value: valueArb,
});
const mutationArb = fc.record({ row: rowArb, cells: fc.array(cellArb, { minLength: 0, maxLength: 4 }) });
const filterArb = fc.constantFrom(
  Buffer.alloc(0),
  Buffer.from(encodeFilterSpec({ type: 'PrefixFilter', prefix: Buffer.from('fz') })),
  Buffer.from(encodeFilterSpec({ type: 'KeyOnlyFilter', lenAsVal: false })),
);
const getArb = fc.record({ row: rowArb, filter: filterArb, maxVersions: fc.nat(5) });
const opArb: fc.Arbitrary<pb.IRequestItem> = fc.oneof(
  mutationArb.map((mutation) => ({ mutate: { region: 'r1', mutation } })),
  fc.array(mutationArb, { maxLength: 3 }).map((mutations) => ({ mutateRow: { region: 'r1', mutations } })),
  fc.array(fc.oneof(mutationArb.map((m) => ({ mutation: m })), getArb.map((g) => ({ get: g }))), { maxLength: 6 }).map((actions) => ({ multi: { region: 'r1', actions } })),
  getArb.map((g) => ({ get: { region: 'r1', get: g } })),
  fc.record({ row: rowArb, q: qualifierArb, amount: fc.integer({ min: -1000, max: 1000 }) }).map(({ row, q, amount }) => ({
    mutate: { region: 'r1', increment: { row, columns: [{ family: 'cf', qualifier: q, amount }] } },
  })),
  fc.record({ row: rowArb, q: qualifierArb, value: valueArb }).map(({ row, q, value }) => ({ mutate: { region: 'r1', append: { row, columns: [{ family: 'cf', qualifier: q, value }] } } })),
  fc.record({ m: mutationArb, value: valueArb }).map(({ m, value }) => ({
    checkAndMutate: { region: 'r1', row: m.row, condition: { family: 'cf', qualifier: Buffer.from('q'), kind: 'compare', op: 'EQUAL', value }, mutation: m },
  })),
  fc.record({ start: rowArb, limit: fc.nat(5) }).map(({ start, limit }) => ({ scan: { region: 'r1', scan: { startRow: start, limit }, closeScanner: false } })),
);

type Corruption = { kind: 'none' } | { kind: 'flip'; at: number; bit: number } | { kind: 'truncate'; at: number } | { kind: 'insert'; at: number; bytes: Uint8Array };
const corruptionArb: fc.Arbitrary<Corruption> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 6 }) }),
);

function corrupt(bytes: Uint8Array, c: Corruption): Buffer {
  const b = Buffer.from(bytes);
  if (b.length === 0 || c.kind === 'none') return b;
  const at = c.at % b.length;
  if (c.kind === 'flip') b[at] = b[at]! ^ (1 << c.bit);
  if (c.kind === 'truncate') return b.subarray(0, at);
  if (c.kind === 'insert') return Buffer.concat([b.subarray(0, at), Buffer.from(c.bytes), b.subarray(at)]);
  return b;
}

function expectTyped(code: string | null | undefined): void {
  expect(isErrorCode(code), `unknown code ${code}`).toBe(true);
  expect(code).not.toBe(ErrorCodes.INTERNAL);
}

describe('fuzzing the data plane', () => {
  it(`answers mutated requests with typed errors and applies nothing it rejects (seed ${SEED})`, async () => {
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(opArb, corruptionArb, async (op, corruption) => {
        const frame = corrupt(pb.BatchRequest.encode({ items: [{ ...op, id: 7 }] }).finish(), corruption);
        const before = await snapshot();
        let response: pb.BatchResponse;
        try {
          response = await h.client.executeRaw(frame);
        } catch (err) {
          // The frame itself did not decode: the whole call is refused with a typed status.
          expectTyped((err as { code: string }).code);
          expect(await snapshot()).toBe(before);
          rejected++;
          return;
        }
        for (const item of response.items) {
          if (item.error) {
            expectTyped(item.error.code);
            rejected++;
            // A rejected request (whole, or every action of a multi) changed nothing.
            expect(await snapshot()).toBe(before);
          }
          for (const result of item.multi?.results ?? []) if (result.error) expectTyped(result.error.code);
          if (item.scan?.scannerId) await h.client.call({ scan: { region: 'r1', scannerId: item.scan.scannerId, closeScanner: true } });
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
    expect(rejected).toBeGreaterThan(RUNS / 10);
    for (let i = 0; i < 10; i++) if (i !== 1) expect(valueOf(await h.client.get('r1', get(`base${i}`)), 'q')).toBe(`v${i}`);
  });

  it(`answers random bytes on the stream, Execute and every admin call with typed errors (seed ${SEED})`, async () => {
    const raw = new Client(h.server.address, credentials.createInsecure());
    try {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(...(Object.keys(ADMIN_METHODS) as AdminMethod[])), async (bytes, method) => {
          const buf = Buffer.from(bytes);
          // Admin: a typed error or (rarely) a valid answer; never INTERNAL.
          await h.client.adminRaw(method, buf).then(
            () => undefined,
            (err: { code: string }) => expectTyped(err.code),
          );
          await h.client.executeRaw(buf).then(
            (resp) => resp.items.forEach((i) => i.error && expectTyped(i.error.code)),
            (err: { code: string }) => expectTyped(err.code),
          );
          // Stream: the server answers the frame's items or ends the stream with a typed status.
          const stream = raw.makeBidiStreamRequest(BATCH_PATH, (b: Buffer) => b, (b: Buffer) => b);
          const outcome = new Promise<void>((resolve) => {
            stream.on('data', (frame: Buffer) => {
              for (const item of pb.BatchResponse.decode(frame).items) if (item.error) expectTyped(item.error.code);
            });
            stream.on('error', (err) => {
              expectTyped(fromGrpcError(err).code);
              resolve();
            });
            stream.on('end', () => resolve());
          });
          stream.write(buf);
          stream.end();
          await outcome;
        }),
        { seed: SEED, numRuns: Math.ceil(RUNS / 3) },
      );
    } finally {
      raw.close();
    }
    // Still serving, content intact.
    expect(valueOf(await h.client.get('r1', get('base0')), 'q')).toBe('v0');
  });

  it('refuses a frame above the transport limit with REQUEST_TOO_LARGE and keeps serving', async () => {
    const raw = new Client(h.server.address, credentials.createInsecure(), { 'grpc.max_send_message_length': -1 });
    try {
      const huge = Buffer.from(pb.BatchRequest.encode({ items: [{ id: 1, mutate: { region: 'r1', mutation: put('fz', 'q', Buffer.alloc(300 * 1024)) } }] }).finish());
      const err = await new Promise<unknown>((resolve) => {
        raw.makeUnaryRequest('/basalt.regionserver.RegionServer/Execute', (b: Buffer) => b, (b: Buffer) => b, huge, (e) => resolve(e));
      });
      expect(fromGrpcError(err).code).toBe(ErrorCodes.REQUEST_TOO_LARGE);
    } finally {
      raw.close();
    }
    expect(valueOf(await h.client.get('r1', get('base0')), 'q')).toBe('v0');
  });
});
