/**
 * The processor as one object tests start in-process: builds the ledger, feed, announcer, capacity
 * counters, handlers and workers around a Redis connection and a Lexamica client; `start` runs the
 * workers, `close` stops them (in-flight jobs finish) and then the queues. The Redis connection
 * belongs to the caller, who closes it last.
 */
import type { Worker, WorkerOptions } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from '@lexbridge/infra/logger';
import { Registry } from 'prom-client';
import type { LexamicaClient } from '@lexbridge/lexamica-client';
import { createFeed, type Feed } from '@lexbridge/core/feed';
import { QueueSet, workerUsable } from '@lexbridge/core/jobs';
import { createCaseIndex, createLedger, findStuck, retentionPolicy, type Ledger, type RetentionPolicy } from '@lexbridge/core/ledger';
import { createMapper } from '@lexbridge/core/mapping';
import { buildOpsServer, registerRedisUp } from '@lexbridge/infra/ops';
import { createKeyspace, redisAnswers, type Keyspace } from '@lexbridge/infra/redis';
import { caseTypeWarnings, createCapacityCounter } from '@lexbridge/core/rules';
import { createAnnouncer } from './announce.js';
import { createCmsWebhook, type CmsWebhookOptions } from './cms-webhook.js';
import type { ProcessorContext, ProcessorHooks } from './context.js';
import { PROCESSOR_QUEUES, rulesOf, type ProcessorFirmConfig, type ProcessorQueue } from './firm-config.js';
import { createHandlers, type ProcessorHandlers } from './handlers.js';
import { createMappingIds } from './mapping-ids.js';
import { createProcessorMetrics } from './metrics.js';
import { createOutboundSteps } from './outbound/outbound-steps.js';
import { createUploadBytes } from './outbound/upload-bytes.js';
import { createInvitationReader } from './read-invitation.js';
import { createCaseActivity } from './status-sync/case-activity.js';
import { scheduleMaintenance } from './maintenance-schedule.js';
import { createWorkers } from './workers.js';

/** Options of {@link createProcessorService}. */
export interface ProcessorServiceOptions {
  /** A worker-role connection (`createRedis(url, 'worker')`); not closed by the service. */
  redis: Redis;
  /**
   * The connection for the ledger, feed and other state (not BullMQ's): `main.ts` passes one with
   * `enableAutoPipelining`, so the commands issued in one tick leave in one write. BullMQ keeps
   * `redis`, whose blocking duplicates must not pipeline. Default `redis`; not closed by the service.
   */
  commands?: Redis;
  keyspace: Keyspace;
  client: LexamicaClient;
  firm: ProcessorFirmConfig;
  logger: Logger;
  /** Where metrics register. Default a fresh registry. */
  registry?: Registry;
  /** Clock. Default `() => new Date()`. */
  now?: () => Date;
  /**
   * The CMS webhook (`CMS_WEBHOOK_URL`, `CMS_WEBHOOK_SECRET`): every feed item is then queued for a
   * signed delivery (`cms.deliver`) and the `cms-webhook` queue is worked. Default none (feed only).
   */
  webhook?: CmsWebhookOptions;
  /** Never send an action when the invitation expires within this many ms. Default 10 000. */
  expirySafetyMs?: number;
  /**
   * Which queues this instance works. Default all of {@link PROCESSOR_QUEUES}; `cms-webhook` only
   * with a `webhook`. Working `maintenance` also upserts the schedulers of the 90-day check and the watchdog.
   */
  queues?: readonly ProcessorQueue[];
  /** Extra BullMQ worker options, e.g. shorter `lockDuration`/`stalledInterval` in tests. */
  workerOptions?: Partial<WorkerOptions>;
  hooks?: ProcessorHooks;
  /** How long records, feed items and jobs are kept. Default: the firm YAML's `retention` (main.ts adds `RETENTION_*_DAYS`). */
  retention?: RetentionPolicy;
}

export interface ProcessorService {
  readonly ledger: Ledger;
  readonly feed: Feed;
  readonly queues: QueueSet;
  readonly context: ProcessorContext;
  readonly handlers: ProcessorHandlers;
  /**
   * The health and metrics server (not listening; `main.ts` listens). `/health/ready` says ready
   * only while Redis answers on both connections, every queue has started and every worker runs
   * with both its connections up; it and `/metrics` answer within a second whatever Redis does.
   */
  readonly ops: FastifyInstance;
  /** Starts the workers; resolves once each is connected. */
  start(): Promise<void>;
  /** True between start and close. */
  running(): boolean;
  /**
   * Stops taking work, lets in-flight jobs finish (or abandons them with `force`, as a crash
   * would: their locks expire and another processor takes them over), then closes the queues.
   */
  close(opts?: { force?: boolean }): Promise<void>;
}

