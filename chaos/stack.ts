/**
 * The system under test, started for real on loopback: a Redis with AOF on its own data directory
 * (reached by every service through a TCP proxy that can make its replies late), the sandbox
 * (Lexamica), `lexbridge setup`, two pollers, two processors and one API, each a child process with
 * its output in `<runDir>/logs/`. Credentials and tokens are fresh for every run.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DelayProxy, freePort, RedisServerProcess } from '@lexbridge/testkit';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { inheritedEnv } from './config.js';
import { createSupervisor, type ManagedService, type Supervisor } from './services.js';

/** Options of {@link startStack}. */
export interface StackOptions {
  /** Repository root. */
  root: string;
  /** Where logs and the generated firm YAML go. */
  runDir: string;
  seed: number;
  logLevel: string;
  /** Told when a service exits without being killed by the suite. */
  onUnexpectedExit: (name: string, code: number | null, signal: NodeJS.Signals | null) => void;
}

/** The API identities of a run, each with its token (`api.identities` in the run's firm YAML). */
export interface StackTokens {
  /** Role cms: the suite's CMS (outbound updates, the feed). */
  cms: string;
  /** Role cms, with the default rate limit: the abuse probe's flood. */
  abuser: string;
  /** Role viewer: tries the board's actions. */
  viewer: string;
  /** Role admin. */
  admin: string;
}

/** The credentials of a run: what must never show up in a log. */
export interface StackSecrets {
  orgId: string;
  publicKey: string;
  privateKey: string;
  /** Every API token of the run (those of `tokens`). */
  apiTokens: string[];
  tokens: StackTokens;
}

export interface Stack {
  /** The firm YAML every service reads. */
  firmYaml: string;
  redis: RedisServerProcess;
  /** What every service reaches Redis through: the slow-Redis phase makes its replies late. */
  redisProxy: DelayProxy;
  supervisor: Supervisor;
  secrets: StackSecrets;
  /** Redis key prefix of the services. */
  prefix: string;
  sandboxUrl: string;
  apiUrl: string;
  sandbox: ManagedService;
  pollers: ManagedService[];
  /** Ops (metrics) ports of the pollers, by index. */
  pollerOpsPorts: number[];
  processors: ManagedService[];
  api: ManagedService;
  /** Stops every service (SIGTERM, then SIGKILL), then Redis, and removes Redis's data directory. */
  stop(): Promise<void>;
  /** Synchronous last resort: SIGKILL to every service still running. */
  killNow(): void;
}

const REPLICAS = 2;

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** Polls `url` until it answers 2xx, or throws after `timeoutMs`, naming `what`. */
export async function waitHttpOk(url: string, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(200);
  }
  throw new Error(`${what} did not answer at ${url} within ${timeoutMs / 1000}s (see its log)`);
}

