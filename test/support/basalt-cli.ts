/** Runs the built `basalt` command line as a child process for tests, capturing its exit code and output. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { defaultCliPath } from '../../coord/server/process-ensemble.js';

const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `basalt <args…>` with warn-level logging; a non-zero exit is a result, not a rejection. */
export async function basalt(...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [defaultCliPath(), ...args], {
      env: { ...process.env, BASALT_LOG_LEVEL: 'warn' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
