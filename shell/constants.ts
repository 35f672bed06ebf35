/**
 * HBase shell's bare constants (HBaseConstants in its Ruby code): each evaluates to its own name,
 * so `{NAME => 'f'}` and `{'NAME' => 'f'}` mean the same. An unknown one is an error with the
 * nearest known name, rather than a silently ignored option.
 */
import { nearest } from './suggest.js';

export const CONSTANTS: readonly string[] = [
  'NAME', 'VERSIONS', 'MIN_VERSIONS', 'TTL', 'KEEP_DELETED_CELLS', 'BLOOMFILTER', 'IN_MEMORY', 'BLOCKSIZE',
  'BLOCKCACHE', 'COMPRESSION', 'DATA_BLOCK_ENCODING', 'REPLICATION_SCOPE', 'METHOD', 'COLUMNS', 'COLUMN',
  'STARTROW', 'STOPROW', 'ROWPREFIXFILTER', 'LIMIT', 'FILTER', 'TIMERANGE', 'TIMESTAMP', 'REVERSED', 'RAW',
  'SPLITS', 'SPLITS_FILE', 'NUMREGIONS', 'SPLITALGO', 'CACHE', 'CACHE_BLOCKS', 'INTERVAL', 'MAXLENGTH',
  'BATCH', 'CONFIGURATION', 'METADATA', 'OWNER', 'REGION_REPLICATION', 'DURABILITY', 'ATTRIBUTES',
  'FORMATTER', 'FORMATTER_CLASS', 'ALL_METRICS', 'METRICS', 'CONSISTENCY', 'MAX_FILESIZE', 'READONLY',
  'NORMALIZATION_ENABLED', 'COMPACTION_ENABLED', 'SPLIT_ENABLED', 'MERGE_ENABLED', 'MEMSTORE_FLUSHSIZE',
  'NEW_VERSION_BEHAVIOR', 'TABLE_ATTRIBUTES', 'ISOLATION_LEVEL', 'ALLOW_PARTIAL_RESULTS', 'MAX_RESULT_SIZE',
];

const KNOWN: ReadonlySet<string> = new Set(CONSTANTS);

export function isKnownConstant(name: string): boolean {
  return KNOWN.has(name);
}

export function nearestConstant(name: string): string | undefined {
  return nearest(name, CONSTANTS);
}
