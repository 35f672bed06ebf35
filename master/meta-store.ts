/**
 * Reads and writes basalt:meta (layout in common/meta.ts) through the region server that holds
 * the meta region. The master is meta's only writer. Meta's own location is not in meta: it is
 * the znode /basalt/meta-region-server, written here too.
 */
import { CellType } from '../common/cell.js';
import { BasaltError, ErrorCodes, isBasaltError } from '../common/errors.js';
import {
  encodeMetaRegionInfo,
  META_ENCODED_NAME,
  META_FAMILY,
  META_LOCATION_ZNODE,
  MetaColumns,
  metaRowFromCells,
  metaRowKey,
  type MetaLocation,
  type MetaRow,
} from '../common/meta.js';
import type { RegionServerClient } from '../client/rpc/region-server-client.js';
import type { CoordClient } from '../coord/client/index.js';
import type { RegionNode } from './region-states.js';

export interface MetaLocationRecord extends MetaLocation {
  state: string;
  sinceMs: number;
}

export class MetaStore {
  constructor(
    private readonly coord: CoordClient,
    /** The client of the server holding meta now, or an error if meta is not open anywhere. */
    private readonly metaClient: () => RegionServerClient,
  ) {}

  // ---- meta's own location ----

  async readLocation(): Promise<MetaLocationRecord | undefined> {
    try {
      const { data } = await this.coord.getData(META_LOCATION_ZNODE);
      return JSON.parse(data.toString('utf8')) as MetaLocationRecord;
    } catch (err) {
      if (isBasaltError(err, ErrorCodes.NO_NODE)) return undefined;
      throw err;
    }
  }

  async writeLocation(record: MetaLocationRecord): Promise<void> {
    const data = JSON.stringify(record);
    try {
      await this.coord.setData(META_LOCATION_ZNODE, data);
    } catch (err) {
      if (!isBasaltError(err, ErrorCodes.NO_NODE)) throw err;
      await this.coord.create(META_LOCATION_ZNODE, data);
    }
  }

  // ---- region rows ----

  async write(node: RegionNode): Promise<void> {
    const r = node.region;
    const text = (q: string, v: string) => ({ family: META_FAMILY, qualifier: Buffer.from(q), type: CellType.Put, value: Buffer.from(v, 'utf8') });
    await this.metaClient().mutate(META_ENCODED_NAME, {
      row: metaRowKey(r.table, r.startKey, r.regionId),
      cells: [
        { family: META_FAMILY, qualifier: Buffer.from(MetaColumns.regioninfo), type: CellType.Put, value: encodeMetaRegionInfo(r) },
        text(MetaColumns.server, node.address),
        text(MetaColumns.serverName, node.serverName),
        text(MetaColumns.epoch, String(node.openEpoch)),
        text(MetaColumns.state, node.state),
        text(MetaColumns.since, String(node.sinceMs)),
        text(MetaColumns.reason, node.reason),
      ],
    });
  }

  async delete(node: RegionNode): Promise<void> {
    const r = node.region;
    await this.metaClient().mutate(META_ENCODED_NAME, {
      row: metaRowKey(r.table, r.startKey, r.regionId),
      cells: [{ family: META_FAMILY, type: CellType.DeleteFamily }],
    });
  }

  /** Every region row of meta. */
  async scanAll(): Promise<MetaRow[]> {
    const out: MetaRow[] = [];
    for await (const row of this.metaClient().scan(META_ENCODED_NAME, { columns: [{ family: META_FAMILY }] })) {
      const parsed = metaRowFromCells(row.cells);
      if (!parsed) throw new BasaltError(ErrorCodes.INTERNAL, `meta row without regioninfo: ${row.row.toString('hex')}`);
      out.push(parsed);
    }
    return out;
  }
}
