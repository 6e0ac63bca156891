/**
 * What an `outbound.send` job sends, as steps: a status update is one case update through the
 * firm's CaseUpdate mapping; contact attempted, consult complete and declined are invitation calls
 * on the case's invitation (bodies through the invitation mapping); closed is a case update (stage
 * Closed); retained uploads the signed retainer on the Case mapping, then posts a case update (stage
 * Retained). Each step is recorded on its own, so a retry resumes after the last one sent.
 */
import { createHash } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import { LexamicaConflictError, type InvitationActionName } from '@lexbridge/lexamica-client';
import type { JobPayload, MilestoneOut, MilestoneType } from '@lexbridge/core/jobs';
import type { ProcessorContext } from '../context.js';

/** What this module uses of the processor's context. */
export type OutboundPlanDeps = Pick<ProcessorContext, 'caseActivity' | 'cases' | 'client' | 'firmMappers' | 'invitations' | 'ledger' | 'mappingIds' | 'now' | 'uploads'>;

/** One call to Lexamica. */
export interface OutboundStep {
  /** Its key in the job's step record: `case-update`, `upload`, `act:decline`, … */
  name: string;
  /** What it sends, for messages: `the case update`. */
  what: string;
  send(): Promise<unknown>;
  /** A refusal meaning it had already taken effect (decline → 409 "declined"). */
  alreadyDone?(err: unknown): boolean;
}

/** Everything an outbound job does. */
export interface OutboundPlan {
  kind: 'case-update' | 'milestone';
  type?: MilestoneType;
  /** `case-update` or the milestone type: the metric label and what messages name. */
  label: 'case-update' | MilestoneType;
  caseId: string;
  steps: OutboundStep[];
  /** Runs once every step is sent: the 90-day clock, deleting held bytes. */
  finish(): Promise<void>;
}

export type OutboundJob = JobPayload<'outbound.send'>;

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/** The plan for a job the job adapter has parsed: the body is typed, nothing here parses it again. */
export async function planOutbound(ctx: OutboundPlanDeps, job: OutboundJob): Promise<OutboundPlan> {
  switch (job.kind) {
    case 'case-update': {
      const u = job.body;
      return {
        kind: 'case-update',
        label: 'case-update',
        caseId: u.caseId,
        steps: [caseUpdateStep(ctx, job.idempotencyKey, u.caseId, { title: u.title, content: u.content, date: u.date, ...(u.stage !== undefined && { stage: u.stage }) })],
        finish: () => ctx.caseActivity.updated(u.caseId, ctx.now()),
      };
    }
    case 'milestone': {
      const m = job.body;
      return { kind: 'milestone', type: m.type, label: m.type, caseId: m.caseId, ...(await milestonePlan(ctx, job.idempotencyKey, m)) };
    }
  }
}

