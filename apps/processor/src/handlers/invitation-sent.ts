/**
 * `invitation.sent`: a new invitation. Read it through the firm's mapping, record it in the ledger
 * (once) and under its case id (milestones name the case), decide by the rules (capacity for
 * accepts; shadow mode records only), then follow up: the rules' own accept, decline or evaluate is
 * sent from this job (one job per invitation), anything else is announced, queued or guarded.
 *
 * A decision that needs nothing from Redis (no capacity limit to reserve) is recorded with the
 * invitation in one script; when it is the rules' accept, decline or evaluate, that script also
 * claims the action (decided → acting), so the job that created the record sends at once, with no
 * second compare-and-set. A retry of this job finds the record where the last attempt left it and
 * carries on from there exactly like an `invitation.act` job (read-back first from `acting`).
 */
import type { Handler, JobContext, StoredEventJob } from '@lexbridge/core/jobs';
import { BEGIN_ACT, caseFactsOf, decisionTransition, LedgerTransitionError, observeDecision, type LedgerRecord, type LedgerState, type Transition } from '@lexbridge/core/ledger';
import { OPEN_INVITATION_STATUSES, type Invitation } from '@lexbridge/core/domain';
import { applyCapacity, evaluateRules, type Decision } from '@lexbridge/core/rules';
import { tooLate, type ProcessorContext } from '../context.js';
import { announceDecision, decisionItemOf, followUp } from '../follow-up.js';
import { ledgerStateForStatus } from '../invitation-status.js';
import { actOnRecord, sendClaimed, type InvitationActDeps } from './invitation-act.js';

/** What this module uses of the processor's context. */
export type InvitationSentDeps = Pick<ProcessorContext, 'capacity' | 'invitations' | 'ledger' | 'logger' | 'mappingIds' | 'metrics' | 'now' | 'rules' | 'clientContact' | 'shadowCapacity' | 'expirySafetyMs'> & InvitationActDeps;

/** States from which this job carries a rules decision on to Lexamica (or re-announces its outcome). */
const ACTED_HERE: readonly LedgerState[] = ['decided', 'acting', 'failed', 'done', 'conflict', 'expired', 'closed'];

export function createInvitationSentHandler(ctx: InvitationSentDeps): Handler<'invitation.sent'> {
  return async (event, job) => {
    const inv = ctx.invitations.read(event.payload);
    const mappingId = await mappingIdOf(ctx, event, job);
    const early = decideWithoutRedis(ctx, inv);
    // Sent from this job right away: claim it in the same script that records the invitation.
    const claim = early?.decision !== undefined && early.then.to === 'decided' && mappingId !== undefined;
    // One script records the invitation, links its case and, with a decision, appends the
    // decision's feed item (the outbox).
    const { record, created } = await ctx.ledger.receive(
      {
        invitationId: inv._id,
        eventId: event.id,
        ...(mappingId !== undefined && { mappingId }),
        caseId: inv.referral._id,
        caseType: inv.referral.caseType,
        facts: caseFactsOf(inv, { clientContact: ctx.clientContact }),
        expires: inv.expires,
        sentAt: inv.sentAt ?? event.createdAt,
        ...(inv.status !== undefined && { lexamicaStatus: inv.status }),
      },
      early && (claim ? [early.then, BEGIN_ACT] : early.then),
      early?.decision ? { announce: (r) => decisionItemOf(r)! } : {},
    );
    const appended = created && early?.decision !== undefined;
    if (appended) countDecision(ctx, record);
    if (created && claim) {
      await announceDecision(ctx, record, { appended: true });
      return sendClaimed(ctx, record, job);
    }
    const decided = record.state === 'received' ? await decide(ctx, record, inv) : record;
    const d = decided.decision;
    let state: string = decided.state;
    if (d && d.source === 'rules' && d.action !== 'manual' && ACTED_HERE.includes(decided.state)) {
      await announceDecision(ctx, decided, { appended });
      state = await actOnRecord(ctx, decided, job);
    } else {
      await followUp(ctx, decided, { decisionAppended: appended });
    }
    job.logger.debug({ invitationId: inv._id, state }, 'invitation handled');
    return state;
  };
}