export function createProcessorService(o: ProcessorServiceOptions): ProcessorService {
  const retention = o.retention ?? retentionPolicy(o.firm.retention);
  const queues = new QueueSet(o.redis, o.keyspace, o.logger, { jobRetentionMs: retention.jobsMs });
  const state = o.commands ?? o.redis;
  const feed = createFeed(state, o.keyspace, { retentionMs: retention.feedMs });
  // Decisions and action outcomes are announced by the ledger's own scripts (the outbox).
  const ledger = createLedger(state, o.keyspace, { feed: feed.outbox, recordsRetentionMs: retention.recordsMs, ...(o.now && { now: o.now }) });
  const rules = rulesOf(o.firm);
  // A rule naming a case type Lexamica does not have can never match: say so at start.
  for (const w of caseTypeWarnings(rules)) o.logger.warn({ path: w.path }, `rules: ${w.path}: ${w.message}`);
  const now = o.now ?? (() => new Date());
  const caseActivity = createCaseActivity(state, o.keyspace);
  const registry = o.registry ?? new Registry();
  registerRedisUp(registry, state);
  const stuck = (at: Date) => findStuck(state, o.keyspace, o.firm.watchdog, at);
  const metrics = createProcessorMetrics(registry, ledger, { caseActivity, warnAfterDays: o.firm.statusSync.warnAfterDays, now }, { redis: state, logger: o.logger, stuck: () => stuck(now()) });
  const context: ProcessorContext = {
    ledger,
    queues,
    client: o.client,
    rules,
    capacity: createCapacityCounter(state, o.keyspace, rules.capacity),
    // Shadow decisions count on their own keys, so trying rules out never uses up real capacity.
    shadowCapacity: createCapacityCounter(state, createKeyspace(o.keyspace.key('shadow')), rules.capacity),
    invitations: createInvitationReader(o.firm.mappings.invitation),
    announcer: createAnnouncer({ feed, logger: o.logger, ...(o.webhook && { webhookQueues: queues }) }),
    feed,
    cases: createCaseIndex(state, o.keyspace),
    caseActivity,
    statusSync: o.firm.statusSync,
    firmMappers: {
      caseUpdate: createMapper(o.firm.mappings.caseUpdate),
      ...(o.firm.mappings.case && { case: createMapper(o.firm.mappings.case) }),
    },
    mappingIds: createMappingIds(o.client, o.firm.mappings),
    outboundSteps: createOutboundSteps(state, o.keyspace, now),
    uploads: createUploadBytes(state, o.keyspace),
    ...(o.webhook && { webhook: createCmsWebhook(o.webhook) }),
    metrics,
    stuck,
    now,
    expirySafetyMs: o.expirySafetyMs ?? 10_000,
    hooks: o.hooks ?? {},
    logger: o.logger,
  };
  const handlers = createHandlers(context, { invitations: o.firm.queues.invitations.concurrency, inbound: o.firm.queues.inbound.concurrency });
  let workers: Worker[] = [];
  let isRunning = false;
  const ops = buildOpsServer({
    registry,
    logger: o.logger,
    checks: {
      redis: () => redisAnswers(o.redis),
      ...(o.commands && o.commands !== o.redis && { state: () => redisAnswers(o.commands!) }),
      queues: () => queues.ready(),
      workers: async () => isRunning && workers.length > 0 && (await Promise.all(workers.map(workerUsable))).every(Boolean),
    },
  });

  return {
    ledger,
    feed,
    queues,
    context,
    handlers,
    ops,
    async start() {
      if (isRunning) return;
      queues.all();
      const only = (o.queues ?? PROCESSOR_QUEUES).filter((q) => q !== 'cms-webhook' || o.webhook !== undefined);
      if (only.includes('maintenance')) await scheduleMaintenance(queues, { updateDueMinutes: o.firm.statusSync.checkEveryMinutes, watchdogMs: o.firm.watchdog.checkEveryMs });
      workers = createWorkers({
        connection: o.redis,
        keyspace: o.keyspace,
        queues,
        handlers,
        settings: o.firm.queues,
        only,
        logger: o.logger,
        metrics,
        ...(o.workerOptions && { workerOptions: o.workerOptions }),
      });
      for (const w of workers) {
        w.run().catch((err: unknown) => o.logger.error({ err, queue: w.name }, 'worker stopped with an error'));
      }
      await Promise.all(workers.map((w) => w.waitUntilReady()));
      isRunning = true;
      o.logger.info({ queues: workers.map((w) => w.name) }, 'processor started');
    },
    running: () => isRunning,
    async close(opts = {}) {
      isRunning = false;
      await Promise.all(workers.map((w) => w.close(opts.force ?? false)));
      workers = [];
      await queues.close();
      await ops.close();
    },
  };
}
