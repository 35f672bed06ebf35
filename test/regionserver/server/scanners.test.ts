// Proves the scanner protocol: leases that expire idle scanners (SCANNER_EXPIRED) and are renewed by
// use, resumable scans from the resume row, bounds on open scanners and on batch rows and bytes,
// and typed errors for unknown, out-of-order and orphaned scanners.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../common/clock.js';
import { ErrorCodes } from '../../../common/errors.js';
import { FAMILIES, put, regionInfo, startServer, type Harness } from './harness.js';

const LEASE_MS = 60_000;
let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function serverWithRows(n: number, config: Record<string, number> = {}, valueBytes = 8): Promise<{ h: Harness; clock: ManualClock }> {
  const clock = new ManualClock(1_700_000_000_000);
  h = await startServer({ clock, config: { scannerLeaseMs: LEASE_MS, ...config } });
  await h.client.openRegion({ info: regionInfo('r1'), families: FAMILIES, openEpoch: 1 });
  await h.client.multi(
    'r1',
    Array.from({ length: n }, (_, i) => ({ mutation: put(`row${String(i).padStart(3, '0')}`, 'q', Buffer.alloc(valueBytes, 97)) })),
  );
  return { h, clock };
}

const names = (rows: Array<{ row: Buffer }>): string[] => rows.map((r) => r.row.toString());

describe('scanner leases', () => {
  it('expires an idle scanner, answers SCANNER_EXPIRED, and a new scanner resumes after the last row', async () => {
    const { h, clock } = await serverWithRows(30);
    const scanner = await h.client.openScanner('r1', {}, { maxRows: 10 });
    expect(names(scanner.first!.rows)).toHaveLength(10);
    clock.advance(LEASE_MS + 1);
    expect(await h.server.expireScanners()).toBe(1);
    await expect(scanner.next()).rejects.toMatchObject({ code: ErrorCodes.SCANNER_EXPIRED });
    const resume = scanner.resume!;
    expect(resume).toEqual({ row: Buffer.from('row009'), inclusive: false });
    const rest: string[] = [];
    for await (const row of h.client.scan('r1', { startRow: resume.row, startInclusive: resume.inclusive })) rest.push(row.row.toString());
    expect(rest[0]).toBe('row010');
    expect(rest).toHaveLength(20);
  });

  it('renews the lease on every call, so a scanner in use never expires', async () => {
    const { h, clock } = await serverWithRows(30);
    const scanner = await h.client.openScanner('r1', {}, { maxRows: 5 });
    let seen = scanner.first!.rows.length;
    for (let i = 0; i < 5; i++) {
      clock.advance(LEASE_MS - 1);
      expect(await h.server.expireScanners()).toBe(0);
      seen += (await scanner.next()).rows.length;
    }
    expect(seen).toBe(30);
  });

  it('answers UNKNOWN_SCANNER for an id it never issued and OUT_OF_ORDER_SCANNER_NEXT for a repeated call', async () => {
    const { h } = await serverWithRows(30);
    await expect(h.client.call({ scan: { region: 'r1', scannerId: 12345, callSeq: 1 } })).rejects.toMatchObject({ code: ErrorCodes.UNKNOWN_SCANNER });
    const scanner = await h.client.openScanner('r1', {}, { maxRows: 5 });
    await scanner.next();
    // A retried call with the sequence already served would skip rows: refused.
    await expect(h.client.call({ scan: { region: 'r1', scannerId: scanner.id, callSeq: 1 } })).rejects.toMatchObject({
      code: ErrorCodes.OUT_OF_ORDER_SCANNER_NEXT,
      details: { expected: 2 },
    });
    await scanner.close();
    await expect(h.client.call({ scan: { region: 'r1', scannerId: scanner.id || 1, callSeq: 2 } })).rejects.toMatchObject({
      code: ErrorCodes.UNKNOWN_SCANNER,
    });
  });

  it('bounds the open scanners per server with SERVER_BUSY and admits again after a close', async () => {
    const { h } = await serverWithRows(30, { maxOpenScanners: 2 });
    const a = await h.client.openScanner('r1', {}, { maxRows: 1 });
    await h.client.openScanner('r1', {}, { maxRows: 1 });
    await expect(h.client.openScanner('r1', {}, { maxRows: 1 })).rejects.toMatchObject({ code: ErrorCodes.SERVER_BUSY });
    await a.close();
    const c = await h.client.openScanner('r1', {}, { maxRows: 1 });
    expect(c.first!.more).toBe(true);
    expect((await h.client.serverLoad()).openScanners).toBe(2);
  });

  it('bounds each batch by bytes as well as rows, and a scan that ends closes its scanner', async () => {
    const { h } = await serverWithRows(20, { scannerBatchBytes: 4_000 }, 1_000);
    const scanner = await h.client.openScanner('r1', {}, { maxRows: 100 });
    const first = scanner.first!;
    expect(first.rows.length).toBeGreaterThan(0);
    expect(first.rows.length).toBeLessThan(20);
    let total = first.rows.length;
    let more = first.more;
    while (more) {
      const batch = await scanner.next();
      total += batch.rows.length;
      more = batch.more;
    }
    expect(total).toBe(20);
    expect(scanner.id).toBe(0);
    expect((await h.client.serverLoad()).openScanners).toBe(0);
  });

  it('answers NOT_SERVING_REGION to a scanner whose region was closed', async () => {
    const { h } = await serverWithRows(30);
    const scanner = await h.client.openScanner('r1', {}, { maxRows: 5 });
    await h.client.closeRegion('r1');
    await expect(scanner.next()).rejects.toMatchObject({ code: ErrorCodes.NOT_SERVING_REGION });
  });
});
