import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A request the script server received. */
export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

/** What to answer: a status, headers and a body (objects are sent as JSON), or `reset` to drop the socket, or `hang` to never answer. */
export type ScriptedReply =
  | { status: number; headers?: Record<string, string>; body?: unknown; rawBody?: string }
  | { reset: true }
  | { hang: true };

export type ReplyFn = (req: RecordedRequest, n: number) => ScriptedReply | Promise<ScriptedReply>;

/**
 * A real HTTP server on loopback that answers from a script and records every request, for testing
 * an HTTP client without patching `fetch`.
 */
export class ScriptServer {
  readonly requests: RecordedRequest[] = [];
  private readonly queue: ScriptedReply[] = [];
  private fallback: ReplyFn = () => ({ status: 404, body: { error: 'no scripted reply' } });
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  baseUrl = '';

  /** Replies used in order, one per request, before the fallback. */
  enqueue(...replies: ScriptedReply[]): this {
    this.queue.push(...replies);
    return this;
  }

  /** The reply for any request once the queue is empty. */
  otherwise(fn: ReplyFn): this {
    this.fallback = fn;
    return this;
  }

  count(pathPrefix = ''): number {
    return this.requests.filter((r) => r.path.startsWith(pathPrefix)).length;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    const { port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://x');
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    this.requests.push(rec);
    const reply = this.queue.shift() ?? (await this.fallback(rec, this.requests.length));
    if ('reset' in reply) {
      req.socket.destroy();
      return;
    }
    if ('hang' in reply) return;
    const headers: Record<string, string> = { ...(reply.headers ?? {}) };
    let payload = reply.rawBody ?? '';
    if (reply.rawBody === undefined && reply.body !== undefined) {
      payload = JSON.stringify(reply.body);
      headers['content-type'] ??= 'application/json';
    }
    res.writeHead(reply.status, headers);
    res.end(payload);
  }
}
