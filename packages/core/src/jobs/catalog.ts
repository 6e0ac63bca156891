/**
 * The job catalog: every queue, every job name, its payload schema and its default options.
 * Producers and consumers both go through it, so a payload is parsed on both sides and types come
 * from the schemas (never written twice).
 */
import type { JobsOptions } from 'bullmq';
import { z } from 'zod';
import { MAX_EVENT_NAME_LENGTH, MAX_ID_LENGTH, storedEventSchema } from '../domain/index.js';
import { CONTACT_CHANNELS, outboundJobSchema } from './outbound.js';

export { MAX_ID_LENGTH, MAX_EVENT_NAME_LENGTH, MAX_PAYLOAD_JSON_CHARS } from '../domain/index.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// Every string a job carries is bounded, so a hostile or broken peer (Lexamica, the CMS, an
// operator's request) cannot put an unbounded string into a queue, a handler or a log line. A value
// over a bound fails the producer's parse: a 400 at the API, a quarantined event at the poller.

/** Longest quarantine reason kept; longer ones are cut (the raw event is kept whole beside it). */
export const MAX_REASON_LENGTH = 4_000;

const externalId = z.string().min(1).max(MAX_ID_LENGTH);
const eventName = z.string().min(1).max(MAX_EVENT_NAME_LENGTH);

/**
 * A stored event as Lexbridge carries it: the domain's stored event, the one shape the Lexamica
 * client's response schema produces, so the poller enqueues what the client parsed as it is.
 */
export const storedEventJobSchema = storedEventSchema;
export type StoredEventJob = z.infer<typeof storedEventJobSchema>;

/** The jobs a single stored event becomes (by event type, see `jobForEvent`). */
export const STORED_EVENT_JOBS = ['invitation.sent', 'invitation.lifecycle', 'case-update.made', 'case.event'] as const;
export type StoredEventJobName = (typeof STORED_EVENT_JOBS)[number];

/** Most events one batch job carries (the poller's page is at most 100). */
export const MAX_BATCH_EVENTS = 500;

/**
 * Several stored events of one queue in one job: what the poller enqueues for a page with more than
 * one new event for a queue. Each item names the job the event would have been on its own; the
 * processor runs that job's handler for it and hands an event that fails off to a job of its own.
 */
export const storedEventBatchSchema = z.object({
  events: z
    .array(z.object({ job: z.enum(STORED_EVENT_JOBS), event: storedEventJobSchema }))
    .min(1)
    .max(MAX_BATCH_EVENTS),
});
export type StoredEventBatch = z.infer<typeof storedEventBatchSchema>;

export const INVITATION_ACTIONS = ['accept', 'decline', 'evaluate', 'contact-attempted', 'consult-complete'] as const;
export type InvitationAction = (typeof INVITATION_ACTIONS)[number];

/** Where a decision came from. */
export const DECISION_SOURCES = ['rules', 'manual', 'expiry-guard'] as const;

export const invitationActJobSchema = z.object({
  invitationId: externalId,
  action: z.enum(INVITATION_ACTIONS),
  reason: z.string().min(1).max(2_000).optional(),
  /** ISO time for contact-attempted / consult-complete. */
  at: z.iso.datetime({ offset: true }).optional(),
  channel: z.enum(CONTACT_CHANNELS).optional(),
  source: z.enum(DECISION_SOURCES),
});

export const expiryGuardJobSchema = z.object({
  invitationId: externalId,
  /** The expiry the guard was planned against; a changed expiry makes this job stale. */
  expires: z.iso.datetime({ offset: true }),
});


export const cmsDeliveryJobSchema = z.object({
  /** Id of the feed item (stable across deliveries). */
  itemId: z.string().min(1).max(1_000),
});

/** The periodic check for cases nearing Lexamica's 90-day update limit (run by a job scheduler). */
export const updateDueCheckJobSchema = z.object({});

/** The periodic watchdog over invitations stuck past their state's deadline (run by a job scheduler). */
export const watchdogJobSchema = z.object({});

/**
 * Stored events Lexbridge may never read, found by the poller, for the processor to announce to the
 * CMS (`events.gap` on the feed and webhook): `retention`, the checkpoint fell behind what Lexamica
 * keeps (events between `from` and `to` may be gone); `first-start`, the first poll read from `to`.
 */
export const eventsGapJobSchema = z.object({
  reason: z.enum(['retention', 'first-start']),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }),
  detectedAt: z.iso.datetime({ offset: true }),
  /** What happened and what to do, for the operator. */
  message: z.string().min(1).max(2_000),
});

const backfillRange = z.object({
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  /** Only this event type; every subscribed type when absent. */
  event: eventName.optional(),
});
const fromNotAfterTo = (b: { from: string; to: string }) => Date.parse(b.from) <= Date.parse(b.to);
const fromAfterTo = { message: 'from must not be after to', path: ['from'] };

/** What an operator asks for (the admin route's body): the range, without who asked. */
export const backfillRequestSchema = backfillRange.strict().refine(fromNotAfterTo, fromAfterTo);

/** A request to re-read a time range of stored events (CLI, admin route), with who asked for it. */
export const backfillJobSchema = backfillRange
  .extend({
    /** The API identity or `cli`. */
    requestedBy: z.string().max(200).optional(),
  })
  .refine(fromNotAfterTo, fromAfterTo);

/** A stored event whose envelope could not be read: kept as a failed job with the reason, replayable once fixed. */
export const quarantineJobSchema = z.object({
  reason: z
    .string()
    .min(1)
    .transform((r) => (r.length > MAX_REASON_LENGTH ? `${r.slice(0, MAX_REASON_LENGTH)}… (cut)` : r)),
  /** The event as Lexamica returned it. */
  raw: z.unknown(),
  receivedAt: z.iso.datetime({ offset: true }),
});

