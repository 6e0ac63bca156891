/**
 * An in-process processor on the run's Redis (own key prefix) with a Lexamica client pointed at a
 * scripted local HTTP server, for handler tests. `close()` stops everything it opened.
 */
import { createLexamicaClient } from '@lexbridge/lexamica-client';
import type { JobContext } from '@lexbridge/core/jobs';
import { createLogger } from '@lexbridge/infra/logger';
import { createKeyspace } from '@lexbridge/infra/redis';
import { createTestRedis, ScriptServer, type ScriptedReply } from '@lexbridge/testkit';
import { afterAll, beforeAll } from 'vitest';
import type { ProcessorHooks } from '../src/context.js';
import { createProcessorService, type ProcessorServiceOptions } from '../src/service.js';
import { testFirmConfig } from './firm.js';

/** The fixed clock of handler tests, and a time `h` hours after it. */
export const CLOCK = new Date('2026-11-22T10:00:00.000Z');
export const inHours = (h: number) => new Date(CLOCK.getTime() + h * 3_600_000).toISOString();

export const ORG = 'org-1';
export const MAPPING_ID = 'map-inv';
export const logger = createLogger({ name: 'processor-test', level: 'silent' });

export interface HarnessOptions {
  firmExtra?: string;
  rules?: string;
  now?: () => Date;
  hooks?: ProcessorHooks;
  expirySafetyMs?: number;
  workerOptions?: ProcessorServiceOptions['workerOptions'];
  queues?: ProcessorServiceOptions['queues'];
  webhook?: ProcessorServiceOptions['webhook'];
  registry?: ProcessorServiceOptions['registry'];
  /** Give the service an auto-pipelined state connection, as `main.ts` does (default false). */
  autoPipelining?: boolean;
}

export async function createHarness(label: string, o: HarnessOptions = {}) {
  const redis = createTestRedis(label);
  const server = await new ScriptServer().start();
  const commands = o.autoPipelining ? redis.redis.duplicate({ enableAutoPipelining: true }) : undefined;
  const client = createLexamicaClient({
    baseUrl: server.baseUrl,
    orgId: ORG,
    publicKey: 'public-key-for-tests',
    privateKey: 'private-key-for-tests',
    retry: { maxRetries: 0 },
    sleep: async () => {},
  });
  const service = createProcessorService({
    redis: redis.redis,
    ...(commands && { commands }),
    keyspace: createKeyspace(redis.prefix),
    client,
    firm: testFirmConfig(o.firmExtra, o.rules),
    logger,
    expirySafetyMs: o.expirySafetyMs ?? 1_000,
    ...(o.now && { now: o.now }),
    ...(o.hooks && { hooks: o.hooks }),
    ...(o.workerOptions && { workerOptions: o.workerOptions }),
    ...(o.queues && { queues: o.queues }),
    ...(o.webhook && { webhook: o.webhook }),
    ...(o.registry && { registry: o.registry }),
  });
  return {
    redis,
    server,
    service,
    ctx: service.context,
    handlers: service.handlers,
    /** Requests the server saw, as method + path. */
    calls: () => server.requests.map((r) => `${r.method} ${r.path}`),
    async close() {
      await service.close();
      await server.stop();
      await commands?.quit();
      await redis.cleanup();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;

/** One harness for the enclosing suite: started before its first test, closed after its last. */
export function useHarness(label: string, o: HarnessOptions, set: (h: Harness) => void): void {
  let current: Harness | undefined;
  beforeAll(async () => {
    current = await createHarness(label, o);
    set(current);
  });
  afterAll(() => current?.close());
}

/** A JobContext for calling a handler directly. */
export function jobContext(attempt = 1, maxAttempts = 8, jobId = 'job-1'): JobContext {
  return { logger, queue: 'test', jobId, attempt, maxAttempts };
}

/** An invitation's path on the scripted server. */
export const actionPath = (invitationId: string, action: string) =>
  `/organization/${ORG}/inbound-webhooks/case-invitation/${MAPPING_ID}/${invitationId}/${action}`;
export const invitationPath = (invitationId: string) => `/organization/${ORG}/case-invitations/${invitationId}`;

/**
 * Scripts `server` by path: one reply per path, or a list used in turn (its last reply repeats);
 * any other path gets a 404.
 */
export function replyByPath(server: ScriptServer, routes: Record<string, ScriptedReply | ScriptedReply[]>): void {
  const queues = new Map(Object.entries(routes).map(([p, r]) => [p, Array.isArray(r) ? [...r] : [r]]));
  server.otherwise((req) => {
    const q = queues.get(req.path);
    if (!q) return { status: 404, body: { error: 'not_found' } };
    return q.length > 1 ? q.shift()! : q[0]!;
  });
}
