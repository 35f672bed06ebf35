// Copies the generated protobuf module next to the compiled code and marks the CLI executable.
import { chmodSync, copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(root, 'proto', 'generated');
const to = join(root, 'dist', 'proto', 'generated');
mkdirSync(to, { recursive: true });
for (const f of ['basalt.js', 'basalt.d.ts']) copyFileSync(join(from, f), join(to, f));
const cli = join(root, 'dist', 'bin', 'basalt.js');
if (existsSync(cli)) chmodSync(cli, 0o755);