/**
 * The mapping the invitation came through (the event's, its subscription's, or the firm's own).
 * The invitation is recorded even when it cannot be found now: nothing needs it before an answer
 * is sent, and sending looks it up again (and fails visibly, naming the fix, if it still cannot).
 */
async function mappingIdOf(ctx: InvitationSentDeps, event: StoredEventJob, job: JobContext): Promise<string | undefined> {
  try {
    return await ctx.mappingIds.forEvent(event, 'invitation');
  } catch (err) {
    job.logger.warn({ err, eventId: event.id }, 'the Lexamica mapping this invitation came through is not known yet; it is looked up again before an answer is sent');
    return undefined;
  }
}

/**
 * What to record with the invitation when no Redis state is needed to decide: Lexamica already
 * closed it, it is too late, or the rules' decision reserves no capacity. Undefined otherwise.
 */
function decideWithoutRedis(ctx: InvitationSentDeps, inv: Invitation): { then: Omit<Transition, 'from'>; decision?: Decision } | undefined {
  if (inv.status !== undefined && !OPEN_INVITATION_STATUSES.includes(inv.status)) {
    return { then: { to: ledgerStateForStatus(inv.status), note: `Lexamica says ${inv.status}; nothing to decide` } };
  }
  if (tooLate(ctx, inv.expires)) return { then: { to: 'expired', note: 'arrived too close to (or after) its expiry; not acted on' } };
  const now = ctx.now();
  const decision = evaluateRules(ctx.rules, inv as Record<string, unknown>, now);
  const counter = ctx.rules.shadow ? ctx.shadowCapacity : ctx.capacity;
  if (decision.action === 'accept' && counter.limitFor(inv.referral.caseType)) return undefined;
  const { from: _from, ...then } = decisionTransition({ ...decision, source: 'rules', decidedAt: now.toISOString() }, targetState(ctx, decision));
  return { then, decision };
}

function targetState(ctx: InvitationSentDeps, decision: Decision): LedgerState {
  return ctx.rules.shadow ? 'shadow' : decision.action === 'manual' ? 'manual' : 'decided';
}

function countDecision(ctx: InvitationSentDeps, r: LedgerRecord): void {
  const d = r.decision;
  if (d) observeDecision(ctx, { invitationId: r.invitationId, action: d.action, source: d.source, rule: d.rule, sentAt: r.sentAt, decidedAt: d.decidedAt, state: r.state });
}

/**
 * Decides a record found `received`: one recorded without its decision because an accept had to
 * reserve capacity first (or by an attempt that crashed before deciding).
 */
async function decide(ctx: InvitationSentDeps, record: LedgerRecord, inv: Invitation): Promise<LedgerRecord> {
  const id = record.invitationId;
  const early = decideWithoutRedis(ctx, inv);
  if (early) {
    try {
      const decided = await ctx.ledger.transition(id, { ...early.then, from: ['received'] }, record);
      if (early.decision) countDecision(ctx, decided);
      return decided;
    } catch (err) {
      return lostRace(ctx, record, err);
    }
  }
  const now = ctx.now();
  const shadow = ctx.rules.shadow;
  const ruled = evaluateRules(ctx.rules, inv as Record<string, unknown>, now);
  const decision = await applyCapacity(ruled, inv.referral.caseType, shadow ? ctx.shadowCapacity : ctx.capacity, now);
  try {
    const decided = await ctx.ledger.decide(id, { ...decision, source: 'rules', decidedAt: now.toISOString() }, targetState(ctx, decision), record);
    countDecision(ctx, decided);
    return decided;
  } catch (err) {
    // The accept did not get recorded (another replica decided first, or Redis failed): give its
    // reservation back so capacity counts only recorded accepts.
    if (decision.action === 'accept' && decision.capacity) await (shadow ? ctx.shadowCapacity : ctx.capacity).release(inv.referral.caseType, now);
    return lostRace(ctx, record, err);
  }
}

/** Another replica decided first: carry on with what it recorded. Anything else is rethrown. */
async function lostRace(ctx: InvitationSentDeps, record: LedgerRecord, err: unknown): Promise<LedgerRecord> {
  if (err instanceof LedgerTransitionError) return (await ctx.ledger.get(record.invitationId)) ?? record;
  throw err;
}
