/**
 * What must follow a decision, done idempotently so a retried job can always call it again:
 * announce the decision, queue the action of a `decided` invitation, and plan the expiry guard of one
 * left `manual` (or `shadow`). A crash between recording a decision and queueing its action is
 * repaired by the retry, which finds the record decided and calls this again.
 */
import { enqueue } from '@lexbridge/core/jobs';
import { actJobId, guardJobId, type LedgerRecord } from '@lexbridge/core/ledger';
import type { FeedItem } from '@lexbridge/core/feed';
import type { GuardPlan } from '@lexbridge/core/rules';
import { decidedItem } from './announce.js';
import type { ProcessorContext } from './context.js';

/** What this module uses of the processor's context. */
export type FollowUpDeps = Pick<ProcessorContext, 'announcer' | 'now' | 'queues' | 'rules'>;

/** The guard plan for a record: the `evaluate` plan once Lexamica is evaluating, else `manual`. */
export function guardPlanFor(ctx: Pick<ProcessorContext, 'rules'>, r: LedgerRecord): GuardPlan {
  const evaluating = r.lexamicaStatus === 'evaluating' || r.decision?.action === 'evaluate';
  return evaluating ? ctx.rules.expiryGuard.evaluate : ctx.rules.expiryGuard.manual;
}

export async function scheduleGuard(ctx: FollowUpDeps, r: LedgerRecord): Promise<void> {
  const plan = guardPlanFor(ctx, r);
  const delay = Math.max(0, Date.parse(r.expires) - plan.beforeMs - ctx.now().getTime());
  await enqueue(ctx.queues, 'invitation.expiry-guard', { invitationId: r.invitationId, expires: r.expires }, { jobId: guardJobId(r.invitationId, r.expires), delay });
}

/** The record's `invitation.decided` item; undefined without a decision. */
export function decisionItemOf(r: LedgerRecord): FeedItem | undefined {
  return r.decision && decidedItem({ ...r, decision: r.decision });
}

/** Options of {@link announceDecision}. */
export interface AnnounceDecisionOptions {
  /**
   * The ledger's script that recorded the decision appended its feed item already: only its
   * delivery is queued (default false: the item is appended here).
   */
  appended?: boolean;
}

/** Announces the record's decision (once per decision: the feed item id is stable). */
export async function announceDecision(ctx: FollowUpDeps, r: LedgerRecord, opts: AnnounceDecisionOptions = {}): Promise<void> {
  if (!r.decision) return;
  // Built only when needed: an appended item only when a webhook will deliver it.
  const item = () => decidedItem({ ...r, decision: r.decision! });
  await (opts.appended ? ctx.announcer.appended(item) : ctx.announcer.announce(item()));
}

/** Options of {@link followUp}. */
export interface FollowUpOptions {
  /** As `appended` of {@link announceDecision}: the decision's feed item is already appended. */
  decisionAppended?: boolean;
}

export async function followUp(ctx: FollowUpDeps, r: LedgerRecord, opts: FollowUpOptions = {}): Promise<void> {
  const d = r.decision;
  await announceDecision(ctx, r, { appended: opts.decisionAppended ?? false });
  if (r.state === 'decided' && d && d.action !== 'manual') {
    await enqueue(
      ctx.queues,
      'invitation.act',
      { invitationId: r.invitationId, action: d.action, source: d.source, ...(d.reason !== undefined && { reason: d.reason }) },
      { jobId: actJobId(r) },
    );
  } else if (r.state === 'manual' || r.state === 'shadow') {
    await scheduleGuard(ctx, r);
  }
}
