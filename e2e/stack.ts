/**
 * The whole stack on one profile, in-process: the sandbox serving a built-in API profile, the
 * firm's YAML adapted to it (as a firm would write it), set-up, the real poller, a processor and
 * the API on a private key prefix; with webhooks on, the receiver too, and the poller reconciling
 * at the YAML's slower interval (as the services' main.ts wire them). For scenarios that must hold
 * under every profile.
 */
import { createPollerService, type PollerTiming } from '@lexbridge/poller';
import { createReceiverService, type ReceiverService } from '@lexbridge/receiver';
import { buildApp, tokenSha256, type App, type AppDeps, type ConsoleSettings, type IdentityConfig } from '@lexbridge/api';
import { createProcessorService, processorFirmConfigSchema, type ProcessorService } from '@lexbridge/processor';
import type { BuiltInProfile, MisbehaviourInput, SandboxOptions } from '@lexbridge/sandbox';
import { parseFirmConfig, personalDataPolicy } from '@lexbridge/core/firm-config';
import { QueueSet } from '@lexbridge/core/jobs';
import { createLogger, type Logger } from '@lexbridge/infra/logger';
import { createRedis, keyspaceFor, toRedisSettings, waitForRedis, type Keyspace, type RedisClient, type RedisConnectionSettings, type RedisRole } from '@lexbridge/infra/redis';
import { deleteKeys, freePort, redisUrl, uniquePrefix } from '@lexbridge/testkit';
import { exampleConfigFor, FAST_POLLER_TIMING, startSandbox, type RunningSandbox } from './harness.js';

const STACK_TOKEN = 'e2e-stack-token-0123456789abcdef';
const logger = createLogger({ name: 'e2e-stack', level: 'silent' });

export interface Stack {
  env: RunningSandbox;
  processor: ProcessorService;
  api: App;
  poller: ReturnType<typeof createPollerService>;
  /** A CMS call through the API: method, path and JSON body, with the bearer token and an Idempotency-Key. */
  cms(method: 'GET' | 'POST', url: string, body?: unknown, idempotencyKey?: string): Promise<{ status: number; json: unknown }>;
  close(): Promise<void>;
  /** Where the stack's keys live (hash-tagged on a cluster). */
  keyspace: Keyspace;
  /** With `webhooks`: the receiver Lexamica pushes to. */
  receiver?: StackReceiver;
}

