/**
 * Announcing to the CMS: every decision, action outcome, expiry alert and Lexamica event becomes a
 * feed item with a stable id, so a retried job announces nothing twice. With a CMS webhook
 * configured, each item is also queued for signed delivery (`cms.deliver`, job id from the item id).
 */
import type { Logger } from '@lexbridge/infra/logger';
import { describeDecision } from '@lexbridge/core/rules';
import { enqueue, jobIdFor, type JobPayload, type QueueSet, type StoredEventJob } from '@lexbridge/core/jobs';
import type { Feed, FeedItem } from '@lexbridge/core/feed';
import type { LedgerRecord, StuckRecord } from '@lexbridge/core/ledger';

export interface Announcer {
  /** Appends the item to the feed (once per id) and queues its webhook delivery; true when it is new. */
  announce(item: FeedItem): Promise<boolean>;
  /**
   * For an item a ledger script already appended (the outbox): queues its webhook delivery.
   * `item` is called only when a webhook is configured.
   */
  appended(item: () => FeedItem): Promise<void>;
}

/** Options of {@link createAnnouncer}. */
export interface AnnouncerOptions {
  feed: Feed;
  /** Set to queue a `cms.deliver` job per item (when `CMS_WEBHOOK_URL` is set). Default: feed only. */
  webhookQueues?: QueueSet;
  logger?: Logger;
}

export function createAnnouncer(opts: AnnouncerOptions): Announcer {
  const deliver = async (item: FeedItem) => {
    if (opts.webhookQueues) await enqueue(opts.webhookQueues, 'cms.deliver', { itemId: item.id }, { jobId: jobIdFor('cms', item.id) });
  };
  return {
    async announce(item) {
      const { duplicate } = await opts.feed.append(item);
      if (!duplicate) opts.logger?.debug({ feedItem: item.id, type: item.type }, 'announced');
      // Queued even for a duplicate: the append may have happened in an attempt that crashed
      // before queueing; the job id makes a second queueing a no-op.
      await deliver(item);
      return !duplicate;
    },
    // A crash between the ledger's script and this queueing is repaired by the job's retry, which
    // finds the record already written and announces it again with `announce` (a feed no-op).
    appended: (item) => (opts.webhookQueues ? deliver(item()) : Promise.resolve()),
  };
}

/**
 * What the CMS needs to know about an invitation, without the client's personal data. `state` is
 * the ledger's state after the change the item reports, and `version` the ledger record's version
 * then: of two items about one invitation, the higher version is the later (webhook deliveries can
 * arrive out of order; the feed is in order).
 */
function invitationData(r: LedgerRecord): Record<string, unknown> {
  return {
    invitationId: r.invitationId,
    // Lexamica's case id: what the CMS names when it sends status updates and milestones.
    caseId: r.caseId ?? null,
    state: r.state,
    version: r.version ?? 0,
    caseType: r.caseType ?? null,
    expires: r.expires,
    lexamicaStatus: r.lexamicaStatus ?? null,
    ...(r.decision && {
      decision: {
        action: r.decision.action,
        reason: r.decision.reason ?? null,
        note: r.decision.note ?? null,
        rule: r.decision.rule,
        source: r.decision.source,
        decidedAt: r.decision.decidedAt,
        // Who decided a manual decision: the API identity, and whom the CMS named.
        ...(r.decision.by !== undefined && { by: r.decision.by }),
        ...(r.decision.onBehalfOf !== undefined && { onBehalfOf: r.decision.onBehalfOf }),
        description: describeDecision(r.decision),
        ...(r.decision.capacity && { capacity: r.decision.capacity }),
      },
    }),
  };
}

/** `invitation.decided`, one per decision. */
export function decidedItem(r: LedgerRecord & { decision: NonNullable<LedgerRecord['decision']> }): FeedItem {
  return {
    id: `decided:${r.invitationId}:${r.decision.decidedAt}`,
    type: 'invitation.decided',
    occurredAt: r.decision.decidedAt,
    data: { ...invitationData(r), shadow: r.state === 'shadow' },
  };
}

/**
 * The outcome of sending a decision's action: `invitation.action-sent` (done, or evaluating),
 * `invitation.expired`, else `invitation.action-failed`. One per decision and outcome state: a
 * later outcome (a replay that succeeds after a failure) is a new item that supersedes the earlier
 * one, never dropped as its duplicate; the same outcome announced again is the same item.
 */
export function actionOutcomeItem(r: LedgerRecord): FeedItem {
  const type =
    r.state === 'done' || (r.state === 'manual' && r.lexamicaStatus === 'evaluating')
      ? 'invitation.action-sent'
      : r.state === 'expired'
        ? 'invitation.expired'
        : 'invitation.action-failed';
  return {
    id: `action:${r.invitationId}:${r.decision?.decidedAt ?? r.createdAt}:${r.state}`,
    type,
    occurredAt: r.updatedAt,
    data: { ...invitationData(r), attempts: r.attempts, ...(r.lastError && { error: r.lastError }) },
  };
}

