/**
 * `invitation.act`: send a decided action to Lexamica exactly once.
 *
 * - The ledger is the truth, not the job: the action sent is the record's decision.
 * - From `decided` the record is claimed (`beginAct`, compare-and-set) before anything is sent.
 * - A record found `acting` (a crash or a timeout after sending) or `failed` (a replay) is first
 *   read back from Lexamica: already answered as intended → done; still open → send; else record
 *   Lexamica's state and stop. A read-back no retry can fix (401/403/404) fails the record with a
 *   reason naming the setting to check, instead of leaving it `acting` for good.
 * - Right before sending, an invitation at or past its expiry (less a safety margin) is not sent.
 * - 409 records Lexamica's state and stops. 429 puts the record back to `decided` and rethrows (the
 *   worker pauses the queue for Retry-After). Other 4xx fail the record and the job at once. 5xx,
 *   timeouts and network errors leave it `acting` and rethrow, so the retry reads back first.
 */
import { UnrecoverableError } from 'bullmq';
import { configurationProblem, isRetryable, LexamicaConflictError } from '@lexbridge/lexamica-client';
import type { Handler, JobContext } from '@lexbridge/core/jobs';
import { LedgerTransitionError, type LedgerDecision, type LedgerRecord } from '@lexbridge/core/ledger';
import { OPEN_INVITATION_STATUSES, type InvitationStatus } from '@lexbridge/core/domain';
import { actionOutcomeItem } from '../announce.js';
import { tooLate, type ProcessorContext } from '../context.js';
import { followUp, type FollowUpDeps } from '../follow-up.js';
import { ledgerStateForStatus, STATUS_AFTER } from '../invitation-status.js';
import type { ActionOutcome } from '../metrics.js';
import { errorKind } from '@lexbridge/infra/errors';

/** What this module uses of the processor's context. */
export type InvitationActDeps = Pick<ProcessorContext, 'announcer' | 'caseActivity' | 'client' | 'hooks' | 'invitations' | 'ledger' | 'mappingIds' | 'metrics' | 'now' | 'expirySafetyMs'> & FollowUpDeps;

type SendableAction = 'accept' | 'decline' | 'evaluate';
type Acting = LedgerRecord & { decision: LedgerDecision & { action: SendableAction } };

export function createInvitationActHandler(ctx: InvitationActDeps): Handler<'invitation.act'> {
  return async (payload, job) => {
    const id = payload.invitationId;
    const record = await ctx.ledger.get(id);
    if (!record) throw new UnrecoverableError(`no ledger record for invitation ${id}`);
    const d = record.decision;
    if (d && d.action !== 'manual' && d.action !== payload.action) {
      job.logger.info({ invitationId: id, job: payload.action, ledger: d.action }, 'the ledger decision differs from the job; sending the ledger decision');
    }
    return actOnRecord(ctx, record, job);
  };
}

/**
 * Carries a record's decision through to Lexamica from wherever the record is: sends from
 * `decided`, reads back first from `acting`/`failed`, re-announces a finished outcome. Used by the
 * `invitation.act` job and by `invitation.sent` for the rules' own decisions, so a retry of either
 * job resumes exactly where the ledger says it was. `record` must be as last read or written.
 */
export async function actOnRecord(ctx: InvitationActDeps, record: LedgerRecord, job: JobContext): Promise<string> {
  const d = record.decision;
  if (!d || d.action === 'manual') {
    job.logger.warn({ invitationId: record.invitationId, state: record.state }, 'action job for an invitation without a decision to send; nothing sent');
    return 'nothing to send';
  }
  const r = record as Acting;
  switch (r.state) {
    case 'decided':
      return fromDecided(ctx, r, job);
    case 'acting':
    case 'failed':
      return resume(ctx, r, job);
    case 'done':
    case 'conflict':
    case 'expired':
    case 'closed':
      // Finished in an earlier attempt that may have crashed before announcing: announce again
      // (a no-op when it did) and stop.
      await announceOutcome(ctx, r);
      await startCaseClock(ctx, r);
      return r.state;
    default:
      job.logger.info({ invitationId: r.invitationId, state: r.state }, 'invitation is not decided; nothing sent');
      return r.state;
  }
}

/**
 * Sends the decision of a record this caller has just claimed (`acting`, by its own `beginAct` or
 * the `receive` that created it already claimed): no read-back, nothing can have been sent yet.
 */
export function sendClaimed(ctx: InvitationActDeps, r: LedgerRecord, job: JobContext): Promise<string> {
  if (r.state !== 'acting' || !r.decision || r.decision.action === 'manual') throw new Error(`invitation ${r.invitationId} is not claimed for sending (${r.state})`);
  return send(ctx, r as Acting, job);
}

