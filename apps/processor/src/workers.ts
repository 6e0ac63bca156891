/**
 * The BullMQ side of the processor: one Worker per queue, each an adapter around the handler map
 * (parse → child logger → handler), with concurrency and limiter from the firm config. A 429 from
 * Lexamica pauses the whole queue for Retry-After and puts the job back without using an attempt.
 */
import { UnrecoverableError, Worker, type Job, type Queue, type WorkerOptions } from 'bullmq';
import type { RedisClient } from '@lexbridge/infra/redis';
import type { Logger } from '@lexbridge/infra/logger';
import { BATCH_JOBS, createJobProcessor, type QueueSet } from '@lexbridge/core/jobs';
import type { Keyspace } from '@lexbridge/infra/redis';
import type { ProcessorQueue, QueueSettings } from './firm-config.js';
import type { ProcessorHandlers } from './handlers.js';
import type { ProcessorMetrics } from './metrics.js';
import { rateLimitPauseMs } from './rate-limit.js';

/**
 * The limiter a queue gets when the firm sets none. BullMQ only honours a manual rate limit
 * (`queue.rateLimit`) on other workers when the queue has a limiter, so every queue gets one; this
 * one is high enough never to slow the processor down by itself.
 */
const PAUSE_ONLY_LIMITER = { max: 10_000, duration: 1_000 };


type Processor = (job: Job) => Promise<unknown>;

/** Wraps a processor so a 429 rate-limits `queue` (BullMQ's manual rate limit) instead of failing the attempt. */
export function pauseQueueOn429(queue: Pick<Queue, 'rateLimit' | 'name'>, processor: Processor, logger: Logger): Processor {
  return async (job) => {
    try {
      return await processor(job);
    } catch (err) {
      const ms = rateLimitPauseMs(err);
      if (ms === undefined) throw err;
      logger.warn({ queue: queue.name, jobId: job.id, pauseMs: ms }, 'Lexamica rate limit: pausing the queue');
      await queue.rateLimit(ms);
      throw Worker.RateLimitError();
    }
  };
}

/**
 * Jobs a queue's worker takes at once. On the stored-event queues `concurrency` counts events, run
 * by each batch job under a limit shared across the process (see `handlers/stored-event-batch.ts`);
 * a page's batch carries up to 100, so a tenth of that in jobs keeps every slot busy without
 * pulling thousands of events into memory (measured, 50 000-event drain: 1 084 events/s and 139 MB
 * at 5 jobs, 863 events/s and 152 MB at 50). A lone event's job, and one handed off after failing
 * in a batch, runs in one of these slots.
 */
export function workerConcurrency(queue: ProcessorQueue, concurrency: number): number {
  return queue in BATCH_JOBS ? Math.max(2, Math.ceil(concurrency / 10)) : concurrency;
}

/** Options of {@link createWorkers}. */
export interface WorkersOptions {
  /** A worker-role connection; BullMQ duplicates it for its blocking reads. */
  connection: RedisClient;
  keyspace: Keyspace;
  queues: QueueSet;
  handlers: ProcessorHandlers;
  settings: Record<ProcessorQueue, QueueSettings>;
  /** Which queues to work. */
  only: readonly ProcessorQueue[];
  logger: Logger;
  metrics: ProcessorMetrics;
  /** Extra BullMQ worker options (tests shorten `lockDuration` and `stalledInterval`). */
  workerOptions?: Partial<WorkerOptions>;
}

/** Creates the workers, not yet running (`autorun: false`): call `run()` on each. */
export function createWorkers(o: WorkersOptions): Worker[] {
  const processors: { [Q in ProcessorQueue]: Processor } = {
    invitations: createJobProcessor('invitations', o.handlers.invitations, o.logger),
    'invitation-actions': createJobProcessor('invitation-actions', o.handlers['invitation-actions'], o.logger),
    'expiry-guard': createJobProcessor('expiry-guard', o.handlers['expiry-guard'], o.logger),
    inbound: createJobProcessor('inbound', o.handlers.inbound, o.logger),
    outbound: createJobProcessor('outbound', o.handlers.outbound, o.logger),
    'cms-webhook': createJobProcessor('cms-webhook', o.handlers['cms-webhook'], o.logger),
    maintenance: createJobProcessor('maintenance', o.handlers.maintenance, o.logger),
  };
  return o.only.map((name) => {
    const s = o.settings[name];
    const worker = new Worker(name, pauseQueueOn429(o.queues.get(name), processors[name], o.logger), {
      connection: o.connection,
      prefix: o.keyspace.bullPrefix,
      concurrency: workerConcurrency(name, s.concurrency),
      limiter: s.limiter ? { max: s.limiter.max, duration: s.limiter.durationMs } : PAUSE_ONLY_LIMITER,
      autorun: false,
      ...o.workerOptions,
    });
    worker.on('error', (err) => o.logger.error({ err, queue: name }, 'worker error'));
    worker.on('failed', (job, err) => {
      const final = !job || err instanceof UnrecoverableError || err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
      o.metrics.jobsFailed.inc({ queue: name, job: job?.name ?? 'unknown', final: String(final) });
      o.logger[final ? 'error' : 'warn']({ err, queue: name, job: job?.name, jobId: job?.id, attempt: job?.attemptsMade }, final ? 'job failed' : 'job attempt failed; will retry');
    });
    return worker;
  });
}