/** The stack's webhook receiver, which a test may stop (pushes then fail, and Lexamica retries them) and start again. */
export interface StackReceiver {
  /** The receiver running now (a new one after each start). */
  readonly service: ReceiverService;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the stack; `fragments` replace top-level sections of the example YAML (rules, shadow, subscriptions…). */
export async function startStack(
  profile: BuiltInProfile,
  opts: {
    redis?: RedisConnectionSettings;
    redisPrefix?: string;
    fragments?: Array<string | Record<string, unknown>>;
    misbehaviour?: MisbehaviourInput;
    scenario?: Record<string, unknown>;
    clientTimeoutMs?: number;
    firmYaml?: string;
    sandboxProfile?: SandboxOptions['profile'];
    /** More API identities besides the stack's CMS (console users). */
    identities?: IdentityConfig[];
    /** The console's settings and its built page (default: the YAML defaults, apps/api/dist/console). */
    console?: { settings?: ConsoleSettings; dir?: string };
    /**
     * Webhooks on: the YAML's `webhooks:` section points at a receiver on a free loopback port, set-up
     * subscribes it signed with `secret`, and the poller reconciles every `pollIntervalMs`.
     */
    webhooks?: { secret: string; pollIntervalMs: number };
    /** The poller's timing, over {@link FAST_POLLER_TIMING} (and the webhooks' interval). */
    pollerTiming?: Partial<PollerTiming>;
  } = {},
): Promise<Stack> {
  const receiverPort = opts.webhooks && (await freePort());
  const webhooksYaml = opts.webhooks && { webhooks: { url: `http://127.0.0.1:${receiverPort}/hooks/lexamica`, port: receiverPort, pollIntervalMs: opts.webhooks.pollIntervalMs } };
  const yaml = opts.firmYaml ?? exampleConfigFor(profile, ...(opts.fragments ?? []), ...(webhooksYaml ? [webhooksYaml] : []));
  const env = await startSandbox(
    {
      profile,
      firmYaml: yaml,
      ...(opts.sandboxProfile && { sandboxProfile: opts.sandboxProfile }),
      ...(opts.misbehaviour && { misbehaviour: opts.misbehaviour }),
      ...(opts.scenario && { scenario: opts.scenario }),
      ...(opts.webhooks && { webhookSecret: opts.webhooks.secret }),
    },
    opts.clientTimeoutMs ? { timeoutMs: opts.clientTimeoutMs } : {},
  );
  // The run's shared Redis unless the test brings its own (TLS, Sentinel, cluster, an ACL user).
  const settings = opts.redis ?? toRedisSettings(redisUrl());
  const keyspace = keyspaceFor(settings, opts.redisPrefix ?? uniquePrefix(`e2e-stack-${profile}`));
  const prefix = keyspace.prefix;
  const closers: Array<() => Promise<void>> = [() => env.close()];
  const close = async () => {
    while (closers.length) await closers.pop()!();
  };
  const connect = (role: RedisRole) => connectTo(settings, keyspace, role);
  try {
    const webhooks = env.firm.webhooks;
    const receiver = webhooks && opts.webhooks && (await startReceiver({ secret: opts.webhooks.secret, webhooks, env, prefix, connect: () => connect('producer') }));
    if (receiver) closers.push(() => receiver.stop());
    const pollerRedis = await connect('worker');
    // With webhooks on, polling is the safety net: slower, and counting what the pushes missed.
    const timing = { ...FAST_POLLER_TIMING, ...(webhooks && { intervalMs: webhooks.pollIntervalMs }), ...opts.pollerTiming };
    const poller = createPollerService({ client: env.client, redis: pollerRedis, redisPrefix: prefix, logger, timing, webhooks: webhooks !== undefined, personalData: personalDataPolicy(env.firm) });
    closers.push(async () => {
      const r = createRedis(settings, 'worker');
      await deleteKeys(r, prefix);
      r.disconnect();
    });
    const redis = await connect('worker');
    const processor = createProcessorService({
      redis,
      keyspace,
      client: env.client,
      firm: parseFirmConfig(yaml, 'e2e.yaml', processorFirmConfigSchema),
      logger,
      expirySafetyMs: 300,
      workerOptions: { lockDuration: 2_000, stalledInterval: 1_000 },
    });
    await processor.start();
    closers.push(async () => {
      await processor.close();
      redis.disconnect();
    });
    poller.start();
    closers.push(async () => {
      await poller.close();
      pollerRedis.disconnect();
    });
    const { api, close: closeApi } = await startApi(settings, keyspace, {
      identities: [{ name: 'stack-cms', roles: ['cms'], tokenSha256: [tokenSha256(STACK_TOKEN)] }, ...(opts.identities ?? [])],
      ...(opts.console?.settings && { console: opts.console.settings }),
      ...(opts.console?.dir && { consoleDir: opts.console.dir }),
      consoleStreamPollMs: 200,
    });
    closers.push(closeApi);
    const cms: Stack['cms'] = async (method, url, body, idempotencyKey) => {
      const res = await api.inject({
        method,
        url,
        headers: { authorization: `Bearer ${STACK_TOKEN}`, ...(idempotencyKey && { 'idempotency-key': idempotencyKey }), ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { payload: JSON.stringify(body) }),
      });
      return { status: res.statusCode, json: res.body ? (JSON.parse(res.body) as unknown) : undefined };
    };
    return { env, processor, api, poller, cms, close, keyspace, ...(receiver && { receiver }) };
  } catch (err) {
    await close();
    throw err;
  }
}

/** A connection as the services' main.ts makes one: created, then waited for (which also learns whether INFO is allowed). */
async function connectTo(settings: RedisConnectionSettings, keyspace: Keyspace, role: RedisRole, log?: Logger): Promise<RedisClient> {
  const r = createRedis(settings, role, log);
  try {
    await waitForRedis(r, { timeoutMs: 20_000, settings, probeKey: keyspace.key('probe') });
  } catch (err) {
    r.disconnect();
    throw err;
  }
  return r;
}

/**
 * The API on `keyspace` as its main.ts wires it, built and ready (not listening): a producer
 * connection waited for, the queues on it, the app (`deps` as buildApp takes them; a silent logger
 * unless given). `close` closes all three.
 */
export async function startApi(
  redis: RedisConnectionSettings | string,
  keyspace: Keyspace,
  deps: Omit<AppDeps, 'redis' | 'queues' | 'logger'> & { logger?: Logger },
): Promise<{ api: App; close(): Promise<void> }> {
  const settings = toRedisSettings(redis);
  const log = deps.logger ?? logger;
  const producer = await connectTo(settings, keyspace, 'producer', log);
  const queues = new QueueSet(producer, keyspace, log);
  const close = async () => {
    await api.close();
    await queues.close();
    producer.disconnect();
  };
  const api = buildApp({ ...deps, logger: log, redis: producer, queues });
  try {
    await api.ready();
  } catch (err) {
    await close();
    throw err;
  }
  return { api, close };
}

/** A receiver as apps/receiver's main wires it, listening on `webhooks.port`; stopped, it can start again. */
async function startReceiver(o: {
  secret: string;
  webhooks: NonNullable<RunningSandbox['firm']['webhooks']>;
  env: RunningSandbox;
  prefix: string;
  connect: () => Promise<RedisClient>;
}): Promise<StackReceiver> {
  let running: { service: ReceiverService; redis: RedisClient } | undefined;
  const handle: StackReceiver = {
    get service() {
      if (!running) throw new Error('the receiver is stopped');
      return running.service;
    },
    async start() {
      const redis = await o.connect();
      const service = createReceiverService({ profile: o.env.client.profile, secrets: [o.secret], redis, redisPrefix: o.prefix, logger, webhooks: o.webhooks, personalData: personalDataPolicy(o.env.firm) });
      service.start();
      running = { service, redis };
      await service.app.listen({ port: o.webhooks.port, host: '127.0.0.1' });
    },
    async stop() {
      const r = running;
      running = undefined;
      if (!r) return;
      await r.service.close();
      r.redis.disconnect();
    },
  };
  try {
    await handle.start();
  } catch (err) {
    await handle.stop();
    throw err;
  }
  return handle;
}
