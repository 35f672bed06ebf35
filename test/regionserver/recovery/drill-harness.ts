/**
 * Runs the crash-writer child (from dist/) and kills it with SIGKILL at a chosen moment, collecting
 * the writes it acknowledged. Children are always killed, even when a test fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { fileURLToPath } from 'node:url';
import type { DrillChildConfig } from './drill-config.js';

/**
 * The child is a test fixture (crash-writer.ts, beside this file), not product code: it is
 * transpiled (types stripped, no type check) into dist/ at the same relative place, so that its
 * imports resolve to the compiled product code the suite's build produced.
 */
export const CHILD_SCRIPT = fileURLToPath(new URL('../../../dist/test/regionserver/recovery/crash-writer.js', import.meta.url));

function buildChild(): void {
  for (const name of ['crash-writer', 'drill-config']) {
    const source = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
    const { outputText } = ts.transpileModule(readFileSync(source, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
      fileName: source,
    });
    const out = join(dirname(CHILD_SCRIPT), `${name}.js`);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
}

const running = new Set<ChildProcess>();

export function killAllChildren(): void {
  for (const child of running) child.kill('SIGKILL');
}

export interface ChildRun {
  /** key → value of every acknowledged write (key: row in region mode, sequence id in wal mode). */
  acknowledged: Map<string, string>;
  flushes: number;
  stderr: string;
}

/**
 * Starts a child, waits for `ready`, lets it write for `runMs`, kills it with SIGKILL and waits for
 * its exit. A child that exits by itself (a crash in the writer) fails the run with its stderr.
 */
export async function runAndKill(config: DrillChildConfig, runMs: number, readyDeadlineMs = 30_000): Promise<ChildRun> {
  // In a shared checkout other engineers rebuild dist/ while drills run, and a child started mid-
  // build can load a half-written module graph. That shows as a module-linking error before
  // `ready`; retry a few times then (a real error in the code would persist and still fail).
  for (let attempt = 1; ; attempt++) {
    try {
      return await runAndKillOnce(config, runMs, readyDeadlineMs);
    } catch (err) {
      const linking = /SyntaxError: The requested module|ERR_MODULE_NOT_FOUND|Cannot find module/.test(String((err as Error).message));
      if (!linking || attempt >= 4) throw err;
      await new Promise((r) => setTimeout(r, 3_000));
    }
  }
}

async function runAndKillOnce(config: DrillChildConfig, runMs: number, readyDeadlineMs: number): Promise<ChildRun> {
  buildChild();
  if (!existsSync(CHILD_SCRIPT)) throw new Error(`${CHILD_SCRIPT} is missing`);
  const child = spawn(process.execPath, [CHILD_SCRIPT, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const acknowledged = new Map<string, string>();
  let flushes = 0;
  let stderr = '';
  let pending = '';
  let killedByUs = false;
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line === 'ready') onReady();
      else if (line.startsWith('ack ')) {
        const space = line.indexOf(' ', 4);
        acknowledged.set(line.slice(4, space), line.slice(space + 1));
      } else if (line.startsWith('flushed ')) flushes++;
    }
    // A partial last line (cut by the kill) is not an acknowledgement.
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  try {
    const early = exited.then(() => {
      if (!killedByUs) throw new Error(`crash-writer exited by itself: ${stderr.slice(0, 2000)}`);
    });
    await Promise.race([
      ready,
      early,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`crash-writer not ready after ${readyDeadlineMs} ms: ${stderr}`)), readyDeadlineMs)),
    ]);
    await Promise.race([new Promise((r) => setTimeout(r, runMs)), early]);
    killedByUs = true;
    child.kill('SIGKILL');
    await exited;
  } finally {
    killedByUs = true;
    child.kill('SIGKILL');
    running.delete(child);
  }
  return { acknowledged, flushes, stderr };
}
