/**
 * `invitation.expiry-guard`: runs before an unanswered invitation expires and does what the firm's
 * `expiryGuard` plan says, only if the invitation is still waiting (manual or shadow) and the expiry
 * is the one the guard was planned for:
 * - `evaluate`: decide `evaluate` (source expiry-guard) and queue the action, which asks Lexamica
 *   for more time; when Lexamica is already evaluating (it extends once), alert instead.
 * - `alert`: tell the CMS (`invitation.expiring`).
 * Shadow records are only ever alerted: shadow mode sends nothing to Lexamica. The guard never
 * reports a contact attempt: nobody has contacted the client (the firm YAML refuses that plan).
 */
import type { Handler } from '@lexbridge/core/jobs';
import { LedgerTransitionError, observeDecision, type LedgerDecision, type LedgerRecord } from '@lexbridge/core/ledger';
import { expiringItem } from '../announce.js';
import type { ProcessorContext } from '../context.js';
import { followUp, guardPlanFor, type FollowUpDeps } from '../follow-up.js';

/** What this module uses of the processor's context. */
export type ExpiryGuardDeps = Pick<ProcessorContext, 'announcer' | 'ledger' | 'logger' | 'metrics' | 'now'> & FollowUpDeps;

export function createExpiryGuardHandler(ctx: ExpiryGuardDeps): Handler<'invitation.expiry-guard'> {
  return async (payload, job) => {
    const r = await ctx.ledger.get(payload.invitationId);
    if (!r) return 'unknown invitation';
    if (r.expires !== payload.expires) return 'stale: the expiry changed';
    if (r.state !== 'manual' && r.state !== 'shadow') return `not waiting (${r.state})`;
    const now = ctx.now();
    if (now.getTime() >= Date.parse(r.expires)) {
      await alert(ctx, r, 'expired before the guard ran', now);
      return 'too late';
    }
    const plan = guardPlanFor(ctx, r);
    const todo = r.state === 'shadow' ? 'alert' : plan.do;
    job.logger.info({ invitationId: r.invitationId, do: todo, expires: r.expires }, 'expiry guard');
    if (todo === 'evaluate') {
      return r.lexamicaStatus === 'evaluating' ? alert(ctx, r, 'already evaluating: needs a final decision', now) : evaluate(ctx, r, now);
    }
    return alert(ctx, r, 'needs a decision', now);
  };
}

async function alert(ctx: ExpiryGuardDeps, r: LedgerRecord, did: string, now: Date): Promise<string> {
  await ctx.announcer.announce(expiringItem(r, did, now));
  return 'alerted';
}

async function evaluate(ctx: ExpiryGuardDeps, r: LedgerRecord, now: Date): Promise<string> {
  const decision: LedgerDecision = {
    action: 'evaluate',
    rule: null,
    trace: [],
    note: 'expiry guard: asking Lexamica for more time',
    source: 'expiry-guard',
    decidedAt: now.toISOString(),
  };
  let decided: LedgerRecord;
  try {
    decided = await ctx.ledger.transition(r.invitationId, { from: ['manual'], to: 'decided', patch: { decision }, note: decision.note });
  } catch (err) {
    // A person decided meanwhile: their decision stands.
    if (err instanceof LedgerTransitionError) return `not waiting (${err.state})`;
    throw err;
  }
  observeDecision(ctx, { invitationId: decided.invitationId, action: 'evaluate', source: 'expiry-guard', rule: decision.rule, sentAt: decided.sentAt, decidedAt: decision.decidedAt, state: decided.state });
  await followUp(ctx, decided);
  await ctx.announcer.announce(expiringItem(decided, 'asked Lexamica for more time (evaluate)', now));
  return 'evaluate queued';
}
