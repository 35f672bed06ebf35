/**
 * Proves the ESLint rules that keep the architecture: an import from client/ into server code, from
 * common/ into a role, or from regionserver/ into the master is an error, as are I/O, timers, the
 * wall clock and global randomness in a pure core — while the same code elsewhere passes.
 */
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const eslint = new ESLint({ cwd: ROOT });

async function errors(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${filePath}` });
  return result!.messages.filter((m) => m.severity === 2).map((m) => m.ruleId ?? m.message);
}

describe('import direction between roles', () => {
  it.each([
    ["import { rowFromProto } from '../regionserver/server/conversions.js';", 'client/table.ts'],
    ["import { CoordServer } from '../../coord/server/coord-server.js';", 'client/rpc/x.ts'],
    ["import { Region } from '../regionserver/region/region.js';", 'common/x.ts'],
    ["import { ActiveMaster } from '../../master/active-master.js';", 'regionserver/server/x.ts'],
    ["import { runStorageBench } from '../../bench/storage/storage-bench.js';", 'regionserver/server/x.ts'],
  ])('%s in %s is an error', async (code, file) => {
    expect(await errors(code, file)).toEqual(['no-restricted-imports']);
  });

  it.each([
    ["import { rowFromProto } from '../common/rs-wire/rows.js';", 'client/table.ts'],
    ["import { CoordClient } from '../../coord/client/index.js';", 'regionserver/server/x.ts'],
    ["import { Region } from '../../regionserver/region/region.js';", 'bench/storage/x.ts'],
  ])('%s in %s passes', async (code, file) => {
    expect(await errors(code, file)).toEqual([]);
  });
});

describe('pure cores', () => {
  it('refuse I/O modules, timers, Date.now and Math.random', async () => {
    const code = ["import { readFileSync } from 'node:fs';", 'setTimeout(() => 0, 1);', 'export const t = Date.now() + Math.random();'].join('\n');
    expect((await errors(code, 'regionserver/storage/versions.ts')).sort()).toEqual(['no-restricted-globals', 'no-restricted-imports', 'no-restricted-properties', 'no-restricted-properties']);
    expect(await errors(code, 'regionserver/server/x.ts')).toEqual([]);
  });
});
