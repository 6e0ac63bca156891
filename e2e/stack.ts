/**
 * The whole stack on one profile, in-process: the sandbox serving a built-in API profile, the
 * firm's YAML adapted to it (as a firm would write it), set-up, the real poller, a processor and
 * the API on a private key prefix. For scenarios that must hold under every profile.
 */
import { createPollerService } from '@lexbridge/poller';
import { buildApp, tokenSha256 } from '@lexbridge/api';
import { createProcessorService, processorFirmConfigSchema, type ProcessorService } from '@lexbridge/processor';
import type { BuiltInProfile, MisbehaviourInput, SandboxOptions } from '@lexbridge/sandbox';
import { parseFirmConfig } from '@lexbridge/core/firm-config';
import { QueueSet } from '@lexbridge/core/jobs';
import { createLogger } from '@lexbridge/infra/logger';
import { createKeyspace, createRedis } from '@lexbridge/infra/redis';
import { deleteKeys, redisUrl, uniquePrefix, waitFor } from '@lexbridge/testkit';
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
}

/** Starts the stack; `fragments` replace top-level sections of the example YAML (rules, shadow, subscriptions…). */
export async function startStack(
  profile: BuiltInProfile,
  opts: { fragments?: Array<string | Record<string, unknown>>; misbehaviour?: MisbehaviourInput; scenario?: Record<string, unknown>; clientTimeoutMs?: number; firmYaml?: string; sandboxProfile?: SandboxOptions['profile'] } = {},
): Promise<Stack> {
  const yaml = opts.firmYaml ?? exampleConfigFor(profile, ...(opts.fragments ?? []));
  const env = await startSandbox({ profile, firmYaml: yaml, ...(opts.sandboxProfile && { sandboxProfile: opts.sandboxProfile }), ...(opts.misbehaviour && { misbehaviour: opts.misbehaviour }), ...(opts.scenario && { scenario: opts.scenario }) }, opts.clientTimeoutMs ? { timeoutMs: opts.clientTimeoutMs } : {});
  const prefix = uniquePrefix(`e2e-stack-${profile}`);
  const closers: Array<() => Promise<void>> = [() => env.close()];
  const close = async () => {
    while (closers.length) await closers.pop()!();
  };
  try {
    const pollerRedis = createRedis(redisUrl(), 'worker');
    const poller = createPollerService({ client: env.client, redis: pollerRedis, redisPrefix: prefix, logger, timing: FAST_POLLER_TIMING });
    closers.push(async () => {
      const r = createRedis(redisUrl(), 'worker');
      await deleteKeys(r, prefix);
      r.disconnect();
    });
    const redis = createRedis(redisUrl(), 'worker');
    const processor = createProcessorService({
      redis,
      keyspace: createKeyspace(prefix),
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
    const producer = createRedis(redisUrl(), 'producer', logger);
    await waitFor(() => producer.status === 'ready', { message: 'API redis ready' });
    const queues = new QueueSet(producer, createKeyspace(prefix), logger);
    const api = buildApp({ logger, redis: producer, queues, identities: [{ name: 'stack-cms', roles: ['cms'], tokenSha256: [tokenSha256(STACK_TOKEN)] }] });
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
    return { env, processor, api, poller, cms, close };
  } catch (err) {
    await close();
    throw err;
  }
}
