/**
 * A small in-memory region for the data-plane tests while (or where) the storage engine is not
 * the subject: latest version per column only, no WAL. It implements the same RegionPort as the
 * real Region's adapter, so every server test can run against either.
 */
import { CellType, compareCells, type Cell } from '../../../common/cell.js';
import { compareBytes } from '../../../common/bytes.js';
import { BasaltError, ErrorCodes } from '../../../common/errors.js';
import type { GetRequest, Mutation, RegionInfo, RowResult, ScanRequest } from '../../../regionserver/region/api.js';
import type { OpenRegionParams, RegionOpener, RegionPort, ScannerPort } from '../../../regionserver/server/region-port.js';

export class FakeRegion implements RegionPort {
  readonly rows = new Map<string, Map<string, Cell>>();
  private seq = 0;
  private families: Set<string>;
  closed = false;

  constructor(
    readonly info: RegionInfo,
    families: string[],
  ) {
    this.families = new Set(families);
  }

  private checkFamily(family: string): void {
    if (!this.families.has(family)) throw new BasaltError(ErrorCodes.NO_SUCH_FAMILY, `no family ${family}`, { family });
  }

  private apply(m: Mutation): void {
    for (const c of m.cells) this.checkFamily(c.family);
    const key = m.row.toString('latin1');
    const row = this.rows.get(key) ?? new Map<string, Cell>();
    const seq = ++this.seq;
    for (const c of m.cells) {
      const col = `${c.family}\u0000${(c.qualifier ?? Buffer.alloc(0)).toString('latin1')}`;
      if (c.type === CellType.Put) {
        row.set(col, { row: m.row, family: c.family, qualifier: c.qualifier!, timestamp: c.timestamp ?? 1, type: CellType.Put, value: c.value!, sequenceId: seq });
      } else if (c.type === CellType.DeleteFamily) {
        for (const k of [...row.keys()]) if (k.startsWith(`${c.family}\u0000`)) row.delete(k);
      } else {
        row.delete(col);
      }
    }
    if (row.size > 0) this.rows.set(key, row);
    else this.rows.delete(key);
  }

  private rowResult(key: string, req: { columns?: GetRequest['columns'] }): RowResult | undefined {
    const row = this.rows.get(key);
    if (!row) return undefined;
    let cells = [...row.values()];
    if (req.columns) {
      cells = cells.filter((c) => req.columns!.some((s) => s.family === c.family && (!s.qualifier || s.qualifier.equals(c.qualifier))));
    }
    cells.sort(compareCells);
    return cells.length ? { row: Buffer.from(key, 'latin1'), cells } : undefined;
  }

  async get(request: GetRequest): Promise<RowResult | undefined> {
    return this.rowResult(request.row.toString('latin1'), request);
  }
  async exists(request: GetRequest): Promise<boolean> {
    return (await this.get(request)) !== undefined;
  }
  async mutate(mutation: Mutation): Promise<void> {
    this.apply(mutation);
  }
  async mutateRow(mutations: Mutation[]): Promise<void> {
    for (const m of mutations) for (const c of m.cells) this.checkFamily(c.family);
    for (const m of mutations) this.apply(m);
  }
  async batch(mutations: Mutation[]): Promise<Array<Error | undefined>> {
    return mutations.map((m) => {
      try {
        this.apply(m);
        return undefined;
      } catch (err) {
        return err as Error;
      }
    });
  }
  async increment(request: { row: Buffer; columns: Array<{ family: string; qualifier: Buffer; amount: bigint }> }): Promise<RowResult> {
    const cells: Cell[] = [];
    for (const c of request.columns) {
      const current = (await this.get({ row: request.row, columns: [{ family: c.family, qualifier: c.qualifier }] }))?.cells[0]?.value;
      const value = Buffer.alloc(8);
      value.writeBigInt64BE((current ? current.readBigInt64BE() : 0n) + c.amount);
      this.apply({ row: request.row, cells: [{ family: c.family, qualifier: c.qualifier, type: CellType.Put, value }] });
      cells.push({ row: request.row, family: c.family, qualifier: c.qualifier, timestamp: 1, type: CellType.Put, value, sequenceId: 0 });
    }
    return { row: request.row, cells };
  }
  async append(request: { row: Buffer; columns: Array<{ family: string; qualifier: Buffer; value: Buffer }> }): Promise<RowResult> {
    const cells: Cell[] = [];
    for (const c of request.columns) {
      const current = (await this.get({ row: request.row, columns: [{ family: c.family, qualifier: c.qualifier }] }))?.cells[0]?.value;
      const value = Buffer.concat([current ?? Buffer.alloc(0), c.value]);
      this.apply({ row: request.row, cells: [{ family: c.family, qualifier: c.qualifier, type: CellType.Put, value }] });
      cells.push({ row: request.row, family: c.family, qualifier: c.qualifier, timestamp: 1, type: CellType.Put, value, sequenceId: 0 });
    }
    return { row: request.row, cells };
  }
  async checkAndMutate(request: import('../../../regionserver/region/api.js').CheckAndMutateRequest): Promise<{ succeeded: boolean }> {
    const c = request.condition!;
    const current = (await this.get({ row: request.row, columns: [{ family: c.family, qualifier: c.qualifier }] }))?.cells[0]?.value;
    const ok = c.kind === 'exists' ? current !== undefined : c.kind === 'not_exists' ? current === undefined : current !== undefined && current.equals(c.value!);
    if (ok) this.apply(request.mutation);
    return { succeeded: ok };
  }
  async scan(request: ScanRequest): Promise<ScannerPort> {
    const keys = [...this.rows.keys()]
      .map((k) => Buffer.from(k, 'latin1'))
      .filter((k) => (!request.startRow || compareBytes(k, request.startRow) >= 0) && (!request.stopRow || compareBytes(k, request.stopRow) < 0))
      .sort(compareBytes);
    let i = 0;
    return {
      next: async (maxRows) => {
        const rows: RowResult[] = [];
        while (i < keys.length && rows.length < maxRows) {
          const r = this.rowResult(keys[i++]!.toString('latin1'), request);
          if (r) rows.push(r);
        }
        return { rows, more: i < keys.length };
      },
      close: () => undefined,
    };
  }
  async flush(): Promise<number> {
    return this.seq;
  }
  async compact(): Promise<void> {}
  async close(): Promise<void> {
    this.closed = true;
  }
  load() {
    return {
      encodedName: this.info.encodedName,
      table: this.info.table,
      memstoreSizeBytes: this.rows.size * 100,
      storeFileCount: 0,
      storeFileSizeBytes: 0,
      readRequests: 0,
      writeRequests: this.seq,
      maxSequenceId: this.seq,
      maxFlushedSequenceId: 0,
    };
  }
}

export function fakeOpener(): RegionOpener & { regions: Map<string, FakeRegion> } {
  const regions = new Map<string, FakeRegion>();
  const opener = async ({ info, families }: OpenRegionParams): Promise<RegionPort> => {
    const region = regions.get(info.encodedName) ?? new FakeRegion(info, families.map((f) => f.name));
    region.closed = false;
    regions.set(info.encodedName, region);
    return region;
  };
  return Object.assign(opener, { regions });
}