async function fromDecided(ctx: InvitationActDeps, r: Acting, job: JobContext): Promise<string> {
  if (tooLate(ctx, r.expires)) return expireUnsent(ctx, r);
  let acting: Acting;
  try {
    acting = (await ctx.ledger.beginAct(r.invitationId, r)) as Acting;
  } catch (err) {
    // Another worker claimed it first: that worker sends, this one stops.
    if (err instanceof LedgerTransitionError) return `claimed elsewhere (${err.state})`;
    throw err;
  }
  return send(ctx, acting, job);
}

async function resume(ctx: InvitationActDeps, r: Acting, job: JobContext): Promise<string> {
  let state: Awaited<ReturnType<ProcessorContext['client']['invitations']['get']>>;
  try {
    state = await ctx.client.invitations.get(r.invitationId, { idempotent: true });
  } catch (err) {
    return readBackFailed(ctx, r, job, err);
  }
  const intended = STATUS_AFTER[r.decision.action];
  if (state.status === intended) {
    job.logger.info({ invitationId: r.invitationId, status: state.status }, 'read back: the action had taken effect');
    return succeed(ctx, r, 'confirmed', state.expires);
  }
  if ((OPEN_INVITATION_STATUSES as readonly string[]).includes(state.status)) {
    const expires = state.expires ?? r.expires;
    if (tooLate(ctx, expires)) return finishActing(ctx, r, 'expired', { note: 'read back: still open but at its expiry; not sent', lexamicaStatus: state.status }, 'expired');
    const again = (await ctx.ledger.resumeAct(r.invitationId, `read back: still ${state.status}; sending`, r)) as Acting;
    return send(ctx, again, job);
  }
  return finishActing(ctx, r, ledgerStateForStatus(state.status), { lexamicaStatus: state.status, note: `read back: Lexamica says ${state.status}` }, 'closed');
}

/**
 * The read-back failed, so whether the action took effect is unknown. A failure a retry may fix
 * leaves the record `acting` for the retry to read back again (the watchdog alerts if that goes on),
 * until the last attempt; one no retry fixes (401/403/404: a configuration problem; a response the
 * profile cannot read) fails the record at once with the reason, visible and replayable once fixed
 * (a replay reads back first, so nothing is sent twice).
 */
async function readBackFailed(ctx: InvitationActDeps, r: Acting, job: JobContext, err: unknown): Promise<never> {
  const reason = configurationProblem(err) ?? `reading the invitation back failed: ${err instanceof Error ? err.message : String(err)}`;
  if (!isRetryable(err)) {
    await finishActing(ctx, r, 'failed', { lastError: reason, note: 'outcome unknown: read-back refused' }, 'failed');
    throw new UnrecoverableError(reason);
  }
  if (job.attempt >= job.maxAttempts && !(errorKind(err) === 'rate-limited')) {
    await finishActing(ctx, r, 'failed', { lastError: reason, note: `outcome unknown: gave up reading back after ${job.attempt} attempts` }, 'failed');
  }
  throw err;
}

function actionBody(ctx: InvitationActDeps, d: LedgerDecision): Record<string, unknown> | undefined {
  return d.action === 'decline' ? ctx.invitations.toFirm({ reason: d.reason }) : undefined;
}

async function send(ctx: InvitationActDeps, r: Acting, job: JobContext): Promise<string> {
  // The last check before the request: nothing goes out at or after expiry.
  if (tooLate(ctx, r.expires)) return finishActing(ctx, r, 'expired', { note: 'at or past its expiry; not sent' }, 'expired');
  const action = r.decision.action;
  try {
    // A record without one (its event named none and it could not be found then): the firm's own
    // invitation mapping, which `lexbridge setup` created. Missing, it fails the record, naming the fix.
    const mappingId = r.mappingId ?? (await ctx.mappingIds.idOf('invitation'));
    const body = actionBody(ctx, r.decision);
    await ctx.client.invitations.act({ mappingId, invitationId: r.invitationId, action, ...(body && { body }) }, { idempotent: false });
  } catch (err) {
    return sendFailed(ctx, r, job, err);
  }
  await ctx.hooks.afterActionSent?.(r);
  return succeed(ctx, r, 'sent');
}

