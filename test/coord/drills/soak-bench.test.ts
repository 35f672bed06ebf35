// Proves that `basalt bench coord-soak` runs a real 3-member ensemble with spinning processes beside it and reports the leader
// history, terms and write latency it observed (a short run; the 10-minute soak is run by hand and recorded in docs/coordination.md).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import type { SoakReport } from '../../../bench/coord-soak.js';

const CLI = fileURLToPath(new URL('../../../dist/bin/basalt.js', import.meta.url));

it('reports leader changes, terms and writes of a short soak with a core kept busy', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'bench', 'coord-soak', '--duration-s', '4', '--busy', '1', '--json'], {
    timeout: 60_000,
    env: { ...process.env, BASALT_LOG_LEVEL: 'warn' },
  });
  const report = JSON.parse(stdout.trim().split('\n').pop()!) as SoakReport;
  expect(report.durationS).toBe(4);
  expect(report.busyProcesses).toBe(1);
  expect(report.writes).toBeGreaterThan(0);
  expect(report.leaders.length).toBeGreaterThanOrEqual(1);
  expect(report.leaderChanges).toBe(report.leaders.length - 1);
  expect(report.lastTerm).toBeGreaterThanOrEqual(report.firstTerm);
  expect(report.writeP50Ms).toBeGreaterThan(0);
  expect(report.writeMaxMs).toBeGreaterThanOrEqual(report.writeP99Ms);
  expect(report.maxPollGapMs).toBeGreaterThan(0);
}, 90_000);