async function milestonePlan(ctx: OutboundPlanDeps, idempotencyKey: string, m: MilestoneOut): Promise<Pick<OutboundPlan, 'steps' | 'finish'>> {
  const nothing = async () => {};
  switch (m.type) {
    case 'contact-attempted':
      return { steps: [await actStep(ctx, m.caseId, 'contact-attempted', { attemptedAt: m.attemptedAt, ...(m.channel !== undefined && { channel: m.channel }) })], finish: nothing };
    case 'consult-complete':
      return { steps: [await actStep(ctx, m.caseId, 'consult-complete', { completedAt: m.completedAt })], finish: nothing };
    case 'declined': {
      const step = await actStep(ctx, m.caseId, 'decline', { reason: m.reason });
      return { steps: [step], finish: () => ctx.caseActivity.ended(m.caseId, step.invitationId) };
    }
    case 'closed': {
      const fee = m.feeOutcome === 'fee';
      const amount = fee && m.feeAmount !== undefined ? ` of ${usd.format(m.feeAmount)}` : '';
      const content = fee ? `The case closed with a fee${amount}.` : 'The case closed without a fee.';
      const step = caseUpdateStep(ctx, idempotencyKey, m.caseId, {
        title: fee ? 'Case closed with a fee' : 'Case closed without a fee',
        content: withNote(content, m.note),
        date: m.closedAt ?? ctx.now().toISOString(),
        stage: 'Closed',
      });
      // Ended by the case's current invitation (none known: a case Lexbridge never saw accepted).
      return { steps: [step], finish: async () => ctx.caseActivity.ended(m.caseId, (await ctx.cases.invitationOf(m.caseId)) ?? '') };
    }
    case 'retained': {
      const file = m.file;
      // Throws (naming mappings.case) when the firm declared no Case mapping.
      const caseMappingId = await ctx.mappingIds.idOf('case');
      const caseMapper = ctx.firmMappers.case;
      if (!caseMapper) throw new UnrecoverableError('the firm configuration declares no "case" mapping (mappings.case in the YAML); the retainer is uploaded through it');
      const upload: OutboundStep = {
        name: 'upload',
        what: `the retainer upload (${file.filename})`,
        send: async () => {
          const data = await ctx.uploads.read(file);
          const fields = flattenFields(caseMapper.toFirm({ _id: m.caseId }));
          return ctx.client.files.upload(caseMappingId, { data, filename: file.filename, contentType: file.contentType, fields }, { idempotent: false });
        },
      };
      const update = caseUpdateStep(ctx, idempotencyKey, m.caseId, {
        title: 'Client retained',
        content: withNote(`The client signed the retainer agreement (${file.filename}); it is uploaded to the case.`, m.note),
        date: m.retainedAt ?? ctx.now().toISOString(),
        stage: 'Retained',
      });
      return {
        steps: [upload, update],
        finish: async () => {
          await ctx.caseActivity.updated(m.caseId, ctx.now());
          await ctx.uploads.remove(file);
        },
      };
    }
  }
}

function withNote(content: string, note: string | undefined): string {
  return note === undefined ? content : `${content}\n\n${note}`;
}

/**
 * A case update, written in Lexamica's names and sent in the firm's (CaseUpdate mapping). It
 * carries its own `_id`, derived from the CMS's Idempotency-Key, so a resend after a lost answer
 * is the same update, not a second one (API profile: Lexamica treats a repeated update `_id` as
 * the same update); that makes the call safe to retry.
 */
function caseUpdateStep(ctx: OutboundPlanDeps, idempotencyKey: string, caseId: string, u: { title: string; content: string; date: string; stage?: string }): OutboundStep {
  const updateId = createHash('sha256').update(`${idempotencyKey}\u0000case-update`).digest('hex').slice(0, 24);
  return {
    name: 'case-update',
    what: 'the case update',
    send: async () => {
      const mappingId = await ctx.mappingIds.idOf('caseUpdate');
      const body = ctx.firmMappers.caseUpdate.toFirm({ _id: updateId, referral: { _id: caseId }, ...u, author: { firm: 'handler' } });
      return ctx.client.caseUpdates.send(mappingId, body, { idempotent: true });
    },
  };
}

/** An invitation call on the case's invitation, through the mapping the invitation arrived by. */
async function actStep(ctx: OutboundPlanDeps, caseId: string, action: InvitationActionName, body: Record<string, unknown>): Promise<OutboundStep & { invitationId: string }> {
  const invitationId = await ctx.cases.invitationOf(caseId);
  if (invitationId === undefined) {
    throw new UnrecoverableError(`no invitation is known for case ${caseId}: Lexbridge has not received a "Case Invitation Sent" for it`);
  }
  const mappingId = (await ctx.ledger.get(invitationId))?.mappingId ?? (await ctx.mappingIds.idOf('invitation'));
  return {
    name: `act:${action}`,
    what: `the ${action} call on invitation ${invitationId}`,
    invitationId,
    send: () => ctx.client.invitations.act({ mappingId, invitationId, action, body: ctx.invitations.toFirm(body) }, { idempotent: false }),
    ...(action === 'decline' && { alreadyDone: (err: unknown) => err instanceof LexamicaConflictError && err.state === 'declined' }),
  };
}

/** Multipart fields are flat: nested firm names become dot paths (`matter.id`). */
function flattenFields(value: Record<string, unknown>, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  for (const [k, v] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flattenFields(v as Record<string, unknown>, path, out);
    else if (v !== undefined) out[path] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}