async function sendFailed(ctx: InvitationActDeps, r: Acting, job: JobContext, err: unknown): Promise<string> {
  const action = r.decision.action;
  const message = configurationProblem(err) ?? (err instanceof Error ? err.message : String(err));
  if (err instanceof LexamicaConflictError) {
    const status = err.state;
    if (status !== undefined && status === STATUS_AFTER[action]) return succeed(ctx, r, 'confirmed');
    const to = status === undefined ? 'conflict' : ledgerStateForStatus(status);
    return finishActing(ctx, r, to, { lastError: message, note: `Lexamica refused: ${status ?? 'unknown state'}`, ...(status !== undefined && { lexamicaStatus: status }) }, 'conflict');
  }
  if (errorKind(err) === 'rate-limited') {
    // Refused before it could take effect: it may be sent again from `decided`.
    await ctx.ledger.abortAct(r.invitationId, 'rate limited by Lexamica', r);
    ctx.metrics.actions.inc({ action, outcome: 'rate-limited' });
    throw err;
  }
  if (err instanceof UnrecoverableError) {
    // Nothing was sent (the mapping to send it through is not known): fail with the fix named.
    await finishActing(ctx, r, 'failed', { lastError: message, note: 'not sent' }, 'failed');
    throw err;
  }
  if (!isRetryable(err)) {
    await finishActing(ctx, r, 'failed', { lastError: message, note: 'Lexamica rejected the action' }, 'failed');
    throw new UnrecoverableError(message);
  }
  // It may or may not have reached Lexamica: stay `acting`, so the retry reads back first.
  if (job.attempt >= job.maxAttempts) {
    await finishActing(ctx, r, 'failed', { lastError: message, note: `gave up after ${job.attempt} attempts` }, 'failed');
  } else {
    ctx.metrics.actions.inc({ action, outcome: 'error' });
  }
  throw err;
}

/** The action took effect: evaluate leaves the invitation waiting for a final answer (manual). */
async function succeed(ctx: InvitationActDeps, r: Acting, outcome: 'sent' | 'confirmed', knownExpires?: string): Promise<string> {
  if (r.decision.action !== 'evaluate') {
    return finishActing(ctx, r, 'done', { lexamicaStatus: STATUS_AFTER[r.decision.action]!, note: outcome === 'sent' ? 'sent' : 'confirmed by Lexamica' }, outcome);
  }
  // Evaluation extends the expiry: learn the new one, so the guard is planned against it.
  const expires = knownExpires ?? (await ctx.client.invitations.get(r.invitationId, { idempotent: true }).then((s) => s.expires, () => undefined));
  const state = await finishActing(
    ctx,
    r,
    'manual',
    { lexamicaStatus: 'evaluating' satisfies InvitationStatus, note: 'evaluating: waiting for a final decision', ...(expires !== undefined && { expires }) },
    outcome,
  );
  const after = await ctx.ledger.get(r.invitationId);
  if (after) await followUp(ctx, after);
  return state;
}

/** An accepted case enters the 90-day rule at acceptance (idempotent: a tracked case keeps its time). */
async function startCaseClock(ctx: InvitationActDeps, r: LedgerRecord): Promise<void> {
  if (r.state === 'done' && r.decision?.action === 'accept' && r.caseId !== undefined) await ctx.caseActivity.started(r.caseId, r.invitationId, ctx.now());
}

/** Records the outcome; the same script appends its feed item (the outbox). */
async function finishActing(
  ctx: InvitationActDeps,
  r: Acting,
  to: LedgerRecord['state'],
  extra: { lexamicaStatus?: string; lastError?: string; note?: string; expires?: string },
  outcome: ActionOutcome,
): Promise<string> {
  // The clock starts with the record's change, not after it: Lexamica has the accept either way,
  // and starting is idempotent, so a retry that finds the record done starts it again harmlessly.
  const [done] = await Promise.all([ctx.ledger.finishAct(r.invitationId, to, extra, r, actionOutcomeItem), startCaseClock(ctx, { ...r, state: to })]);
  ctx.metrics.actions.inc({ action: r.decision.action, outcome });
  await ctx.announcer.appended(() => actionOutcomeItem(done));
  return to;
}

/** decided → expired: too late to send; never sent. */
async function expireUnsent(ctx: InvitationActDeps, r: Acting): Promise<string> {
  const done = await ctx.ledger.transition(r.invitationId, { from: ['decided'], to: 'expired', note: 'at or past its expiry; not sent', announce: actionOutcomeItem }, r);
  ctx.metrics.actions.inc({ action: r.decision.action, outcome: 'expired' });
  await ctx.announcer.appended(() => actionOutcomeItem(done));
  return 'expired';
}

/** Announces a finished outcome again (a feed no-op when it was announced). */
async function announceOutcome(ctx: InvitationActDeps, r: LedgerRecord): Promise<void> {
  await ctx.announcer.announce(actionOutcomeItem(r));
}
