import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { testRedisUrlFromEnv } from './config.js';

/** A Redis the tests can use, and how to let it go. */
export interface RedisHandle {
  url: string;
  /** Where it came from: `env`, `testcontainers` or `redis-server`. */
  source: 'env' | 'testcontainers' | 'redis-server';
  stop(): Promise<void>;
}

const HOW_TO_GET_REDIS =
  'No Redis for the integration tests. Set REDIS_URL (e.g. redis://127.0.0.1:6379), run a Docker ' +
  'engine for testcontainers, or install redis-server (Debian: apt-get install redis-server).';

/** Answers true when a Redis at `url` replies to PING within `timeoutMs`. */
export async function pingRedis(url: string, timeoutMs = 2000): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Spawns `redis-server` with `args` and resolves once `url` answers PING (within 10 s); rejects
 * (and kills the process) when it exits or never answers.
 */
export async function spawnRedisServer(args: string[], url: string): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  // Why the process ended, once it has: raced against each ping below and thrown there. It resolves
  // (not rejects), so a server that answers first leaves nothing unhandled behind.
  const ended = new Promise<Error>((resolve) => {
    child.once('error', resolve);
    child.once('exit', (code) => resolve(new Error(`redis-server ${args.slice(0, 2).join(' ')} exited with code ${code}`)));
  });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const outcome = await Promise.race([pingRedis(url, 500), ended]);
    if (outcome instanceof Error) throw outcome;
    if (outcome) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server at ${url} did not answer within 10s`);
}

/** Sends `signal` and waits for the exit; a process still there after 5 s is killed (SIGKILL). */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill(signal);
  });
}

/** Options for a private `redis-server` started by a test. */
export interface RedisServerOptions {
  port?: number;
  /** Turn on AOF (`appendfsync everysec`), to test a restart that keeps data. */
  appendOnly?: boolean;
  /** Data directory; a fresh temporary one by default. Reuse it to restart on the same data. */
  dir?: string;
  /** `requirepass`: clients must authenticate (the `url` carries it). */
  password?: string;
  /** More `redis-server` arguments (TLS, replication, cluster mode). */
  args?: string[];
}

/** A `redis-server` child process on loopback that can be stopped and started again on its data. */
export class RedisServerProcess {
  readonly port: number;
  readonly dir: string;
  private child: ChildProcess | undefined;
  private readonly ownsDir: boolean;

  private constructor(
    port: number,
    dir: string,
    ownsDir: boolean,
    private readonly appendOnly: boolean,
    private readonly password?: string,
    private readonly args: string[] = [],
  ) {
    this.port = port;
    this.dir = dir;
    this.ownsDir = ownsDir;
  }

  static async start(opts: RedisServerOptions = {}): Promise<RedisServerProcess> {
    const port = opts.port ?? (await freePort());
    const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'lexbridge-redis-'));
    const srv = new RedisServerProcess(port, dir, opts.dir === undefined, opts.appendOnly ?? false, opts.password, opts.args);
    await srv.startProcess();
    return srv;
  }

  get url(): string {
    return this.password === undefined ? `redis://127.0.0.1:${this.port}` : `redis://:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}`;
  }

  /** Starts the process; does nothing while it runs (a second spawn would find the port taken and orphan the first). */
  async startProcess(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return;
    const args = [
      '--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '',
      '--maxmemory-policy', 'noeviction',
      '--appendonly', this.appendOnly ? 'yes' : 'no', '--appendfsync', 'everysec',
      ...(this.password === undefined ? [] : ['--requirepass', this.password]),
      ...this.args,
    ];
    this.child = await spawnRedisServer(args, this.url);
  }

  /** Stops the process; `signal` SIGKILL simulates a crash. */
  async stopProcess(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await stopChild(child, signal);
  }

  /** Runs `fn` on a short-lived admin connection to this server (as the default user). */
  async client<T>(fn: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = new Redis(this.url, { maxRetriesPerRequest: 1, lazyConnect: true, enableOfflineQueue: false });
    try {
      await redis.connect();
      return await fn(redis);
    } finally {
      redis.disconnect();
    }
  }

  /**
   * Freezes the process (SIGSTOP): connections stay open, nothing is answered until {@link thaw}.
   * Unlike `CLIENT PAUSE <ms>`, the stall lasts until the test ends it, so "answered before Redis
   * came back" needs no wall-clock bound.
   */
  freeze(): void {
    if (!this.child?.kill('SIGSTOP')) throw new Error(`redis-server on port ${this.port} is not running: nothing to freeze`);
  }

  /** Resumes a process stopped by {@link freeze}. */
  thaw(): void {
    if (!this.child?.kill('SIGCONT')) throw new Error(`redis-server on port ${this.port} is not running: nothing to thaw`);
  }

  async restart(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.stopProcess(signal);
    await this.startProcess();
  }

  async stop(): Promise<void> {
    await this.stopProcess();
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }
}

async function dockerWorks(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await Promise.race([
      getContainerRuntimeClient(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('docker timeout')), 5000)),
    ]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds a Redis for a test run: `REDIS_URL`, else testcontainers, else a local `redis-server`.
 * Throws with instructions when none can be had.
 */
export async function acquireRedis(opts: { url?: string | undefined } = { url: testRedisUrlFromEnv() }): Promise<RedisHandle> {
  const fromEnv = opts.url;
  if (fromEnv) {
    if (!(await pingRedis(fromEnv))) {
      throw new Error(`REDIS_URL is set to ${fromEnv} but nothing answers there. ${HOW_TO_GET_REDIS}`);
    }
    return { url: fromEnv, source: 'env', stop: async () => {} };
  }
  if (await dockerWorks()) {
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer('redis:7-alpine')
      .withCommand(['redis-server', '--maxmemory-policy', 'noeviction'])
      .withExposedPorts(6379)
      .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
      .start();
    return {
      url: `redis://${container.getHost()}:${container.getMappedPort(6379)}`,
      source: 'testcontainers',
      stop: async () => {
        await container.stop();
      },
    };
  }
  try {
    const srv = await RedisServerProcess.start();
    return { url: srv.url, source: 'redis-server', stop: () => srv.stop() };
  } catch (err) {
    throw new Error(`${HOW_TO_GET_REDIS} (starting redis-server failed: ${(err as Error).message})`, { cause: err });
  }
}
