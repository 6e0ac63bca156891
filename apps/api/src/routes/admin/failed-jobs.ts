/**
 * Failed jobs, listed with their reasons and retried one at a time: shared by the admin routes and
 * the console's activity view, so a retry from either is checked and audited the same way.
 */
import type { FastifyRequest } from 'fastify';
import type { Job } from 'bullmq';
import { z } from 'zod';
import { QUEUE_NAMES, type QueueName, type QueueSet } from '@lexbridge/core/jobs';
import type { AuditTrail } from '../../audit.js';
import { ApiError } from '../../errors.js';
import { isoFromMs } from '../../time.js';

export const queueName = z.enum(QUEUE_NAMES as [QueueName, ...QueueName[]]);

export const failedJobSchema = z.object({
  queue: z.string(),
  id: z.string(),
  name: z.string(),
  failedReason: z.string(),
  attemptsMade: z.number().int(),
  maxAttempts: z.number().int(),
  createdAt: z.string(),
  failedAt: z.string().optional(),
});

function failedView(queue: string, job: Job): z.infer<typeof failedJobSchema> {
  return {
    queue,
    id: job.id ?? '',
    name: job.name,
    failedReason: job.failedReason ?? '',
    attemptsMade: job.attemptsMade,
    maxAttempts: job.opts.attempts ?? 1,
    createdAt: isoFromMs(job.timestamp) ?? new Date(0).toISOString(),
    ...(job.finishedOn && { failedAt: isoFromMs(job.finishedOn) }),
  };
}

/** The newest `limit` failed jobs of each selected queue (every queue when `queue` is undefined), and how many each holds. */
export async function listFailedJobs(queues: QueueSet, queue: QueueName | undefined, limit: number) {
  const selected = queue ? [queues.get(queue)] : queues.all();
  const perQueue = await Promise.all(
    selected.map(async (q) => {
      const [jobs, count] = await Promise.all([q.getFailed(0, limit - 1), q.getFailedCount()]);
      return { name: q.name, jobs: jobs.filter(Boolean), count };
    }),
  );
  return {
    items: perQueue.flatMap((q) => q.jobs.map((j) => failedView(q.name, j))),
    counts: Object.fromEntries(perQueue.map((q) => [q.name, q.count])),
  };
}

/** Retries failed job `id` of `queue` and records who did it; 404 when there is none, 409 when it is not failed. */
export async function retryFailedJob(queues: QueueSet, audit: AuditTrail, request: FastifyRequest, queue: QueueName, id: string): Promise<void> {
  const job = await queues.get(queue).getJob(id);
  if (!job) throw new ApiError(404, 'not_found', `no job ${id} in queue ${queue}`, { field: 'id', in: 'params' });
  const state = await job.getState();
  if (state !== 'failed') throw new ApiError(409, 'invalid_state', `job ${id} is ${state}; only a failed job can be retried`, { state });
  await job.retry('failed');
  await audit.record(request, 'job.retried', { queue, jobId: id, jobName: job.name });
}
