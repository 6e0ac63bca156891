/**
 * `invitations.batch` / `inbound.batch`: several stored events of one queue in one job (the poller's
 * page). Each event is handled by the handler of the job it would have been on its own, at most
 * `concurrency` events at a time in this process across every batch of the queue. An event whose
 * handling fails is handed off to a job of its own (job id = event id, the catalog's retries), where
 * it retries and, if it never succeeds, stays in the failed set with its reason, like any other
 * event. The batch succeeds once each event is handled or handed off; it fails (and is retried
 * whole, the handlers being idempotent) only when a hand-off cannot be enqueued.
 *
 * After a 429 the events of the batch not yet started are handed off at once, delayed by the pause,
 * and the queue is paused: the rest of the page does not hammer a rate-limited Lexamica.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import {
  enqueue,
  jobCatalog,
  jobIdFor,
  type BatchQueue,
  type Handler,
  type HandlerMap,
  type JobContext,
  type StoredEventBatch,
} from '@lexbridge/core/jobs';
import type { ProcessorContext } from '../context.js';
import { rateLimitPauseMs } from '../rate-limit.js';

/** What this module uses of the processor's context. */
export type StoredEventBatchDeps = Pick<ProcessorContext, 'metrics' | 'queues'>;

/** Delay before a handed-off event's own first attempt (its catalog backoff takes over after). */
export const HANDOFF_DELAY_MS = 1_000;

type BatchItem = StoredEventBatch['events'][number];
type EventHandlers<Q extends BatchQueue> = Omit<HandlerMap<Q>, `${Q}.batch`>;

/** Per queue, the limit shared by every batch job of this process. */
export function createBatchLimits(concurrency: Record<BatchQueue, number>): Record<BatchQueue, LimitFunction> {
  return { invitations: pLimit(Math.max(1, concurrency.invitations)), inbound: pLimit(Math.max(1, concurrency.inbound)) };
}

export function createStoredEventBatchHandler<Q extends BatchQueue>(
  ctx: StoredEventBatchDeps,
  queue: Q,
  handlers: EventHandlers<Q>,
  limit: LimitFunction,
): Handler<`${Q}.batch`> {
  return async (batch, job) => {
    let pausedMs: number | undefined;
    const failed: Array<{ item: BatchItem; err: unknown }> = [];
    let handled = 0;
    await Promise.all(
      batch.events.map((item) =>
        limit(async () => {
          if (pausedMs !== undefined) {
            failed.push({ item, err: new Error('not started: the queue is paused for a Lexamica rate limit') });
            return;
          }
          const handler = (handlers as Record<string, Handler<BatchItem['job']> | undefined>)[item.job];
          try {
            if (!handler || jobCatalog[item.job].queue !== queue) throw new Error(`job "${item.job}" does not travel on queue "${queue}"`);
            await handler(item.event, eventContext(job, item));
            handled += 1;
          } catch (err) {
            const pause = rateLimitPauseMs(err);
            if (pause !== undefined && pausedMs === undefined) {
              pausedMs = pause;
              await ctx.queues.get(queue).rateLimit(pause);
            }
            failed.push({ item, err });
          }
        }),
      ),
    );
    for (const { item, err } of failed) {
      const reason = err instanceof Error ? err.message : String(err);
      job.logger.warn({ eventId: item.event.id, job: item.job, reason }, 'event failed in its batch; handed off to a job of its own');
      await enqueue(ctx.queues, item.job, item.event, { jobId: jobIdFor('ev', item.event.id), delay: pausedMs ?? HANDOFF_DELAY_MS });
    }
    ctx.metrics.batchEvents.inc({ queue, outcome: 'handled' }, handled);
    if (failed.length > 0) ctx.metrics.batchEvents.inc({ queue, outcome: 'handed-off' }, failed.length);
    return { handled, handedOff: failed.map((f) => f.item.event.id) };
  };
}

/** The context an event's handler gets inside a batch: as the first attempt of the event's own job. */
function eventContext(batchJob: JobContext, item: BatchItem): JobContext {
  const jobId = jobIdFor('ev', item.event.id);
  let logger: JobContext['logger'] | undefined;
  return {
    // Made when first used: most events log nothing at the default level.
    get logger() {
      return (logger ??= batchJob.logger.child({ job: item.job, eventId: item.event.id }));
    },
    queue: batchJob.queue,
    jobId,
    attempt: 1,
    maxAttempts: jobCatalog[item.job].options.attempts ?? 1,
  };
}
