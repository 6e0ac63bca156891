/**
 * The record of operators' actions: every admin action (a retry, a backfill, an action on the queue
 * board) becomes an `admin.action` item in the CMS feed, naming the identity that did it, and a log
 * line. With a CMS webhook configured, the item is also queued for delivery like any feed item.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Feed, FeedItem } from '@lexbridge/core/feed';
import { enqueue, jobIdFor, type QueueSet } from '@lexbridge/core/jobs';

/** Options of {@link createAuditTrail}. */
export interface AuditTrailOptions {
  feed: Feed;
  queues: QueueSet;
  /** Queue a `cms.deliver` job per item (true when `CMS_WEBHOOK_URL` is set). */
  webhook: boolean;
}

export interface AuditTrail {
  /**
   * Records that the request's identity did `action` (`job.retried`, `backfill.requested`,
   * `board.action`, …). Throws when the feed cannot take the item.
   */
  record(request: FastifyRequest, action: string, details: Record<string, unknown>): Promise<FeedItem>;
}

export function createAuditTrail(opts: AuditTrailOptions): AuditTrail {
  return {
    async record(request, action, details) {
      const by = request.identity?.name ?? 'unknown';
      // A fresh id: the request id may come from the client, and the feed drops repeated ids.
      const item: FeedItem = { id: `admin:${randomUUID()}`, type: 'admin.action', occurredAt: new Date().toISOString(), data: { action, by, requestId: request.id, ...details } };
      request.log.info({ action, by, ...details }, 'admin action');
      await opts.feed.append(item);
      if (opts.webhook) await enqueue(opts.queues, 'cms.deliver', { itemId: item.id }, { jobId: jobIdFor('cms', item.id) });
      return item;
    },
  };
}
