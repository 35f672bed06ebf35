/**
 * Pre-split keys for `createTable({ numRegions, splitAlgorithm })`, as HBase's RegionSplitter
 * computes them: HexStringSplit divides the space of 8-character lowercase hex strings (row keys
 * that are hex digests); UniformSplit divides the space of raw bytes (8-byte big-endian values).
 */
import { invalidArgument } from '../common/errors.js';

export type SplitAlgorithm = 'HexStringSplit' | 'UniformSplit';

/** Most regions one create may ask for. */
export const MAX_PRESPLIT_REGIONS = 10_000;

export function splitKeysFor(numRegions: number, algorithm: string): Buffer[] {
  if (!Number.isInteger(numRegions) || numRegions < 2 || numRegions > MAX_PRESPLIT_REGIONS) {
    throw invalidArgument('numRegions', `must be an integer in [2, ${MAX_PRESPLIT_REGIONS}]`);
  }
  const algo = algorithm || 'HexStringSplit';
  const keys: Buffer[] = [];
  if (algo === 'HexStringSplit') {
    const range = 0xffffffffn + 1n;
    for (let i = 1; i < numRegions; i++) {
      const v = (range * BigInt(i)) / BigInt(numRegions);
      keys.push(Buffer.from(v.toString(16).padStart(8, '0'), 'latin1'));
    }
  } else if (algo === 'UniformSplit') {
    const range = 1n << 64n;
    for (let i = 1; i < numRegions; i++) {
      const v = (range * BigInt(i)) / BigInt(numRegions);
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(v);
      keys.push(b);
    }
  } else {
    throw invalidArgument('splitAlgorithm', `unknown split algorithm '${algorithm}' (HexStringSplit or UniformSplit)`);
  }
  return keys;
}
