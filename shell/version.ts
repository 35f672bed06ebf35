/** Basalt's version, read once from the package.json above this file (source or dist layout). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function basaltVersion(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'basalt' && pkg.version) return (cached = pkg.version);
    } catch {
      // Not here; look one folder up.
    }
    dir = dirname(dir);
  }
  return (cached = 'unknown');
}
