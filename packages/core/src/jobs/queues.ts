/**
 * Typed enqueue and the worker adapter: the only code that knows both the catalog and BullMQ.
 */
import { Queue, UnrecoverableError, type Job, type JobsOptions, type ConnectionOptions } from 'bullmq';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Keyspace } from '@lexbridge/infra/redis';
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

/** Where a queue's start stands: its first commands ran (`ready`), are running, or failed. */
export type QueueStartState = 'starting' | 'ready' | 'failed';

/** Options of a {@link QueueSet}. */
export interface QueueSetOptions {
  /** First pause before a queue whose start failed is built again, in ms; doubles each time. Default 500. */
  rebuildDelayMs?: number;
  /** Longest pause between two rebuilds, in ms. Default 10 000. */
  maxRebuildDelayMs?: number;
  /**
   * The longest a completed or failed job (and the data it carries) is kept, in ms
   * (`RetentionPolicy.jobsMs`): caps the catalog's `removeOnComplete`/`removeOnFail` ages. Default:
   * the catalog's own ages.
   */
  jobRetentionMs?: number;
}

type KeepJobs = JobsOptions['removeOnComplete'];

/** `keep` with its age capped at `maxSec` (a bare count keeps its count and gains the age). */
function capAge(keep: KeepJobs, maxSec: number): KeepJobs {
  if (keep === true) return true;
  if (keep === undefined || keep === false) return { age: maxSec };
  if (typeof keep === 'number') return { count: keep, age: maxSec };
  const age = 'age' in keep && keep.age !== undefined ? Math.min(keep.age, maxSec) : maxSec;
  return { ...keep, age };
}

interface QueueEntry {
  queue: Queue;
  state: QueueStartState;
  /** Failed starts in a row before this one. */
  failures: number;
}

/**
 * One BullMQ `Queue` per catalog queue, created on first use, sharing one connection.
 *
 * BullMQ keeps a failed start (its first commands timed out, as they do on a busy Redis behind a
 * request-path connection's command timeout) as a rejected promise: every later call on that
 * queue fails with it, for the life of the object, while Redis itself is fine. So a queue whose
 * start failed is built again after a pause (backing off), and {@link QueueSet.ready} says false
 * until every queue has started: readiness tells the truth instead of a PING.
 */
export class QueueSet {
  private readonly entries = new Map<QueueName, QueueEntry>();
  private readonly listeners = new Set<(name: QueueName, queue: Queue) => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** When each error message was last logged: one outage is one line, not one per queue and reconnect. */
  private readonly logged = new Map<string, number>();
  private closed = false;
  constructor(
    private readonly connection: ConnectionOptions,
    readonly keyspace: Keyspace,
    private readonly logger?: Logger,
    private readonly opts: QueueSetOptions = {},
  ) {}

  /** `opts` with the job retention of this set applied (every add goes through it). */
  withRetention(opts: JobsOptions): JobsOptions {
    const ms = this.opts.jobRetentionMs;
    if (ms === undefined) return opts;
    const sec = Math.max(1, Math.floor(ms / 1000));
    return { ...opts, removeOnComplete: capAge(opts.removeOnComplete, sec), removeOnFail: capAge(opts.removeOnFail, sec) };
  }

  /** The queue as it is now: after a rebuild, a new object (do not keep it across calls). */
  get(name: QueueName): Queue {
    return (this.entries.get(name) ?? this.start(name, 0)).queue;
  }

  /** Every catalog queue (created if needed), for metrics and admin. */
  all(): Queue[] {
    return QUEUE_NAMES.map((n) => this.get(n));
  }

  /** The start state of each queue created so far. */
  states(): Partial<Record<QueueName, QueueStartState>> {
    return Object.fromEntries([...this.entries].map(([name, e]) => [name, e.state]));
  }

  /** True when every queue created so far has started and none is waiting to be rebuilt. */
  ready(): boolean {
    return [...this.entries.values()].every((e) => e.state === 'ready');
  }

  /** Calls `listener` with each queue built again after a failed start; returns the unsubscribe. */
  onRebuilt(listener: (name: QueueName, queue: Queue) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private start(name: QueueName, failures: number): QueueEntry {
    const queue = new Queue(name, { connection: this.connection, prefix: this.keyspace.bullPrefix });
    queue.on('error', (err) => this.logError(name, err));
    const entry: QueueEntry = { queue, state: 'starting', failures };
    this.entries.set(name, entry);
    queue.waitUntilReady().then(
      () => {
        if (this.entries.get(name) !== entry) return;
        entry.state = 'ready';
        if (failures > 0) this.logger?.info({ queue: name, failedStarts: failures }, 'queue started after failed starts');
      },
      (err: unknown) => this.startFailed(name, entry, err),
    );
    return entry;
  }

  private startFailed(name: QueueName, entry: QueueEntry, err: unknown): void {
    if (this.closed || this.entries.get(name) !== entry) return;
    entry.state = 'failed';
    const delay = Math.min(this.opts.maxRebuildDelayMs ?? 10_000, (this.opts.rebuildDelayMs ?? 500) * 2 ** Math.min(entry.failures, 10));
    this.logger?.error({ err, queue: name, failedStarts: entry.failures + 1, rebuildInMs: delay }, 'queue could not start; it refuses work until it is rebuilt');
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.closed || this.entries.get(name) !== entry) return;
      // The old object shares the connection: closing it leaves the connection open.
      entry.queue.close().catch((closeErr: unknown) => this.logger?.warn({ err: closeErr, queue: name }, 'could not close a queue that failed to start'));
      const next = this.start(name, entry.failures + 1);
      for (const l of this.listeners) l(name, next.queue);
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  private logError(name: QueueName, err: Error): void {
    const now = Date.now();
    if (now - (this.logged.get(err.message) ?? -Infinity) < 60_000) return;
    if (this.logged.size > 100) this.logged.clear();
    this.logged.set(err.message, now);
    this.logger?.warn({ err, queue: name }, 'queue error (the same error on any queue is logged once a minute)');
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all([...this.entries.values()].map((e) => e.queue.close()));
    this.entries.clear();
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
  return queues.get(entry.queue).add(name, parsed.data, queues.withRetention({ ...entry.options, ...opts }));
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
    list.push({ name: item.name, data: parsed.data, opts: queues.withRetention({ ...entry.options, ...item.opts }) });
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
