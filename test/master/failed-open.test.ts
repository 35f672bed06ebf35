/**
 * Proves that a region that cannot open (a corrupt store file) ends FAILED_OPEN with its reason
 * after bounded attempts on different servers, does not stop its table's other regions from
 * opening, and opens once an admin repairs the cause and assigns it again.
 */
import { copyFileSync, readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../client/index.js';
import type { Connection } from '../../client/api.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';

let cluster: InProcessCluster | undefined;
let conn: Connection | undefined;
afterEach(async () => {
  await conn?.close();
  conn = undefined;
  await cluster?.close();
  cluster = undefined;
});

/** Every file under `dir` whose path contains `part`. */
function filesUnder(dir: string, part: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.includes(part)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

describe('a region that fails to open', () => {
  it('is FAILED_OPEN with its reason, leaves the other regions open, and opens after repair and assign', async () => {
    cluster = await startInProcessCluster({ regionServers: 2 });
    conn = await connect({ coord: cluster.coordAddress, operationTimeoutMs: 20_000 });
    const admin = conn.admin();
    await admin.createTable({ name: 't', families: ['f'], splits: ['m'] });
    const t = conn.table('t');
    for (const row of ['a', 'b', 'x', 'y']) await t.put({ row, cells: [{ family: 'f', qualifier: 'q', value: row }] });
    await admin.flush({ table: 't' });
    await admin.disableTable('t');

    const victim = (await admin.listRegions('t')).find((r) => r.startKey.length === 0)!;
    const storeFiles = filesUnder(join(cluster.dataDir, 'data'), victim.encodedName).filter((p) => statSync(p).size > 0 && !p.includes('manifest'));
    expect(storeFiles.length).toBeGreaterThan(0);
    const biggest = storeFiles.sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
    copyFileSync(biggest, `${biggest}.bak`);
    truncateSync(biggest, Math.floor(statSync(biggest).size / 2));

    await admin.enableTable('t');
    const regions = await admin.listRegions('t');
    const failed = regions.find((r) => r.encodedName === victim.encodedName)!;
    const other = regions.find((r) => r.encodedName !== victim.encodedName)!;
    expect(failed.state).toBe('FAILED_OPEN');
    expect(failed.reason).toMatch(/CORRUPT_STORE_FILE/);
    expect(other.state).toBe('OPEN');
    expect((await t.get({ row: 'x' })).string('f', 'q')).toBe('x');
    expect((await admin.clusterStatus()).regionsInTransition.map((r) => r.region.encodedName)).toContain(victim.encodedName);

    copyFileSync(`${biggest}.bak`, biggest);
    await admin.assign(victim.encodedName);
    expect((await admin.listRegions('t')).every((r) => r.state === 'OPEN')).toBe(true);
    expect((await t.get({ row: 'a' })).string('f', 'q')).toBe('a');
  });
});