/**
 * Job options from the few numbers that differ between jobs: exponential backoff with jitter
 * from `delayMs`, completed jobs kept `keepDays` (at most `keepCount`), failed ones `failedDays`.
 */
function retrying(o: { attempts: number; delayMs: number; jitter?: number; keepDays: number; keepCount?: number; failedDays?: number }): JobsOptions {
  return {
    attempts: o.attempts,
    backoff: { type: 'exponential', delay: o.delayMs, jitter: o.jitter ?? 0.5 },
    removeOnComplete: { age: (o.keepDays * DAY) / 1000, ...(o.keepCount === undefined ? {} : { count: o.keepCount }) },
    removeOnFail: { age: ((o.failedDays ?? 30) * DAY) / 1000 },
  };
}

// Completed single stored-event jobs are kept longer than the reconciliation window, so a re-read
// of that window finds the job id and adds nothing (the poller also remembers the ids it enqueued).
const storedEventDefaults = retrying({ attempts: 10, delayMs: 1_000, keepDays: 2, keepCount: 200_000 });
// A batch is only a carrier: the poller's seen-id memory, not the batch's job id, dedupes the events
// in it, so completed batches are kept briefly, for inspection.
const batchDefaults = retrying({ attempts: 10, delayMs: 1_000, keepDays: 1, keepCount: 10_000 });

/** The catalog itself. `queue` names the BullMQ queue; one queue may carry several job names. */
export const jobCatalog = {
  'invitation.sent': { queue: 'invitations', schema: storedEventJobSchema, options: storedEventDefaults },
  'invitation.lifecycle': { queue: 'invitations', schema: storedEventJobSchema, options: storedEventDefaults },
  'invitations.batch': { queue: 'invitations', schema: storedEventBatchSchema, options: batchDefaults },
  'case-update.made': { queue: 'inbound', schema: storedEventJobSchema, options: storedEventDefaults },
  'case.event': { queue: 'inbound', schema: storedEventJobSchema, options: storedEventDefaults },
  'inbound.batch': { queue: 'inbound', schema: storedEventBatchSchema, options: batchDefaults },
  'invitation.act': {
    queue: 'invitation-actions',
    schema: invitationActJobSchema,
    options: retrying({ attempts: 8, delayMs: 1_000, keepDays: 7, keepCount: 100_000 }),
  },
  'invitation.expiry-guard': { queue: 'expiry-guard', schema: expiryGuardJobSchema, options: retrying({ attempts: 5, delayMs: 2_000, keepDays: 7 }) },
  'outbound.send': { queue: 'outbound', schema: outboundJobSchema, options: retrying({ attempts: 12, delayMs: 2_000, keepDays: 7 }) },
  'poller.backfill': {
    queue: 'poller-control',
    schema: backfillJobSchema,
    options: retrying({ attempts: 5, delayMs: 5_000, keepDays: 7, keepCount: 1_000 }),
  },
  'stored-event.quarantine': {
    queue: 'quarantine',
    schema: quarantineJobSchema,
    // One attempt: its worker fails it on purpose, so it sits in the failed set with its reason.
    options: { attempts: 1, removeOnComplete: { age: (30 * DAY) / 1000 }, removeOnFail: { age: (90 * DAY) / 1000 } },
  },
  // Seconds, then minutes, then hours: 5s·2^n with jitter over 15 attempts spans about two days.
  'cms.deliver': { queue: 'cms-webhook', schema: cmsDeliveryJobSchema, options: retrying({ attempts: 15, delayMs: 5_000, jitter: 0.3, keepDays: 2 }) },
  // The next scheduled run repeats the check anyway: a few quick retries, then let it go.
  'case.update-due-check': {
    queue: 'maintenance',
    schema: updateDueCheckJobSchema,
    options: retrying({ attempts: 3, delayMs: 10_000, keepDays: 1, keepCount: 100 }),
  },
  'events.gap': { queue: 'maintenance', schema: eventsGapJobSchema, options: retrying({ attempts: 10, delayMs: 5_000, keepDays: 30 }) },
  // Runs every minute: the next run looks again, so one quick retry is enough.
  'invitation.watchdog': {
    queue: 'maintenance',
    schema: watchdogJobSchema,
    options: retrying({ attempts: 2, delayMs: 5_000, keepDays: 1, keepCount: 100 }),
  },
} as const satisfies Record<string, { queue: string; schema: z.ZodType; options: JobsOptions }>;

export type JobCatalog = typeof jobCatalog;
export type JobName = keyof JobCatalog;
export type QueueName = JobCatalog[JobName]['queue'];
export type JobPayload<N extends JobName> = z.infer<JobCatalog[N]['schema']>;
/** The job names that travel on queue `Q`. */
export type JobsOfQueue<Q extends QueueName> = { [N in JobName]: JobCatalog[N]['queue'] extends Q ? N : never }[JobName];

export const QUEUE_NAMES = [...new Set(Object.values(jobCatalog).map((j) => j.queue))] as QueueName[];

/** The job names on `queue`. */
export function jobsOfQueue<Q extends QueueName>(queue: Q): JobsOfQueue<Q>[] {
  return (Object.keys(jobCatalog) as JobName[]).filter((n) => jobCatalog[n].queue === queue) as JobsOfQueue<Q>[];
}

/**
 * A BullMQ job id from an external id. BullMQ refuses ids containing `:` and ids that look like
 * integers, so the id is prefixed and percent-encoded (injective: two ids never share a job id).
 */
export function jobIdFor(kind: string, externalId: string): string {
  return `${kind}-${encodeURIComponent(externalId).replace(/:/g, '%3A')}`;
}
