/**
 * The processor's Prometheus metrics: decisions, actions sent and their outcomes, outbound updates,
 * CMS webhook deliveries, failed jobs, the ledger's invitations by state and the cases nearing the
 * 90-day update limit (both read from Redis at scrape time).
 */
import type { RedisClient } from '@lexbridge/infra/redis';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createDecisionMetrics, LATENCY_BUCKETS, LEDGER_STATES, WATCHED_STATES, type DecisionMetrics, type Ledger } from '@lexbridge/core/ledger';
import type { Logger } from '@lexbridge/infra/logger';
import { jobCatalog, type JobName } from '@lexbridge/core/jobs';
import { scrapeRead, zeroed } from '@lexbridge/infra/ops';
import type { CaseActivity } from './status-sync/case-activity.js';

/** How an attempt to send an action ended. */
export type ActionOutcome = 'sent' | 'confirmed' | 'conflict' | 'expired' | 'closed' | 'failed' | 'error' | 'rate-limited';

/** The decision metrics (`decisions`, `decisionSeconds`) are the ones the API counts a person's decisions in. */
export interface ProcessorMetrics extends DecisionMetrics {
  /** `lexbridge_actions_total{action, outcome}`. */
  actions: Counter<'action' | 'outcome'>;
  /**
   * `lexbridge_outbound_total{kind, outcome}`: kind is `case-update` or the milestone type
   * (`contact-attempted`, `consult-complete`, `declined`, `closed`, `retained`); outcome `sent`,
   * `retry` (will be retried), `rate-limited` or `failed` (no retry left).
   */
  outbound: Counter<'kind' | 'outcome'>;
  /** `lexbridge_webhook_deliveries_total{outcome}`: `delivered`, `failed` (will retry) or `gave-up`. */
  webhookDeliveries: Counter<'outcome'>;
  /** `lexbridge_webhook_delivery_seconds`: time to a 2xx answer from the CMS webhook. */
  webhookLatency: Histogram;
  /** `lexbridge_webhook_lag_seconds`: from a feed item's append to its delivery to the CMS. */
  webhookLag: Histogram;
  /** `lexbridge_jobs_failed_total{queue, job, final}`: every failed attempt; final when no retry is left. */
  jobsFailed: Counter<'queue' | 'job' | 'final'>;
  /** `lexbridge_batch_events_total{queue, outcome}`: events of batch jobs, `handled` or `handed-off` to a job of their own. */
  batchEvents: Counter<'queue' | 'outcome'>;
  /** `lexbridge_invitations_stuck_alerts_total{state}`: `invitation.stuck` announcements (one per stay past a deadline). */
  stuckAlerts: Counter<'state'>;
  /** `lexbridge_invitation_answer_seconds{action}`: from the invitation's `sentAt` to Lexamica taking the answer. */
  answerSeconds: Histogram<'action'>;
  /** `lexbridge_invitation_answer_expiry_margin_seconds{action}`: time left before expiry when answered. */
  answerMarginSeconds: Histogram<'action'>;
}

/** Every action outcome, for series that start at zero. */
const ACTION_OUTCOMES: readonly ActionOutcome[] = ['sent', 'confirmed', 'conflict', 'expired', 'closed', 'failed', 'error', 'rate-limited'];
const OUTBOUND_KINDS = ['case-update', 'contact-attempted', 'consult-complete', 'declined', 'closed', 'retained'] as const;

/** What the 90-day gauges read at scrape time. */
export interface UpdateDueSource {
  caseActivity: CaseActivity;
  warnAfterDays: number;
  now: () => Date;
}

const DAY = 86_400_000;

/** Where the gauges read at scrape time: the state connection (`redis`), never waited on while down. */
export interface ScrapeSource {
  redis: Pick<RedisClient, 'status'>;
  logger?: Logger;
  /** The invitations stuck right now, for `lexbridge_invitations_stuck`. */
  stuck?: () => Promise<Array<{ record: { state: string } }>>;
  /** The soonest expiry (ISO) among invitations waiting for a person (`manual`), undefined when none. */
  soonestWaiting?: () => Promise<string | undefined>;
  now?: () => Date;
}

