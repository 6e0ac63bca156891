/**
 * The processor's Prometheus metrics: decisions, actions sent and their outcomes, outbound updates,
 * CMS webhook deliveries, failed jobs, the ledger's invitations by state and the cases nearing the
 * 90-day update limit (both read from Redis at scrape time).
 */
import type { RedisClient } from '@lexbridge/infra/redis';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { LEDGER_STATES, WATCHED_STATES, type Ledger } from '@lexbridge/core/ledger';
import type { Logger } from '@lexbridge/infra/logger';
import { scrapeRead } from '@lexbridge/infra/ops';
import type { CaseActivity } from './status-sync/case-activity.js';

/** How an attempt to send an action ended. */
export type ActionOutcome = 'sent' | 'confirmed' | 'conflict' | 'expired' | 'closed' | 'failed' | 'error' | 'rate-limited';

export interface ProcessorMetrics {
  /** `lexbridge_decisions_total{action, source, rule}`; rule is `(default)` when none matched. */
  decisions: Counter<'action' | 'source' | 'rule'>;
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
  /** `lexbridge_jobs_failed_total{queue, job, final}`: every failed attempt; final when no retry is left. */
  jobsFailed: Counter<'queue' | 'job' | 'final'>;
  /** `lexbridge_batch_events_total{queue, outcome}`: events of batch jobs, `handled` or `handed-off` to a job of their own. */
  batchEvents: Counter<'queue' | 'outcome'>;
  /** `lexbridge_invitations_stuck_alerts_total{state}`: `invitation.stuck` announcements (one per stay past a deadline). */
  stuckAlerts: Counter<'state'>;
}

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
      name: 'lexbridge_case_update_age_max_days',
      help: 'Days since the last update of the accepted case updated longest ago (0 when none is tracked; NaN while Redis does not answer)',
      registers,
      async collect() {
        const oldest = await read('oldest case update', async () => ({ case: await updateDue.caseActivity.oldest() }));
        this.set(oldest === undefined ? Number.NaN : oldest.case ? Math.max(0, (updateDue.now().getTime() - oldest.case.lastUpdateMs) / DAY) : 0);
      },
    });
  }
  return {
    decisions: new Counter({ name: 'lexbridge_decisions_total', help: 'Invitation decisions', labelNames: ['action', 'source', 'rule'], registers }),
    actions: new Counter({ name: 'lexbridge_actions_total', help: 'Invitation actions by outcome', labelNames: ['action', 'outcome'], registers }),
    outbound: new Counter({ name: 'lexbridge_outbound_total', help: 'Status updates and milestones sent to Lexamica, by outcome', labelNames: ['kind', 'outcome'], registers }),
    batchEvents: new Counter({
      name: 'lexbridge_batch_events_total',
      help: 'Stored events of batch jobs: handled in the batch, or handed off to a job of their own after failing there',
      labelNames: ['queue', 'outcome'],
      registers,
    }),
    webhookDeliveries: new Counter({ name: 'lexbridge_webhook_deliveries_total', help: 'CMS webhook delivery attempts by outcome', labelNames: ['outcome'], registers }),
    webhookLatency: new Histogram({
      name: 'lexbridge_webhook_delivery_seconds',
      help: 'Time for the CMS webhook to answer a delivery with a 2xx',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    jobsFailed: new Counter({ name: 'lexbridge_jobs_failed_total', help: 'Failed job attempts', labelNames: ['queue', 'job', 'final'], registers }),
    stuckAlerts: new Counter({ name: 'lexbridge_invitations_stuck_alerts_total', help: 'invitation.stuck announcements: an invitation found past its state deadline', labelNames: ['state'], registers }),
  };
}
