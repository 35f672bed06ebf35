/**
 * Proves that a region's identity is table + encoded name everywhere: regions of two tables that
 * share an encoded name never replay each other's WAL entries, a directory holding another region's
 * manifest is refused, and names that would escape the data root ('.', '..') are refused with
 * INVALID_ARGUMENT naming the field, before anything is created.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../common/clock.js';
import { DEFAULT_CONFIG } from '../../../common/config.js';
import { ErrorCodes } from '../../../common/errors.js';
import type { RegionInfo } from '../../../regionserver/region/api.js';
import { regionDir } from '../../../regionserver/region/identity.js';
import { Region } from '../../../regionserver/region/region.js';
import { regionInfoFromProto } from '../../../regionserver/server/conversions.js';
import { MemoryWal, MemoryWalStorage } from '../../../regionserver/wal/memory-wal.js';
import { b, family, put } from './fixtures.js';

let root: string;
let storage: MemoryWalStorage;
const clock = new ManualClock(1_700_000_000_000);
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'basalt-identity-'));
  storage = new MemoryWalStorage();
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const info = (table: string, encodedName = 'shared0name'): RegionInfo => ({ table, startKey: b(''), endKey: b(''), regionId: 1, encodedName });
const open = (region: RegionInfo, dir = regionDir(root, region), openEpoch = 1): Promise<Region> =>
  Region.open({ info: region, families: [family('cf')], dir, wal: new MemoryWal({ storage }), openEpoch, clock, config: DEFAULT_CONFIG.regionserver });

describe('region identity', () => {
  it('regions of two tables sharing an encoded name never see each other’s edits after a crash', async () => {
    const alpha = await open(info('default:alpha'));
    await alpha.put({ row: b('row'), cells: [put('cf', 'q', 'alpha')] });
    await alpha.close({ flush: false }); // the edit lives only in the WAL
    const beta = await open(info('default:beta'));
    try {
      expect(await beta.get({ row: b('row') })).toBeUndefined();
    } finally {
      await beta.close();
    }
    const alphaAgain = await open(info('default:alpha'), undefined, 2);
    expect((await alphaAgain.get({ row: b('row') }))?.cells[0]?.value.toString()).toBe('alpha');
    await alphaAgain.close();
  });

  it('a directory whose manifest names another region is refused', async () => {
    const alpha = await open(info('default:alpha'));
    await alpha.put({ row: b('row'), cells: [put('cf', 'q', 'alpha')] });
    await alpha.close();
    await expect(open(info('default:beta'), regionDir(root, info('default:alpha')), 2)).rejects.toMatchObject({ code: ErrorCodes.CORRUPT_STORE_FILE });
  });

  it.each([
    [{ table: 'default:..' }, 'info.table'],
    [{ table: '..' }, 'info.table'],
    [{ table: 'default:.' }, 'info.table'],
    [{ table: 'alpha' }, 'info.table'], // not namespace-qualified
    [{ table: 'bad-ns!:t' }, 'info.table'],
    [{ encodedName: '..' }, 'info.encodedName'],
    [{ encodedName: '.' }, 'info.encodedName'],
    [{ encodedName: 'a/b' }, 'info.encodedName'],
  ])('refuses %o with INVALID_ARGUMENT on %s, creating nothing', async (override, field) => {
    const bad = { ...info('default:alpha'), ...override } as RegionInfo;
    await expect(Region.open({ info: bad, families: [family('cf')], dir: join(root, 'x'), wal: new MemoryWal({ storage }), openEpoch: 1, clock, config: DEFAULT_CONFIG.regionserver })).rejects.toMatchObject({
      code: ErrorCodes.INVALID_ARGUMENT,
      details: { field },
    });
    expect(() => regionInfoFromProto(bad)).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_ARGUMENT, details: expect.objectContaining({ field }) }));
    expect(existsSync(join(root, 'x'))).toBe(false);
    expect(readdirSync(root)).toEqual([]);
  });
});
