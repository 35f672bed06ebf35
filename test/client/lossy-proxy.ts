/**
 * A TCP proxy in front of a region server that can lose one answer: armed, it forwards the next
 * request bytes, then cuts both connections when the server's answer arrives instead of passing
 * it on. The server has applied the request; the client sees its stream break — the "in doubt"
 * case an answer must never lie about.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export class LossyProxy {
  private armed = false;
  private requestSeen = false;
  private readonly sockets = new Set<Socket>();
  /** Answers dropped so far. */
  dropped = 0;

  private constructor(
    private readonly server: Server,
    readonly address: string,
  ) {}

  static async start(target: string): Promise<LossyProxy> {
    const colon = target.lastIndexOf(':');
    const [host, port] = [target.slice(0, colon), Number(target.slice(colon + 1))];
    let proxy!: LossyProxy;
    const server = createServer((client) => {
      const upstream = connect(port, host);
      proxy.sockets.add(client).add(upstream);
      const cut = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('data', (chunk: Buffer) => {
        if (proxy.armed) proxy.requestSeen = true;
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        if (proxy.armed && proxy.requestSeen) {
          proxy.armed = false;
          proxy.requestSeen = false;
          proxy.dropped++;
          cut();
          return;
        }
        client.write(chunk);
      });
      client.on('error', cut).on('close', cut);
      upstream.on('error', cut).on('close', cut);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port: bound } = server.address() as { port: number };
    proxy = new LossyProxy(server, `127.0.0.1:${bound}`);
    return proxy;
  }

  /** Loses the answer to the next request that passes. */
  dropNextAnswer(): void {
    this.armed = true;
    this.requestSeen = false;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
