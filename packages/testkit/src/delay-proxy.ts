import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/** Where a {@link DelayProxy} forwards to. */
export interface DelayProxyTarget {
  host?: string;
  port: number;
}

/**
 * A TCP proxy on loopback that holds back every reply (data from the target to the client) for
 * `delayMs`, in order: a slow Redis as its clients see it, for one service at a time, without
 * pausing the server for everybody. Requests pass through at once. A closed side closes the other.
 */
export class DelayProxy {
  /** Delay added to every reply chunk that arrives from now on, in ms (0: pass through). */
  delayMs = 0;
  /**
   * Share of reply chunks that get `delayMs` (default 1: all). Below 1, some replies are late and
   * some are not, as on a busy server; a chunk never overtakes one delayed before it.
   */
  slowShare = 1;
  /** Where `slowShare` draws from; default `Math.random`. */
  random: () => number = Math.random;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private port = 0;

  private constructor(private readonly target: Required<DelayProxyTarget>) {}

  /** Starts a proxy to `target` on a free loopback port. */
  static async start(target: DelayProxyTarget, delayMs = 0): Promise<DelayProxy> {
    const proxy = new DelayProxy({ host: target.host ?? '127.0.0.1', port: target.port });
    proxy.delayMs = delayMs;
    await proxy.listen();
    return proxy;
  }

  /** `redis://127.0.0.1:<port>`: the target as a Redis URL through the proxy. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get listeningPort(): number {
    return this.port;
  }

  private async listen(): Promise<void> {
    const server = createServer((client) => this.pipe(client));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
  }

  private pipe(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    this.sockets.add(client).add(upstream);
    // Replies wait in order: a chunk leaves at its arrival + delay, never before the one ahead.
    const pending: Array<{ at: number; data: Buffer }> = [];
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      timer = undefined;
      const now = Date.now();
      while (pending.length > 0 && pending[0]!.at <= now) client.write(pending.shift()!.data);
      if (pending.length > 0) timer = setTimeout(flush, Math.max(0, pending[0]!.at - now));
    };
    upstream.on('data', (data: Buffer) => {
      if ((this.delayMs <= 0 || this.slowShare <= 0) && pending.length === 0) {
        client.write(data);
        return;
      }
      const late = this.delayMs > 0 && (this.slowShare >= 1 || this.random() < this.slowShare);
      pending.push({ at: Math.max(Date.now() + (late ? this.delayMs : 0), pending.at(-1)?.at ?? 0), data });
      timer ??= setTimeout(flush, Math.max(0, pending[0]!.at - Date.now()));
    });
    client.on('data', (data: Buffer) => upstream.write(data));
    const close = () => {
      if (timer) clearTimeout(timer);
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on('error', close);
      s.on('close', close);
    }
  }

  /** Cuts every connection through the proxy (the clients see their connection drop). */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  async stop(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