/**
 * `invitation.closed` or `invitation.expired`: Lexamica's lifecycle event ended an invitation that
 * Lexbridge had not finished (cancelled, closed, expired, or answered by someone else). One per
 * invitation and state, so the CMS ends where the ledger is, not only with the raw event.
 */
export function lifecycleStateItem(r: LedgerRecord, event: string): FeedItem {
  return {
    id: `lifecycle:${r.invitationId}:${r.state}`,
    type: r.state === 'expired' ? 'invitation.expired' : 'invitation.closed',
    occurredAt: r.updatedAt,
    data: { ...invitationData(r), event },
  };
}

/**
 * `invitation.stuck`: the watchdog found the invitation in a state past its deadline, with the
 * reason and the record's last error. One per invitation and stay in a state: it is announced again
 * only if the invitation moves and gets stuck again.
 */
export function stuckItem(s: StuckRecord, at: Date): FeedItem {
  const r = s.record;
  return {
    id: `stuck:${r.invitationId}:${r.state}:${s.since}`,
    type: 'invitation.stuck',
    occurredAt: at.toISOString(),
    data: { ...invitationData(r), reason: s.reason, since: s.since, deadline: s.deadline, ...(r.lastError !== undefined && { lastError: r.lastError }) },
  };
}

/** `events.gap`: stored events Lexbridge may never read, as the poller found them; one per gap. */
export function eventsGapItem(g: JobPayload<'events.gap'>): FeedItem {
  return {
    id: `gap:${g.reason}:${g.from ?? ''}:${g.to}`,
    type: 'events.gap',
    occurredAt: g.detectedAt,
    data: { reason: g.reason, ...(g.from !== undefined && { from: g.from }), to: g.to, message: g.message },
  };
}

/** `invitation.expiring` (the expiry guard ran), and what it did; one per invitation and expiry. */
export function expiringItem(r: LedgerRecord, did: string, at: Date): FeedItem {
  return {
    id: `expiring:${r.invitationId}:${r.expires}`,
    type: 'invitation.expiring',
    occurredAt: at.toISOString(),
    data: { ...invitationData(r), guard: did },
  };
}

/** `lexamica.event`: a stored event as Lexamica sent it (payload in the firm's names). */
export function lexamicaEventItem(e: StoredEventJob): FeedItem {
  return {
    id: `event:${e.id}`,
    type: 'lexamica.event',
    occurredAt: e.createdAt,
    data: {
      eventId: e.id,
      event: e.event,
      ...(e.mappingId !== undefined && { mappingId: e.mappingId }),
      ...(e.subscriptionId !== undefined && { subscriptionId: e.subscriptionId }),
      payload: e.payload,
    },
  };
}

/** What the CMS is told about one piece of outbound work (a status update or milestone it sent). */
export interface OutboundSummary {
  /** The outbound job id: the `id` the API's 202 answered with. */
  outboundId: string;
  kind: 'case-update' | 'milestone' | 'file';
  type?: string;
  caseId?: string;
  idempotencyKey: string;
}

/** `outbound.sent` or `outbound.failed` (failed only once no retry is left); one per outbound job. */
export function outboundItem(type: 'outbound.sent' | 'outbound.failed', o: OutboundSummary, at: Date, error?: string): FeedItem {
  return {
    id: `outbound:${o.outboundId}`,
    type,
    occurredAt: at.toISOString(),
    data: { ...o, ...(error !== undefined && { error }) },
  };
}

/** `case.update-due`: a case nears (or passed) Lexamica's limit without an update; one per case and due date. */
export function updateDueItem(o: { caseId: string; invitationId?: string; lastUpdateMs: number; dueAt: string; limitDays: number }, now: Date): FeedItem {
  const DAY = 86_400_000;
  return {
    id: `update-due:${o.caseId}:${o.dueAt}`,
    type: 'case.update-due',
    occurredAt: now.toISOString(),
    data: {
      caseId: o.caseId,
      ...(o.invitationId !== undefined && { invitationId: o.invitationId }),
      lastUpdateAt: new Date(o.lastUpdateMs).toISOString(),
      dueAt: o.dueAt,
      daysSinceLastUpdate: Math.floor((now.getTime() - o.lastUpdateMs) / DAY),
      daysLeft: Math.floor((Date.parse(o.dueAt) - now.getTime()) / DAY),
      overdue: now.getTime() >= Date.parse(o.dueAt),
      limitDays: o.limitDays,
    },
  };
}
