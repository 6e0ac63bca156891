/**
 * `cms.deliver`: POST one feed item to the CMS webhook, signed. Any failure throws, and BullMQ
 * retries on the catalog's schedule (seconds, then minutes, then hours); the last failure leaves the
 * job in the `cms-webhook` failed set, replayable from the API's admin routes or
 * `lexbridge replay --queue cms-webhook`. Deliveries may repeat or arrive out of order: the CMS
 * dedupes by `lexbridge-event-id`.
 */
import { UnrecoverableError } from 'bullmq';
import type { Handler } from '@lexbridge/core/jobs';
import type { ProcessorContext } from '../context.js';

/** What this module uses of the processor's context. */
export type CmsDeliverDeps = Pick<ProcessorContext, 'feed' | 'metrics' | 'webhook'>;

export function createCmsDeliverHandler(ctx: CmsDeliverDeps): Handler<'cms.deliver'> {
  return async ({ itemId }, jc) => {
    const webhook = ctx.webhook;
    if (!webhook) throw new UnrecoverableError('no CMS webhook is configured (CMS_WEBHOOK_URL); start a processor with it to deliver');
    const item = await ctx.feed.get(itemId);
    if (!item) throw new UnrecoverableError(`feed item ${itemId} is no longer in the feed (trimmed, or older than its dedupe window); nothing to deliver`);
    try {
      const { status, durationMs } = await webhook.deliver(item);
      ctx.metrics.webhookDeliveries.inc({ outcome: 'delivered' });
      ctx.metrics.webhookLatency.observe(durationMs / 1000);
      jc.logger.debug({ itemId, status, durationMs }, 'delivered to the CMS webhook');
      return `delivered (HTTP ${status})`;
    } catch (err) {
      ctx.metrics.webhookDeliveries.inc({ outcome: jc.attempt >= jc.maxAttempts ? 'gave-up' : 'failed' });
      throw err;
    }
  };
}
