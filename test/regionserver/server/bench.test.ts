// Proves that `basalt bench storage` (with its default gRPC rows) runs end to end (region server and echo in child processes) and
// reports basalt-grpc and grpc-echo rows for load, get and scan, with the data plane's ratios (best runs, and per run with their median).
// A smoke test of the command's shape, not a timed assertion.
import { describe, expect, it } from 'vitest';
import { runBasalt } from './process.js';

describe('basalt bench storage with the data plane rows', () => {
  it('prints JSON rows for basalt-grpc and grpc-echo next to the storage systems', async () => {
    const proc = runBasalt(['bench', 'storage', '--records', '200', '--gets', '50', '--scans', '5', '--runs', '2', '--json']);
    let out = '';
    let err = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
    expect(code, err).toBe(0);
    const report = JSON.parse(out.trim().split('\n').pop()!) as { results: Array<{ system: string; op: string; opsPerSec: number }>; ratios: Record<string, number>; perRun: Record<string, { median?: number; runs: number[] }> };
    for (const system of ['lmdb', 'basalt', 'basalt-grpc', 'grpc-echo']) {
      for (const op of ['load', 'get', 'scan']) {
        const row = report.results.find((r) => r.system === system && r.op === op);
        expect(row, `${system} ${op}`).toBeDefined();
        expect(row!.opsPerSec).toBeGreaterThan(0);
      }
    }
    expect(report.ratios.loadGrpcVsInProcess).toBeGreaterThan(0);
    expect(report.ratios.getGrpcVsEcho).toBeGreaterThan(0);
    // Each run's own ratio, and their median (of two: their mean).
    const load = report.perRun.loadGrpcVsInProcess!;
    expect(load.runs).toHaveLength(2);
    expect(load.median).toBeCloseTo((load.runs[0]! + load.runs[1]!) / 2, 10);
  });
});