export async function startStack(o: StackOptions): Promise<Stack> {
  const logDir = join(o.runDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const tokens: StackTokens = { cms: `tok_chaos_${hex(16)}`, abuser: `tok_chaos_${hex(16)}`, viewer: `tok_chaos_${hex(16)}`, admin: `tok_chaos_${hex(16)}` };
  const secrets: StackSecrets = {
    orgId: hex(12),
    publicKey: `pk_chaos_${hex(16)}`,
    privateKey: `sk_chaos_${hex(16)}`,
    apiTokens: Object.values(tokens),
    tokens,
  };
  const firmYaml = join(o.runDir, 'lexbridge.yaml');
  // The example firm (mappings, subscriptions, queues) with the chaos rules over its own, and the
  // run's own API identities (the YAML holds their hashes only).
  const example = parseYaml(readFileSync(join(o.root, 'lexbridge.example.yaml'), 'utf8')) as Record<string, unknown>;
  const rules = parseYaml(readFileSync(join(o.root, 'chaos', 'chaos-rules.yaml'), 'utf8')) as Record<string, unknown>;
  const sha256 = (t: string) => createHash('sha256').update(t).digest('hex');
  const api = {
    identities: [
      // The suite's CMS posts hundreds of updates and reads the whole feed repeatedly while settling.
      { name: 'chaos-cms', roles: ['cms'], tokenSha256: [sha256(tokens.cms)], requestsPerMinute: 100_000 },
      { name: 'chaos-abuser', roles: ['cms'], tokenSha256: [sha256(tokens.abuser)] },
      { name: 'chaos-viewer', roles: ['viewer'], tokenSha256: [sha256(tokens.viewer)] },
      { name: 'chaos-admin', roles: ['admin'], tokenSha256: [sha256(tokens.admin)] },
    ],
  };
  writeFileSync(firmYaml, stringifyYaml({ ...example, ...rules, api }));

  const redis = await RedisServerProcess.start({ appendOnly: true });
  const redisProxy = await DelayProxy.start({ port: redis.port });
  const [sandboxPort, apiPort, ...opsPorts] = await Promise.all(Array.from({ length: 2 + 2 * REPLICAS }, () => freePort()));
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const prefix = `lexbridge-chaos-${hex(3)}`;

  const supervisor = createSupervisor({
    root: o.root,
    logDir,
    onUnexpectedExit: o.onUnexpectedExit,
    env: {
      ...inheritedEnv(),
      NODE_ENV: 'production',
      LOG_LEVEL: o.logLevel,
      REDIS_URL: redisProxy.url,
      REDIS_PREFIX: prefix,
      LEXBRIDGE_CONFIG: firmYaml,
      LEXAMICA_BASE_URL: sandboxUrl,
      LEXAMICA_ORG_ID: secrets.orgId,
      LEXAMICA_PUBLIC_KEY: secrets.publicKey,
      LEXAMICA_PRIVATE_KEY: secrets.privateKey,
      LEXAMICA_TIMEOUT_MS: '5000',
      // A poll every half second, re-reading the last minute: wider than the late-event window.
      POLL_INTERVAL_MS: '500',
      POLL_OVERLAP_MS: '60000',
      POLL_INITIAL_LOOKBACK_MS: '60000',
      RECONCILE_INTERVAL_MS: '60000',
      RECONCILE_WINDOW_MS: '900000',
      API_HOST: '127.0.0.1',
      API_PORT: String(apiPort),
      OPS_HOST: '127.0.0.1',
      SHUTDOWN_GRACE_MS: '5000',
    },
  });

  const stack: Stack = {
    firmYaml,
    redis,
    redisProxy,
    supervisor,
    secrets,
    prefix,
    sandboxUrl,
    apiUrl,
    sandbox: undefined as unknown as ManagedService,
    pollers: [],
    pollerOpsPorts: opsPorts.slice(0, REPLICAS),
    processors: [],
    api: undefined as unknown as ManagedService,
    async stop() {
      await supervisor.stopAll(8_000);
      await redisProxy.stop();
      await redis.stop();
    },
    killNow: () => supervisor.killAllNow(),
  };

  try {
    stack.sandbox = supervisor.start({
      name: 'sandbox',
      entry: 'apps/sandbox/src/main.ts',
      env: {
        SANDBOX_PORT: String(sandboxPort),
        SANDBOX_HOST: '127.0.0.1',
        SANDBOX_SEED: String(o.seed),
        SANDBOX_SCENARIO: 'idle',
        SANDBOX_ORG_ID: secrets.orgId,
        SANDBOX_PUBLIC_KEY: secrets.publicKey,
        SANDBOX_PRIVATE_KEY: secrets.privateKey,
        // The sandbox's request log is not Lexbridge's; keep it small.
        LOG_LEVEL: 'warn',
      },
    });
    await waitHttpOk(`${sandboxUrl}/__sandbox/stats`, 'the sandbox', 60_000);
    const setup = await supervisor.run({ name: 'setup', entry: 'apps/cli/src/lexbridge.ts', args: ['setup'] }, 60_000);
    if (setup.code !== 0) throw new Error(`lexbridge setup exited with ${setup.code} (see ${join(logDir, 'setup.log')})`);

    for (let i = 0; i < REPLICAS; i++) {
      stack.pollers.push(supervisor.start({ name: `poller-${i + 1}`, entry: 'apps/poller/src/main.ts', env: { OPS_PORT: String(opsPorts[i]) } }));
      stack.processors.push(supervisor.start({ name: `processor-${i + 1}`, entry: 'apps/processor/src/main.ts', env: { OPS_PORT: String(opsPorts[REPLICAS + i]) } }));
    }
    stack.api = supervisor.start({ name: 'api', entry: 'apps/api/src/main.ts' });
    await Promise.all([
      waitHttpOk(`${apiUrl}/health/ready`, 'the API', 60_000),
      ...opsPorts.map((p, i) => waitHttpOk(`http://127.0.0.1:${p}/health/ready`, i < REPLICAS ? `poller ${i + 1}` : `processor ${i - REPLICAS + 1}`, 60_000)),
    ]);
    return stack;
  } catch (err) {
    stack.killNow();
    await redisProxy.stop();
    await redis.stop();
    throw err;
  }
}
