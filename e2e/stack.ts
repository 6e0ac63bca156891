/**
 * The whole stack on one profile, in-process: the sandbox serving a built-in API profile, the
 * firm's YAML adapted to it (as a firm would write it), set-up, the real poller, a processor and
 * the API on a private key prefix. For scenarios that must hold under every profile.
 */
import { createPollerService } from '@lexbridge/poller';
import { buildApp, tokenSha256, type ConsoleSettings, type IdentityConfig } from '@lexbridge/api';
import { createProcessorService, processorFirmConfigSchema, type ProcessorService } from '@lexbridge/processor';
import type { BuiltInProfile, MisbehaviourInput, SandboxOptions } from '@lexbridge/sandbox';
import { parseFirmConfig, personalDataPolicy } from '@lexbridge/core/firm-config';
import { QueueSet } from '@lexbridge/core/jobs';
import { createLogger } from '@lexbridge/infra/logger';
import { createRedis, keyspaceFor, toRedisSettings, waitForRedis, type Keyspace, type RedisConnectionSettings, type RedisRole } from '@lexbridge/infra/redis';
import { deleteKeys, redisUrl, uniquePrefix } from '@lexbridge/testkit';
import { exampleConfigFor, FAST_POLLER_TIMING, startSandbox, type RunningSandbox } from './harness.js';

const STACK_TOKEN = 'e2e-stack-token-0123456789abcdef';
const logger = createLogger({ name: 'e2e-stack', level: 'silent' });

export interface Stack {
  env: RunningSandbox;
  processor: ProcessorService;
  api: ReturnType<typeof buildApp>;
  poller: ReturnType<typeof createPollerService>;
  /** A CMS call through the API: method, path and JSON body, with the bearer token and an Idempotency-Key. */
  cms(method: 'GET' | 'POST', url: string, body?: unknown, idempotencyKey?: string): Promise<{ status: number; json: unknown }>;
  close(): Promise<void>;
  /** Where the stack's keys live (hash-tagged on a cluster). */
  keyspace: Keyspace;
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
  } = {},
): Promise<Stack> {
  const yaml = opts.firmYaml ?? exampleConfigFor(profile, ...(opts.fragments ?? []));
  const env = await startSandbox({ profile, firmYaml: yaml, ...(opts.sandboxProfile && { sandboxProfile: opts.sandboxProfile }), ...(opts.misbehaviour && { misbehaviour: opts.misbehaviour }), ...(opts.scenario && { scenario: opts.scenario }) }, opts.clientTimeoutMs ? { timeoutMs: opts.clientTimeoutMs } : {});
  // The run's shared Redis unless the test brings its own (TLS, Sentinel, cluster, an ACL user).
  const settings = opts.redis ?? toRedisSettings(redisUrl());
  const keyspace = keyspaceFor(settings, opts.redisPrefix ?? uniquePrefix(`e2e-stack-${profile}`));
  const prefix = keyspace.prefix;
  const closers: Array<() => Promise<void>> = [() => env.close()];
  const close = async () => {
    while (closers.length) await closers.pop()!();
  };
  /** A connection as the services' main.ts makes one: created, then waited for (which also learns whether INFO is allowed). */
  const connect = async (role: RedisRole, log?: typeof logger) => {
    const r = createRedis(settings, role, log);
    try {
      await waitForRedis(r, { timeoutMs: 20_000, settings, probeKey: keyspace.key('probe') });
    } catch (err) {
      r.disconnect();
      throw err;
    }
    return r;
  };
  try {
    const pollerRedis = await connect('worker');
    const poller = createPollerService({ client: env.client, redis: pollerRedis, redisPrefix: prefix, logger, timing: FAST_POLLER_TIMING, personalData: personalDataPolicy(env.firm) });
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
    const producer = await connect('producer', logger);
    const queues = new QueueSet(producer, keyspace, logger);
    const api = buildApp({
      logger,
      redis: producer,
      queues,
      identities: [{ name: 'stack-cms', roles: ['cms'], tokenSha256: [tokenSha256(STACK_TOKEN)] }, ...(opts.identities ?? [])],
      ...(opts.console?.settings && { console: opts.console.settings }),
      ...(opts.console?.dir && { consoleDir: opts.console.dir }),
      consoleStreamPollMs: 200,
    });
    await api.ready();
    closers.push(async () => {
      await api.close();
      await queues.close();
      producer.disconnect();
    });
    const cms: Stack['cms'] = async (method, url, body, idempotencyKey) => {
      const res = await api.inject({
        method,
        url,
        headers: { authorization: `Bearer ${STACK_TOKEN}`, ...(idempotencyKey && { 'idempotency-key': idempotencyKey }), ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { payload: JSON.stringify(body) }),
      });
      return { status: res.statusCode, json: res.body ? (JSON.parse(res.body) as unknown) : undefined };
    };
    return { env, processor, api, poller, cms, close, keyspace };
  } catch (err) {
    await close();
    throw err;
  }
}
