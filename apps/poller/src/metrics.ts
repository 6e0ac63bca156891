/** The poller's Prometheus metrics. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * The poller's metrics. The probes read Redis at scrape time and answer undefined when they cannot
 * (Redis away or slow): the gauge then says NaN (unknown), never a stale or made-up number.
 */
export function createPollerMetrics(registry: Registry, probes: { checkpointAgeSeconds: () => Promise<number | undefined>; isLeader: () => boolean; seenIds: () => Promise<number | undefined> }) {
  const registers = [registry];
  return {
    eventsRead: new Counter({ name: 'lexbridge_poller_events_read_total', help: 'Stored events read from Lexamica', labelNames: ['mode'], registers }),
    eventsEnqueued: new Counter({ name: 'lexbridge_poller_events_enqueued_total', help: 'Stored events enqueued as jobs', labelNames: ['mode', 'queue'], registers }),
    duplicatesDropped: new Counter({ name: 'lexbridge_poller_duplicates_dropped_total', help: 'Stored events already enqueued, dropped', labelNames: ['mode'], registers }),
    quarantined: new Counter({ name: 'lexbridge_poller_events_quarantined_total', help: 'Stored events whose envelope could not be read', registers }),
    webhookMissed: new Counter({
      name: 'lexbridge_webhook_missed_total',
      help: 'Stored events a poll or reconciliation enqueued that no webhook had delivered (counted while webhooks are on): pushes Lexamica dropped, or the receiver was down',
      labelNames: ['mode'],
      registers,
    }),
    pages: new Counter({ name: 'lexbridge_poller_pages_total', help: 'Pages of stored events read', labelNames: ['mode'], registers }),
    errors: new Counter({ name: 'lexbridge_poller_errors_total', help: 'Poll errors by kind', labelNames: ['kind'], registers }),
    gaps: new Counter({
      name: 'lexbridge_poller_gaps_total',
      help: 'Stored events that may never be read: reason retention (the checkpoint fell behind what Lexamica keeps) or first-start (older than the first poll read back)',
      labelNames: ['reason'],
      registers,
    }),
    pollDuration: new Histogram({
      name: 'lexbridge_poller_poll_duration_seconds',
      help: 'Duration of one poll, reconciliation or backfill pass',
      labelNames: ['mode', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    checkpointAge: new Gauge({
      name: 'lexbridge_poller_checkpoint_age_seconds',
      help: 'Seconds since the checkpoint watermark: alert when it keeps growing (a stuck poller); NaN when unknown (no checkpoint yet, or Redis unreachable)',
      registers,
      async collect() {
        this.set((await probes.checkpointAgeSeconds()) ?? Number.NaN);
      },
    }),
    leader: new Gauge({
      name: 'lexbridge_poller_is_leader',
      help: '1 when this replica holds the polling lease',
      registers,
      collect() {
        this.set(probes.isLeader() ? 1 : 0);
      },
    }),
    seenIds: new Gauge({
      name: 'lexbridge_poller_seen_ids',
      help: 'Event ids remembered for the overlap window (bounded)',
      registers,
      async collect() {
        this.set((await probes.seenIds()) ?? Number.NaN);
      },
    }),
  };
}

export type PollerMetrics = ReturnType<typeof createPollerMetrics>;
