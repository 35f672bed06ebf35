// Proves filters built by createFilter work through a real Region scan and get (memstore and LMDB
// store files): seeks across families and rows, counting, scan-ending and row-dropping filters.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CellType } from '../../../common/cell.js';
import { ManualClock } from '../../../common/clock.js';
import { DEFAULT_CONFIG } from '../../../common/config.js';
import { parseFilter } from '../../../common/filter-language.js';
import type { FamilyDescriptor, ScanRequest } from '../../../regionserver/region/api.js';
import { Region } from '../../../regionserver/region/region.js';
import { MemoryWal, MemoryWalStorage } from '../../../regionserver/wal/memory-wal.js';
import { createFilter } from '../../../regionserver/filter/create-filter.js';
import { fruitTable } from './fixtures.js';

function family(name: string): FamilyDescriptor {
  return { name, maxVersions: 3, minVersions: 0, ttlSeconds: 0, keepDeletedCells: 'FALSE', bloomFilter: 'ROW', inMemory: false };
}

let dir: string;
let region: Region;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'basalt-filter-region-'));
  region = await Region.open({
    info: { table: 'default:fruit', startKey: Buffer.alloc(0), endKey: Buffer.alloc(0), regionId: 1, encodedName: 'filter-test-1' },
    families: [family('cf'), family('meta')],
    dir: join(dir, 'region'),
    wal: new MemoryWal({ storage: new MemoryWalStorage() }),
    openEpoch: 1,
    clock: new ManualClock(1_700_000_000_000),
    config: DEFAULT_CONFIG.regionserver,
  });
  // Half the rows go to a store file, the rest stay in the memstore.
  const cells = fruitTable();
  for (const [index, row] of ['row1', 'row2', 'row3', 'row4', 'row5'].entries()) {
    const rowCells = cells.filter((c) => c.row.toString() === row);
    await region.put({
      row: Buffer.from(row),
      cells: rowCells.map((c) => ({ family: c.family, qualifier: c.qualifier, timestamp: c.timestamp, type: CellType.Put, value: c.value })),
    });
    if (index === 2) await region.flush();
  }
});

afterAll(async () => {
  await region?.close({ flush: false });
  rmSync(dir, { recursive: true, force: true });
});

async function scanRows(filterText: string, request: ScanRequest = {}): Promise<string[]> {
  const filter = createFilter(parseFilter(filterText), { reversed: request.reversed ?? false });
  const scanner = region.scan({ maxVersions: 3, ...request, filter });
  const out: string[] = [];
  for (;;) {
    const { rows, more } = await scanner.next(100, 1 << 20);
    for (const row of rows) {
      out.push(`${row.row}: ${row.cells.map((c) => `${c.family}:${c.qualifier}=${c.value}`).join(' ')}`);
    }
    if (!more) break;
  }
  return out;
}

describe('filters through a real Region', () => {
  it('FamilyFilter seeks past a family without losing the families after it', async () => {
    expect(await scanRows("FamilyFilter(=, 'binary:meta')")).toEqual(['row1: meta:m=x', 'row3: meta:m=y', 'row4: meta:m=z']);
  });

  it('ColumnPrefixFilter and ValueFilter combine under AND and OR', async () => {
    expect(await scanRows("ColumnPrefixFilter('a') AND ValueFilter(=, 'binary:apple')")).toEqual(['row1: cf:a=apple', 'row5: cf:a=apple']);
    expect(await scanRows("QualifierFilter(=, 'binary:c') OR ValueFilter(=, 'binary:x')")).toEqual([
      'row1: cf:c=cherry meta:m=x',
      'row3: cf:c=coconut',
      'row5: cf:ab=x',
    ]);
  });

  it('MultiRowRangeFilter seeks from row to row', async () => {
    expect(await scanRows("KeyOnlyFilter() AND MultiRowRangeFilter('row1', true, 'row1', true, 'row4', true, '', false)")).toEqual([
      'row1: cf:a= cf:b= cf:c= meta:m=',
      'row4: meta:m=',
      'row5: cf:a= cf:ab= cf:b=',
    ]);
  });

  it('PageFilter counts only rows that are returned', async () => {
    expect(await scanRows("FamilyFilter(=, 'binary:meta') AND PageFilter(2)")).toEqual(['row1: meta:m=x', 'row3: meta:m=y']);
  });

  it('WhileMatchFilter ends the scan and SingleColumnValueFilter drops rows missing the column', async () => {
    expect(await scanRows("WHILE RowFilter(<, 'binary:row3') AND FirstKeyOnlyFilter()")).toEqual(['row1: cf:a=apple', 'row2: cf:a=avocado']);
    expect(await scanRows("SingleColumnValueFilter('cf', 'a', =, 'binary:apple', true, true) AND ColumnPrefixFilter('b')")).toEqual([
      'row1: cf:b=banana',
      'row5: cf:b=',
    ]);
  });

  it('a reversed scan ends once below the prefix', async () => {
    expect(await scanRows("PrefixFilter('row2') AND FirstKeyOnlyFilter()", { reversed: true })).toEqual(['row2: cf:a=avocado']);
  });

  it('a Get applies the filter to its row', async () => {
    const result = await region.get({ row: Buffer.from('row2'), maxVersions: 3, filter: createFilter(parseFilter("TimestampsFilter(10)")) });
    expect(result?.cells.map((c) => `${c.family}:${c.qualifier}=${c.value}`)).toEqual(['cf:a=apricot', 'cf:b=blueberry']);
  });
});
