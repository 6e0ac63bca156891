/**
 * Typed enqueue and the worker adapter: the only code that knows both the catalog and BullMQ.
 */
import { Queue, UnrecoverableError, type Job, type JobsOptions, type ConnectionOptions } from 'bullmq';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Keyspace } from '../redis/index.js';
import {
  jobCatalog,
  QUEUE_NAMES,
  type JobName,
  type JobPayload,
  type JobsOfQueue,
  type QueueName,
} from './catalog.js';

/** Thrown by {@link enqueue} when a payload does not match its schema: names the job and the field. */
export class JobPayloadError extends Error {
  override readonly name = 'JobPayloadError';
  constructor(readonly job: string, readonly issues: z.core.$ZodIssue[]) {
    super(`invalid payload for job "${job}": ${formatIssues(issues)}`);
  }
}

export function formatIssues(issues: ReadonlyArray<z.core.$ZodIssue>): string {
  return issues.map((i) => `${i.path.length ? i.path.join('.') : '(payload)'}: ${i.message}`).join('; ');
}

/** One BullMQ `Queue` per catalog queue, created on first use, sharing one connection. */
export class QueueSet {
  private readonly queues = new Map<QueueName, Queue>();
  constructor(
    private readonly connection: ConnectionOptions,
    readonly keyspace: Keyspace,
    private readonly logger?: Logger,
  ) {}

  get(name: QueueName): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.connection, prefix: this.keyspace.bullPrefix });
      q.on('error', (err) => this.logger?.warn({ err, queue: name }, 'queue error'));
      this.queues.set(name, q);
    }
    return q;
  }

  /** Every catalog queue (created if needed), for metrics and admin. */
  all(): Queue[] {
    return QUEUE_NAMES.map((n) => this.get(n));
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}

/**
 * Parses `payload` against the job's schema and adds it to its queue with the catalog's default
 * options, merged with `opts`. With a `jobId` that already exists, BullMQ adds nothing and returns
 * the existing job: that is how a second enqueue of the same thing becomes a no-op.
 */
export async function enqueue<N extends JobName>(
  queues: QueueSet,
  name: N,
  payload: JobPayload<N>,
  opts: JobsOptions = {},
): Promise<Job> {
  const entry = jobCatalog[name];
  const parsed = entry.schema.safeParse(payload);
  if (!parsed.success) throw new JobPayloadError(name, parsed.error.issues);
  return queues.get(entry.queue).add(name, parsed.data, { ...entry.options, ...opts });
}

/** One job for {@link enqueueMany}. */
export interface EnqueueItem<N extends JobName = JobName> {
  name: N;
  payload: JobPayload<N>;
  opts?: JobsOptions;
}

/**
 * Parses every payload, then adds them with one `addBulk` per queue (one round trip per queue,
 * not per job). Nothing is added when any payload is invalid.
 */
export async function enqueueMany(queues: QueueSet, items: ReadonlyArray<EnqueueItem>): Promise<Job[]> {
  const byQueue = new Map<QueueName, Array<{ name: string; data: unknown; opts: JobsOptions }>>();
  for (const item of items) {
    const entry = jobCatalog[item.name];
    const parsed = entry.schema.safeParse(item.payload);
    if (!parsed.success) throw new JobPayloadError(item.name, parsed.error.issues);
    const list = byQueue.get(entry.queue) ?? [];
    list.push({ name: item.name, data: parsed.data, opts: { ...entry.options, ...item.opts } });
    byQueue.set(entry.queue, list);
  }
  const added = await Promise.all([...byQueue].map(([queue, jobs]) => queues.get(queue).addBulk(jobs)));
  return added.flat();
}

/** What a handler receives besides its payload. Handlers know nothing else of BullMQ. */
export interface JobContext {
  logger: Logger;
  queue: string;
  jobId: string;
  /** 1 on the first try. */
  attempt: number;
  /** The total attempts the job has. */
  maxAttempts: number;
}

export type Handler<N extends JobName> = (payload: JobPayload<N>, ctx: JobContext) => Promise<unknown>;

/** A handler for every job on queue `Q`: a job name without one does not compile. */
export type HandlerMap<Q extends QueueName> = { [N in JobsOfQueue<Q>]: Handler<N> };

/**
 * Turns a handler map into a BullMQ processor: checks the job name, parses the payload (a bad one
 * throws `UnrecoverableError`, so it fails at once with the reason instead of retrying), builds a
 * child logger with queue, job id and attempt, and calls the handler.
 */
export function createJobProcessor<Q extends QueueName>(queue: Q, handlers: HandlerMap<Q>, logger: Logger) {
  return async (job: Pick<Job, 'id' | 'name' | 'data' | 'attemptsMade' | 'opts'>): Promise<unknown> => {
    const name = job.name as JobName;
    const entry = jobCatalog[name] as (typeof jobCatalog)[JobName] | undefined;
    const handler = (handlers as Record<string, Handler<JobName> | undefined>)[job.name];
    if (!entry || entry.queue !== queue || !handler) {
      throw new UnrecoverableError(`unknown job "${job.name}" on queue "${queue}"`);
    }
    const parsed = entry.schema.safeParse(job.data);
    if (!parsed.success) {
      throw new UnrecoverableError(`invalid payload for job "${job.name}": ${formatIssues(parsed.error.issues)}`);
    }
    const attempt = job.attemptsMade + 1;
    const ctx: JobContext = {
      logger: logger.child({ queue, job: job.name, jobId: job.id, attempt }),
      queue,
      jobId: job.id ?? '',
      attempt,
      maxAttempts: job.opts.attempts ?? 1,
    };
    return handler(parsed.data as never, ctx);
  };
}
