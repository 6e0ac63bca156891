/** The receiver's Prometheus metrics; the labelled counters start at zero for every outcome and reason. */
import { Counter, Histogram, type Registry } from 'prom-client';
import { zeroed } from '@lexbridge/infra/ops';

/** `reasons`: every reason a delivery is refused (`Object.keys(REJECTION_STATUS)`). */
export function createReceiverMetrics(registry: Registry, reasons: readonly string[]) {
  const registers = [registry];
  return {
    deliveries: zeroed(new Counter({
      name: 'lexbridge_receiver_deliveries_total',
      help: 'Webhook deliveries taken: accepted (enqueued) or duplicate (already enqueued by polling or an earlier delivery)',
      labelNames: ['outcome'],
      registers,
    }), { outcome: ['accepted', 'duplicate'] }),
    rejected: zeroed(new Counter({
      name: 'lexbridge_receiver_rejected_total',
      help: 'Webhook deliveries refused, never processed, by reason: missing-signature, bad-signature, stale-timestamp, malformed, too-large, unsupported-media-type, unavailable (Redis away: Lexamica retries)',
      labelNames: ['reason'],
      registers,
    }), { reason: reasons }),
    lag: new Histogram({
      name: 'lexbridge_receiver_lag_seconds',
      help: 'From the event being stored (its createdAt) to its delivery being enqueued',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
  };
}

export type ReceiverMetrics = ReturnType<typeof createReceiverMetrics>;
