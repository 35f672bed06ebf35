/**
 * Builds dist/ once before the suite when it is older than the sources, so drills can spawn real
 * `node dist/bin/basalt.js …` child processes. `npm ci` already builds through "prepare"; this keeps
 * a developer's edit-and-test loop honest too.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SOURCE_DIRS = ['common', 'proto', 'coord', 'master', 'regionserver', 'client', 'shell', 'rest', 'bench', 'bin'];

function newestSourceMs(dir: string): number {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'generated' || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMs(path));
    else if (/\.(ts|proto)$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

export default function setup(): void {
  const marker = join(root, 'dist', 'bin', 'basalt.js');
  const sources = Math.max(...SOURCE_DIRS.map((d) => newestSourceMs(join(root, d))));
  if (existsSync(marker) && statSync(marker).mtimeMs >= sources) return;
  try {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  } catch (err) {
    // tsc still emits on type errors; the drills that need dist/ will fail on their own if it is unusable.
    process.stderr.write(`global-setup: build reported errors: ${(err as Error).message}\n`);
  }
}
