/**
 * Unary calls to the active master. Its address comes from /basalt/master (watched: a change
 * drops the cached channel). UNAVAILABLE and MASTER_NOT_RUNNING (a standby answered) mean: read
 * the znode again and retry until the operation's deadline — a standby may be taking over, and
 * procedures survive the failover. A call that mutates and whose first attempt was in doubt turns
 * a later "already exists"-style refusal into OUTCOME_UNKNOWN (the first attempt may have done it).
 */
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import * as protobuf from 'protobufjs/minimal.js';
import type { Clock } from '../common/clock.js';
import { BasaltError, ErrorCodes } from '../common/errors.js';
import { fromGrpcError } from '../common/grpc-errors.js';
import { MASTER_METHODS, masterPath, type MasterMethod, type MasterResponse } from '../common/master-wire.js';
import { MASTER_ZNODE } from '../common/meta.js';
import type { CoordClient } from '../coord/client/index.js';
import { markNotSent, outcomeUnknown, type Retrier } from './retry.js';

const identity = (b: Buffer): Buffer => b;

/** Calls that change nothing: a retry after an in-doubt attempt is harmless. */
const READ_ONLY: ReadonlySet<MasterMethod> = new Set<MasterMethod>([
  'GetProcedure',
  'ListTables',
  'DescribeTable',
  'TableExists',
  'DescribeNamespace',
  'ListNamespaces',
  'ListRegions',
  'ClusterStatus',
]);

export class MasterClient {
  private channel: { address: string; client: Client } | undefined;
  private address: Promise<string> | undefined;

  constructor(
    private readonly coord: () => CoordClient,
    private readonly retrier: Retrier,
    /** gRPC deadlines are wall-clock times. */
    private readonly clock: Clock,
  ) {}

  private masterAddress(): Promise<string> {
    if (!this.address) {
      const attempt = (async () => {
        let data: Buffer;
        try {
          ({ data } = await this.coord().getData(MASTER_ZNODE, { watch: () => this.forget() }));
        } catch (err) {
          if (err instanceof BasaltError && err.code === ErrorCodes.NO_NODE) {
            throw markNotSent(new BasaltError(ErrorCodes.MASTER_NOT_RUNNING, 'no active master (no /basalt/master)'));
          }
          // The coordination service is unreachable or our session is being renewed: retryable.
          throw markNotSent(new BasaltError(ErrorCodes.MASTER_NOT_RUNNING, `cannot read ${MASTER_ZNODE}: ${(err as Error).message}`));
        }
        let parsed: { address?: unknown } | undefined;
        try {
          parsed = JSON.parse(data.toString('utf8')) as { address?: unknown };
        } catch {
          parsed = undefined;
        }
        if (typeof parsed?.address !== 'string' || !parsed.address) throw markNotSent(new BasaltError(ErrorCodes.MASTER_NOT_RUNNING, `unreadable ${MASTER_ZNODE}`));
        return parsed.address;
      })();
      this.address = attempt;
      attempt.catch(() => {
        if (this.address === attempt) this.address = undefined;
      });
    }
    return this.address;
  }

  private forget(): void {
    this.address = undefined;
  }

  /** Drops the cached master address (its watch came from a session that is gone). */
  forgetAddress(): void {
    this.forget();
  }

  private clientFor(address: string): Client {
    if (this.channel?.address !== address) {
      this.channel?.client.close();
      this.channel = { address, client: new Client(address, credentials.createInsecure()) };
    }
    return this.channel.client;
  }

  private unary(address: string, method: MasterMethod, request: Buffer, timeoutMs: number): Promise<Buffer> {
    const client = this.clientFor(address);
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest(masterPath(method), identity, identity, request, new Metadata(), { deadline: this.clock.now() + timeoutMs }, (err, value) => {
        if (err) reject(fromGrpcError(err));
        else resolve(value!);
      });
    });
  }

  /** One master method with retries across master failovers. */
  async call<M extends MasterMethod>(method: M, request: object, options: { what?: string } = {}): Promise<MasterResponse<M>> {
    const [requestType, responseType] = MASTER_METHODS[method];
    const bytes = Buffer.from((requestType as unknown as { encode(m: object): protobuf.Writer }).encode(request).finish());
    const readOnly = READ_ONLY.has(method);
    const what = options.what ?? method;
    let inDoubt = false;
    try {
      return await this.retrier.run(
        what,
        true,
        async ({ timeoutMs }) => {
          const address = await this.masterAddress();
          try {
            const response = await this.unary(address, method, bytes, timeoutMs);
            return responseType.decode(response) as MasterResponse<M>;
          } catch (err) {
            const e = err instanceof BasaltError ? err : fromGrpcError(err);
            if (e.code === ErrorCodes.UNAVAILABLE || e.code === ErrorCodes.MASTER_NOT_RUNNING || e.code === ErrorCodes.TIMEOUT) this.forget();
            if (!readOnly && (e.code === ErrorCodes.UNAVAILABLE || e.code === ErrorCodes.TIMEOUT)) inDoubt = true;
            throw e;
          }
        },
      );
    } catch (err) {
      const e = err instanceof BasaltError ? err : fromGrpcError(err);
      if (inDoubt && e.code !== ErrorCodes.TIMEOUT && e.code !== ErrorCodes.INVALID_ARGUMENT && e.code !== ErrorCodes.CLOSED) throw outcomeUnknown(what, e);
      throw e;
    }
  }

  /** TableExists when a master answers quickly; undefined when there is none. */
  async tableExistsIfReachable(table: string): Promise<boolean | undefined> {
    try {
      const address = await this.masterAddress();
      const response = MASTER_METHODS.TableExists[1].decode(await this.unary(address, 'TableExists', Buffer.from(MASTER_METHODS.TableExists[0].encode({ name: table }).finish()), 2_000));
      return response.exists === true;
    } catch {
      return undefined;
    }
  }

  /** The table's state from the master, or undefined when no master answers. */
  async tableStateIfReachable(table: string): Promise<string | undefined> {
    try {
      const address = await this.masterAddress();
      const request = Buffer.from(MASTER_METHODS.DescribeTable[0].encode({ name: table }).finish());
      const info = MASTER_METHODS.DescribeTable[1].decode(await this.unary(address, 'DescribeTable', request, 2_000));
      return info.state || undefined;
    } catch {
      return undefined;
    }
  }

  close(): void {
    this.channel?.client.close();
    this.channel = undefined;
  }
}
