// Generates typed protobuf code from proto/*.proto into proto/generated/ (never edited by hand).
// One static module holds every package, so cross-file imports resolve to the same classes.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const protoDir = join(root, 'proto');
const outDir = join(protoDir, 'generated');
const outJs = join(outDir, 'basalt.js');
const outDts = join(outDir, 'basalt.d.ts');
const require = createRequire(import.meta.url);
const cliDir = dirname(require.resolve('protobufjs-cli/package.json'));

const protos = readdirSync(protoDir).filter((f) => f.endsWith('.proto')).sort().map((f) => join(protoDir, f));
if (protos.length === 0) {
  console.error('gen-proto: no .proto files in proto/');
  process.exit(1);
}

// Skip the (slow) generation when the output is newer than every input.
const newest = Math.max(...protos.map((p) => statSync(p).mtimeMs), statSync(fileURLToPath(import.meta.url)).mtimeMs);
if (existsSync(outJs) && existsSync(outDts) && statSync(outDts).mtimeMs > newest && !process.argv.includes('--force')) {
  process.exit(0);
}
mkdirSync(outDir, { recursive: true });

const pbjs = join(cliDir, 'bin', 'pbjs');
const pbts = join(cliDir, 'bin', 'pbts');
execFileSync(process.execPath, [pbjs, '-t', 'static-module', '-w', 'es6', '--force-number', '--no-verify', '--no-delimited', '--no-service', '-o', outJs, ...protos], { stdio: 'inherit' });
// Node's ESM resolver needs the file extension: protobufjs has no "exports" map.
// The generated types say 64-bit fields are numbers (--force-number), but the decoder returns Long
// objects whenever the `long` package is installed. Tell the runtime to use plain numbers so the
// values match their types (every 64-bit quantity Basalt sends — timestamps, indexes, ids — is < 2^53).
const js = readFileSync(outJs, 'utf8').replace(
  /import \$protobuf from "protobufjs\/minimal(?:\.js)?";/,
  'import $protobuf from "protobufjs/minimal.js";\n$protobuf.util.Long = undefined;\n$protobuf.configure();',
);
if (!js.includes('$protobuf.configure();')) throw new Error('gen-proto: unexpected pbjs output header');
writeFileSync(outJs, js);
execFileSync(process.execPath, [pbts, '-o', outDts, outJs], { stdio: 'inherit' });
console.log(`gen-proto: ${protos.length} proto file(s) -> proto/generated/basalt.{js,d.ts}`);
