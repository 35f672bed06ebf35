/**
 * Procedures persisted in the coordination service, one znode each under /basalt/procedures
 * (JSON, so `basalt coord get` shows them). A procedure's step is written before the step acts;
 * the next active master reads them all and resumes every one that had not ended.
 */
import { BasaltError, ErrorCodes, isBasaltError } from '../../common/errors.js';
import type { CoordClient } from '../../coord/client/index.js';

export const PROCEDURES_ZNODE = '/basalt/procedures';
const PREFIX = 'pid-';

export type ProcedureState = 'RUNNING' | 'SUCCESS' | 'FAILED';

export interface ProcedureRecord {
  id: number;
  type: string;
  state: ProcedureState;
  step: string;
  /** The table or region it works on (for status and locks). */
  target: string;
  /** Type-specific data, JSON. */
  data: Record<string, unknown>;
  error?: { code: string; message: string };
  startedMs: number;
  updatedMs: number;
}

function nodeName(id: number): string {
  return `${PREFIX}${String(id).padStart(10, '0')}`;
}

export class ProcedureStore {
  constructor(private readonly coord: CoordClient) {}

  async init(): Promise<void> {
    try {
      await this.coord.create(PROCEDURES_ZNODE, '');
    } catch (err) {
      if (!isBasaltError(err, ErrorCodes.NODE_EXISTS)) throw err;
    }
  }

  /** Persists a new procedure; its id comes from the znode's sequence number. */
  async create(record: Omit<ProcedureRecord, 'id'>): Promise<ProcedureRecord> {
    const path = await this.coord.create(`${PROCEDURES_ZNODE}/${PREFIX}`, JSON.stringify({ ...record, id: 0 }), { sequential: true });
    const id = Number(path.slice(-10));
    const full: ProcedureRecord = { ...record, id };
    await this.coord.setData(`${PROCEDURES_ZNODE}/${nodeName(id)}`, JSON.stringify(full));
    return full;
  }

  async update(record: ProcedureRecord): Promise<void> {
    await this.coord.setData(`${PROCEDURES_ZNODE}/${nodeName(record.id)}`, JSON.stringify(record));
  }

  async get(id: number): Promise<ProcedureRecord | undefined> {
    try {
      const { data } = await this.coord.getData(`${PROCEDURES_ZNODE}/${nodeName(id)}`);
      const record = JSON.parse(data.toString('utf8')) as ProcedureRecord;
      return { ...record, id };
    } catch (err) {
      if (isBasaltError(err, ErrorCodes.NO_NODE) || isBasaltError(err, ErrorCodes.INVALID_PATH)) return undefined;
      throw err;
    }
  }

  async require(id: number): Promise<ProcedureRecord> {
    const record = await this.get(id);
    if (!record) throw new BasaltError(ErrorCodes.PROCEDURE_NOT_FOUND, `procedure ${id} does not exist (or ended long ago)`, { procedureId: id });
    return record;
  }

  async list(): Promise<ProcedureRecord[]> {
    const { children } = await this.coord.getChildren(PROCEDURES_ZNODE);
    // Read in parallel: a new active master reads them all before it serves, and each is a round trip.
    const names = children.filter((c) => c.startsWith(PREFIX)).sort();
    const records = await Promise.all(names.map((name) => this.get(Number(name.slice(PREFIX.length)))));
    return records.filter((r): r is ProcedureRecord => r !== undefined);
  }

  async delete(id: number): Promise<void> {
    try {
      await this.coord.delete(`${PROCEDURES_ZNODE}/${nodeName(id)}`);
    } catch (err) {
      if (!isBasaltError(err, ErrorCodes.NO_NODE)) throw err;
    }
  }
}
