/**
 * `invitation.sent`: a new invitation. Read it through the firm's mapping, record it in the ledger
 * (once) and under its case id (milestones name the case), decide by the rules (capacity for
 * accepts; shadow mode records only), then follow up: announce, queue the action or plan the
 * expiry guard.
 */
import type { Handler } from '@lexbridge/shared/jobs';
import { LedgerTransitionError, type LedgerRecord } from '@lexbridge/shared/ledger';
import { OPEN_INVITATION_STATUSES, type Invitation } from '@lexbridge/shared/domain';
import { applyCapacity, evaluateRules } from '@lexbridge/shared/rules';
import { tooLate, type ProcessorContext } from '../context.js';
import { followUp } from '../follow-up.js';
import { ledgerStateForStatus } from '../invitation-status.js';

export function createInvitationSentHandler(ctx: ProcessorContext): Handler<'invitation.sent'> {
  return async (event, job) => {
    const inv = ctx.invitations.read(event.payload);
    const { record } = await ctx.ledger.receive({
      invitationId: inv._id,
      eventId: event.id,
      ...(event.mappingId !== undefined && { mappingId: event.mappingId }),
      caseId: inv.referral._id,
      caseType: inv.referral.caseType,
      expires: inv.expires,
      ...(inv.status !== undefined && { lexamicaStatus: inv.status }),
    });
    // Every time, not only on creation: a retry repairs a crash between the two writes.
    await ctx.cases.link(inv.referral._id, inv._id, inv.sentAt ?? event.createdAt);
    const decided = record.state === 'received' ? await decide(ctx, record, inv) : record;
    await followUp(ctx, decided);
    job.logger.debug({ invitationId: inv._id, state: decided.state }, 'invitation handled');
    return decided.state;
  };
}

async function decide(ctx: ProcessorContext, record: LedgerRecord, inv: Invitation): Promise<LedgerRecord> {
  const id = record.invitationId;
  if (inv.status !== undefined && !OPEN_INVITATION_STATUSES.includes(inv.status)) {
    return ctx.ledger.transition(id, { from: ['received'], to: ledgerStateForStatus(inv.status), note: `Lexamica says ${inv.status}; nothing to decide` });
  }
  if (tooLate(ctx, inv.expires)) {
    return ctx.ledger.transition(id, { from: ['received'], to: 'expired', note: 'arrived too close to (or after) its expiry; not acted on' });
  }
  const now = ctx.now();
  const shadow = ctx.rules.shadow;
  const ruled = evaluateRules(ctx.rules, inv as Record<string, unknown>, now);
  const decision = await applyCapacity(ruled, inv.referral.caseType, shadow ? ctx.shadowCapacity : ctx.capacity, now);
  const to = shadow ? 'shadow' : decision.action === 'manual' ? 'manual' : 'decided';
  try {
    const decided = await ctx.ledger.decide(id, { ...decision, source: 'rules', decidedAt: now.toISOString() }, to);
    ctx.metrics.decisions.inc({ action: decision.action, source: 'rules', rule: decision.rule ?? '(default)' });
    return decided;
  } catch (err) {
    // The accept did not get recorded (another replica decided first, or Redis failed): give its
    // reservation back so capacity counts only recorded accepts.
    if (decision.action === 'accept' && decision.capacity) await (shadow ? ctx.shadowCapacity : ctx.capacity).release(inv.referral.caseType, now);
    if (err instanceof LedgerTransitionError) return (await ctx.ledger.get(id)) ?? record;
    throw err;
  }
}