export function createProcessorMetrics(registry: Registry, ledger: Ledger, updateDue?: UpdateDueSource, scrape?: ScrapeSource): ProcessorMetrics {
  const registers = [registry];
  // Without a connection to watch (unit tests), reads are only bounded in time.
  const read = <T>(what: string, fn: () => Promise<T>) => scrapeRead(scrape?.redis ?? { status: 'ready' }, fn, { what, ...(scrape?.logger && { logger: scrape.logger }) });
  new Gauge({
    name: 'lexbridge_ledger_invitations',
    help: 'Invitations in the ledger by state (left out while Redis does not answer)',
    labelNames: ['state'],
    registers,
    async collect() {
      this.reset();
      const counts = await read('ledger counts', () => ledger.counts());
      if (counts) for (const s of LEDGER_STATES) this.set({ state: s }, counts[s]);
    },
  });
  if (scrape?.stuck) {
    const stuck = scrape.stuck;
    new Gauge({
      name: 'lexbridge_invitations_stuck',
      help: "Invitations past their state's deadline (the firm YAML's watchdog), by state; left out while Redis does not answer",
      labelNames: ['state'],
      registers,
      async collect() {
        this.reset();
        const found = await read('stuck invitations', stuck);
        if (!found) return;
        for (const s of WATCHED_STATES) this.set({ state: s }, found.filter((x) => x.record.state === s).length);
      },
    });
  }
  if (updateDue) {
    new Gauge({
      name: 'lexbridge_cases_update_due',
      help: 'Accepted cases whose last update is at least statusSync.warnAfterDays old (NaN while Redis does not answer)',
      registers,
      async collect() {
        this.set((await read('cases update due', () => updateDue.caseActivity.countStale(new Date(updateDue.now().getTime() - updateDue.warnAfterDays * DAY)))) ?? Number.NaN);
      },
    });
    new Gauge({
      name: 'lexbridge_case_update_age_max_seconds',
      help: 'Seconds since the last update of the accepted case updated longest ago (0 when none is tracked; NaN while Redis does not answer)',
      registers,
      async collect() {
        const oldest = await read('oldest case update', async () => ({ case: await updateDue.caseActivity.oldest() }));
        this.set(oldest === undefined ? Number.NaN : oldest.case ? Math.max(0, (updateDue.now().getTime() - oldest.case.lastUpdateMs) / 1000) : 0);
      },
    });
  }
  if (scrape?.soonestWaiting) {
    const soonest = scrape.soonestWaiting;
    const now = scrape.now ?? (() => new Date());
    new Gauge({
      name: 'lexbridge_invitations_waiting_expiry_seconds',
      help: 'Seconds until the soonest expiry among invitations waiting for a person (manual); +Inf when none waits, negative when one is past it; NaN while Redis does not answer',
      registers,
      async collect() {
        const found = await read('soonest waiting expiry', async () => ({ expires: await soonest() }));
        if (!found) this.set(Number.NaN);
        else this.set(found.expires === undefined ? Number.POSITIVE_INFINITY : (Date.parse(found.expires) - now().getTime()) / 1000);
      },
    });
  }
  return {
    ...createDecisionMetrics(registry),
    actions: zeroed(new Counter({ name: 'lexbridge_actions_total', help: 'Invitation actions by outcome', labelNames: ['action', 'outcome'], registers }), {
      action: ['accept', 'decline', 'evaluate'],
      outcome: ACTION_OUTCOMES,
    }),
    outbound: zeroed(new Counter({ name: 'lexbridge_outbound_total', help: 'Status updates and milestones sent to Lexamica, by outcome', labelNames: ['kind', 'outcome'], registers }), {
      kind: OUTBOUND_KINDS,
      outcome: ['sent', 'retry', 'rate-limited', 'failed'],
    }),
    answerSeconds: new Histogram({
      name: 'lexbridge_invitation_answer_seconds',
      help: "Time from an invitation's sentAt to Lexamica taking Lexbridge's answer, by action",
      labelNames: ['action'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    answerMarginSeconds: new Histogram({
      name: 'lexbridge_invitation_answer_expiry_margin_seconds',
      help: 'Time left before the invitation expired when Lexamica took the answer, by action',
      labelNames: ['action'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    batchEvents: zeroed(
      new Counter({
        name: 'lexbridge_batch_events_total',
        help: 'Stored events of batch jobs: handled in the batch, or handed off to a job of their own after failing there',
        labelNames: ['queue', 'outcome'],
        registers,
      }),
      { queue: ['invitations', 'inbound'], outcome: ['handled', 'handed-off'] },
    ),
    webhookDeliveries: zeroed(new Counter({ name: 'lexbridge_webhook_deliveries_total', help: 'CMS webhook delivery attempts by outcome', labelNames: ['outcome'], registers }), {
      outcome: ['delivered', 'failed', 'gave-up'],
    }),
    webhookLatency: new Histogram({
      name: 'lexbridge_webhook_delivery_seconds',
      help: 'Time for the CMS webhook to answer a delivery with a 2xx',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    webhookLag: new Histogram({
      name: 'lexbridge_webhook_lag_seconds',
      help: 'Time from a feed item being appended to the CMS webhook taking it (retries included)',
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3_600, 4 * 3_600, 86_400],
      registers,
    }),
    jobsFailed: zeroedJobs(new Counter({ name: 'lexbridge_jobs_failed_total', help: 'Failed job attempts', labelNames: ['queue', 'job', 'final'], registers })),
    stuckAlerts: zeroed(new Counter({ name: 'lexbridge_invitations_stuck_alerts_total', help: 'invitation.stuck announcements: an invitation found past its state deadline', labelNames: ['state'], registers }), {
      state: WATCHED_STATES,
    }),
  };
}

/** Every job of the catalog, final or not, at zero. */
function zeroedJobs(counter: Counter<'queue' | 'job' | 'final'>): Counter<'queue' | 'job' | 'final'> {
  for (const [job, entry] of Object.entries(jobCatalog) as Array<[JobName, (typeof jobCatalog)[JobName]]>) {
    for (const final of ['true', 'false']) counter.inc({ queue: entry.queue, job, final }, 0);
  }
  return counter;
}
