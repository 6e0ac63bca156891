/**
 * The receiver service assembled from its parts, without side effects until it listens: the public
 * app (one POST route and `/health`) and the internal ops port (`/metrics`, `/health/ready`).
 * `main.ts` only wires configuration into it; tests build it in-process.
 */
import type { RedisClient } from '@lexbridge/infra/redis';
import { createWebhookReader, routedEventNames, type ApiProfile } from '@lexbridge/lexamica-client';
import { QueueSet } from '@lexbridge/core/jobs';
import { createSeenStore, intakeKeys } from '@lexbridge/core/intake';
import type { Logger } from '@lexbridge/infra/logger';
import { buildOpsServer, createMetricsRegistry, registerRedisUp } from '@lexbridge/infra/ops';
import type { Registry } from 'prom-client';
import { createKeyspace, redisAnswers } from '@lexbridge/infra/redis';
import type { PersonalDataPolicy, WebhooksDeclaration } from '@lexbridge/core/firm-config';
import { createReceiverMetrics } from './metrics.js';
import { buildReceiver, REJECTION_STATUS } from './receiver.js';

export interface ReceiverServiceOptions {
  profile: ApiProfile;
  /** The secret deliveries are signed with, and the previous one during a rotation. */
  secrets: string[];
  /** A producer-role connection: a request fails fast (503) while Redis is away, so Lexamica retries. */
  redis: RedisClient;
  redisPrefix: string;
  logger: Logger;
  webhooks: Pick<WebhooksDeclaration, 'url' | 'maxBodyBytes'>;
  now?: () => number;
  /** What is removed from each payload before it becomes job data: `personalDataPolicy(firm)`. */
  personalData: Pick<PersonalDataPolicy, 'strip'>;
  /** Default: a new registry with the process metrics, labelled `service="receiver"` (main passes the one `startTelemetry` put the build info on). */
  registry?: Registry;
}

export function createReceiverService(opts: ReceiverServiceOptions) {
  const keyspace = createKeyspace(opts.redisPrefix);
  const queues = new QueueSet(opts.redis, keyspace, opts.logger);
  const registry = opts.registry ?? createMetricsRegistry('receiver');
  registerRedisUp(registry, opts.redis);
  const metrics = createReceiverMetrics(registry, Object.keys(REJECTION_STATUS));
  const ready = async () => (await redisAnswers(opts.redis)) && (await queues.ready());
  const app = buildReceiver({
    read: createWebhookReader(opts.profile, opts.secrets),
    intake: createSeenStore(opts.redis, intakeKeys(keyspace), opts.now),
    queues,
    eventNames: routedEventNames(opts.profile),
    metrics,
    logger: opts.logger,
    path: new URL(opts.webhooks.url).pathname,
    maxBodyBytes: opts.webhooks.maxBodyBytes,
    ready,
    personalData: opts.personalData,
    ...(opts.now ? { now: opts.now } : {}),
  });
  const ops = buildOpsServer({ registry, logger: opts.logger, checks: { redis: () => redisAnswers(opts.redis), queues: () => queues.ready() } });
  return {
    app,
    ops,
    registry,
    queues,
    /** Starts the queues it enqueues to (before listening). */
    start() {
      queues.all();
    },
    async close() {
      await app.close();
      await queues.close();
      await ops.close();
    },
  };
}

export type ReceiverService = ReturnType<typeof createReceiverService>;
