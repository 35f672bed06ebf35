/**
 * A region's read-modify-write operations — increment, append, checkAndMutate — each under its
 * row lock: read the latest cells (including writes still in flight under the same lock), plan the
 * new cells (read-modify-write.ts), write them through the write path with the call's nonce. A
 * retry whose nonce the region has seen (nonces.ts) writes nothing and answers with the current
 * state (STYLE.md §13).
 */
import { CellType, type Cell } from '../../common/cell.js';
import { compareBytes } from '../../common/bytes.js';
import type { AppendRequest, CheckAndMutateRequest, CheckAndMutateResult, IncrementRequest, RowResult } from './api.js';
import type { RegionNonces } from './nonces.js';
import { planAppend, planIncrement } from './read-modify-write.js';
import { planRead, readPlannedRow } from './read-plan.js';
import type { IncrementResult, RegionBasics } from './region-options.js';
import type { RowLocks } from './row-locks.js';
import { checkRow, conditionHolds, validateAppend, validateCheckAndMutate, validateIncrement } from './validation.js';
import { LATEST, type WritePath } from './write-path.js';

export interface RegionReadModifyWriteDeps extends RegionBasics {
  rowLocks: RowLocks;
  writes: WritePath;
  nonces: RegionNonces;
}

export class RegionReadModifyWrite {
  constructor(private readonly deps: RegionReadModifyWriteDeps) {}

  /** See Region.increment. */
  async increment(request: IncrementRequest): Promise<IncrementResult[]> {
    const { info, config, stores, clock, rowLocks, writes, nonces } = this.deps;
    const row = checkRow(info, config, request?.row);
    validateIncrement(stores, request);
    const release = await rowLocks.acquire([row.toString('latin1')]);
    try {
      const latest = (family: string, qualifier: Buffer): Cell | undefined => writes.latestCell(row, family, qualifier, undefined);
      if (request.nonce !== undefined && nonces.has(request.nonce)) {
        if (request.returnResults === false) return [];
        return planIncrement({ ...request, columns: request.columns.map((c) => ({ ...c, amount: 0n })) }, latest, 0).values.map((v) => {
          const cell = latest(v.family, v.qualifier);
          return { ...v, cell: cell ?? { row, family: v.family, qualifier: v.qualifier, timestamp: 0, type: CellType.Put, value: Buffer.alloc(8), sequenceId: 0 } };
        });
      }
      const { cells, values } = planIncrement(request, latest, clock.now());
      const [written] = await writes.writeLocked([{ row, cells, ...(request.nonce !== undefined ? { nonce: request.nonce } : {}) }]);
      if (request.returnResults === false) return [];
      return values.map((v, i) => ({ ...v, cell: written![i]! }));
    } finally {
      release();
    }
  }

  /** See Region.append. */
  async append(request: AppendRequest): Promise<RowResult> {
    const { info, config, stores, clock, rowLocks, writes, nonces } = this.deps;
    const row = checkRow(info, config, request?.row);
    validateAppend(stores, request);
    const release = await rowLocks.acquire([row.toString('latin1')]);
    try {
      const latest = (family: string, qualifier: Buffer): Cell | undefined => writes.latestCell(row, family, qualifier, undefined);
      let written: Cell[];
      if (request.nonce !== undefined && nonces.has(request.nonce)) {
        written = [];
        const seen = new Set<string>();
        for (const c of request.columns) {
          const key = `${c.family}\u0000${c.qualifier.toString('latin1')}`;
          const cell = seen.has(key) ? undefined : latest(c.family, c.qualifier);
          seen.add(key);
          if (cell) written.push(cell);
        }
      } else {
        const cells = planAppend(request, latest, clock.now(), config.maxCellBytes);
        [written] = (await writes.writeLocked([{ row, cells, ...(request.nonce !== undefined ? { nonce: request.nonce } : {}) }])) as [Cell[]];
      }
      if (request.returnResults === false) return { row, cells: [] };
      return { row, cells: [...written].sort((a, b) => (a.family === b.family ? compareBytes(a.qualifier, b.qualifier) : a.family < b.family ? -1 : 1)) };
    } finally {
      release();
    }
  }

  /** See Region.checkAndMutate. */
  async checkAndMutate(request: CheckAndMutateRequest): Promise<CheckAndMutateResult> {
    const { info, config, stores, clock, rowLocks, writes, nonces } = this.deps;
    const row = checkRow(info, config, request?.row);
    validateCheckAndMutate(info, config, stores, request);
    const { condition, filter, nonce } = request;
    const release = await rowLocks.acquire([row.toString('latin1')]);
    try {
      // A nonce is logged only with an applied mutation: seen means this call already succeeded.
      if (nonce !== undefined && nonces.has(nonce)) return { succeeded: true };
      let holds: boolean;
      if (condition) {
        holds = conditionHolds(condition, writes.latestCell(row, condition.family, condition.qualifier, condition.timeRange));
      } else {
        const plan = planRead(stores, { filter, ...(request.timeRange ? { timeRange: request.timeRange } : {}) }, clock.now());
        holds = readPlannedRow(plan, row, LATEST).cells.length > 0;
      }
      if (!holds) return { succeeded: false };
      await writes.writeLocked([{ row, cells: request.mutation.cells, ...(nonce !== undefined ? { nonce } : {}) }]);
      return { succeeded: true };
    } finally {
      release();
    }
  }
}
