/**
 * Column family attributes between the shell's `{NAME => 'f', VERSIONS => 3, …}` hashes and the
 * client's FamilyInput / FamilyDescription, and the family line `describe` prints in HBase's form.
 */
import { invalidArgument } from '../../common/errors.js';
import type { BloomFilterInput, FamilyDescription, FamilyInput, KeepDeletedCellsInput } from '../../client/api.js';
import { asBoolean, Options } from '../args.js';
import type { Output } from '../format.js';

/** Attributes Basalt understands. */
export const FAMILY_ATTRIBUTES = ['NAME', 'VERSIONS', 'MIN_VERSIONS', 'TTL', 'KEEP_DELETED_CELLS', 'BLOOMFILTER', 'IN_MEMORY'] as const;

/** HBase attributes that mean nothing for LMDB store files: accepted with a warning, so HBase scripts run. */
export const IGNORED_FAMILY_ATTRIBUTES = [
  'BLOCKSIZE', 'BLOCKCACHE', 'COMPRESSION', 'DATA_BLOCK_ENCODING', 'REPLICATION_SCOPE', 'METADATA', 'CONFIGURATION',
  'NEW_VERSION_BEHAVIOR',
] as const;

/** A family from its hash (NAME required). METHOD is left to the caller (alter). */
export function familyFromOptions(options: Options, err: Output, extra: readonly string[] = []): FamilyInput {
  options.only([...FAMILY_ATTRIBUTES, ...IGNORED_FAMILY_ATTRIBUTES, ...extra], 'a column family');
  const name = options.string('NAME');
  if (!name) throw invalidArgument('NAME', 'a column family needs NAME => \'family\'');
  for (const key of IGNORED_FAMILY_ATTRIBUTES) {
    if (options.has(key)) err.write(`WARNING: ${key} is ignored by Basalt (family '${name}')\n`);
  }
  const family: FamilyInput = { name };
  const versions = options.integer('VERSIONS', 1);
  if (versions !== undefined) family.versions = versions;
  const minVersions = options.integer('MIN_VERSIONS', 0);
  if (minVersions !== undefined) family.minVersions = minVersions;
  const ttl = options.value('TTL');
  if (ttl !== undefined) {
    const text = ttl.kind === 'string' ? ttl.bytes.toString('utf8').toUpperCase() : undefined;
    if (text === 'FOREVER') family.ttl = 0; // Basalt's "no TTL"
    else family.ttl = options.integer('TTL', 1)!;
  }
  const kdc = options.value('KEEP_DELETED_CELLS');
  if (kdc !== undefined) {
    const text = kdc.kind === 'string' ? kdc.bytes.toString('utf8').toUpperCase() : undefined;
    family.keepDeletedCells = text === 'TTL' ? 'TTL' : (asBoolean(kdc, 'KEEP_DELETED_CELLS') as KeepDeletedCellsInput);
  }
  const bloom = options.string('BLOOMFILTER')?.toUpperCase();
  if (bloom !== undefined) {
    if (bloom !== 'NONE' && bloom !== 'ROW' && bloom !== 'ROWCOL') throw invalidArgument('BLOOMFILTER', `expected NONE, ROW or ROWCOL, got '${bloom}'`);
    family.bloomFilter = bloom as BloomFilterInput;
  }
  const inMemory = options.boolean('IN_MEMORY');
  if (inMemory !== undefined) family.inMemory = inMemory;
  return family;
}

/** HBase's HConstants.FOREVER: Integer.MAX_VALUE seconds. */
export const FOREVER_SECONDS = 2_147_483_647;

/** `{NAME => 'cf', VERSIONS => '1', …}` as HBase's describe prints a family. */
export function describeFamily(family: FamilyDescription): string {
  const parts: Array<[string, string]> = [
    ['NAME', family.name],
    ['VERSIONS', String(family.versions)],
    ['KEEP_DELETED_CELLS', family.keepDeletedCells],
    ['TTL', humanTtl(family.ttl)],
    ['MIN_VERSIONS', String(family.minVersions)],
    ['BLOOMFILTER', family.bloomFilter],
    ['IN_MEMORY', String(family.inMemory)],
  ];
  return `{${parts.map(([k, v]) => `${k} => '${v}'`).join(', ')}}`;
}

/** HBase's PrettyPrinter for TTL: `FOREVER`, or `90 SECONDS (1 MINUTE 30 SECONDS)`. */
export function humanTtl(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds >= FOREVER_SECONDS) return 'FOREVER';
  const units: Array<[string, number]> = [
    ['DAY', 86_400],
    ['HOUR', 3_600],
    ['MINUTE', 60],
    ['SECOND', 1],
  ];
  if (seconds < 60) return `${seconds} SECONDS`;
  let rest = seconds;
  const words: string[] = [];
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) words.push(`${n} ${unit}${n === 1 ? '' : 'S'}`);
  }
  return `${seconds} SECONDS (${words.join(' ')})`;
}
