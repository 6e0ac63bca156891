/**
 * `outbound.send`: a status update or milestone from the CMS, sent to Lexamica (see
 * outbound/outbound-plan.ts for what each kind sends).
 *
 * Exactly-once as far as Lexamica allows: it publishes no idempotency for these POSTs, so each step
 * is recorded per job in Redis (`sending` → `sent`, outbound/outbound-steps.ts) and a retry skips
 * what was sent. Calls go out with `idempotent: false`, so the client itself retries only 429 and
 * refused connections. Failures:
 * - 429: the step is forgotten and the error rethrown; the worker pauses the queue for Retry-After.
 * - other 4xx (a 409 included): refused, never retried: `UnrecoverableError` with the status and
 *   Lexamica's message. A decline refused because the invitation is already declined counts as sent.
 * - 5xx, timeout, network: the job retries on BullMQ's backoff and sends the step again. If Lexamica
 *   had in fact stored it before failing, the note is duplicated: the lesser harm than losing it.
 * `outbound.sent` is announced on success; `outbound.failed` once no retry is left.
 */
import { UnrecoverableError } from 'bullmq';
import { configurationProblem, isRetryable, LexamicaConflictError, LexamicaHttpError, LexamicaNetworkError } from '@lexbridge/lexamica-client';
import type { Handler, JobContext } from '@lexbridge/core/jobs';
import { outboundItem, type OutboundSummary } from '../announce.js';
import type { ProcessorContext } from '../context.js';
import { planOutbound, type OutboundPlanDeps, type OutboundStep } from '../outbound/outbound-plan.js';
import { errorKind } from '@lexbridge/infra/errors';

/** What this module uses of the processor's context. */
export type OutboundSendDeps = Pick<ProcessorContext, 'announcer' | 'metrics' | 'now' | 'outboundSteps'> & OutboundPlanDeps;

export function createOutboundSendHandler(ctx: OutboundSendDeps): Handler<'outbound.send'> {
  return async (job, jc) => {
    const bodyCaseId = job.body['caseId'];
    const summary: OutboundSummary = {
      outboundId: jc.jobId,
      kind: job.kind,
      // Known even when the body cannot be read, so the CMS can tell which case failed.
      ...(typeof bodyCaseId === 'string' && { caseId: bodyCaseId }),
      idempotencyKey: job.idempotencyKey,
    };
    let label = job.kind as string;
    try {
      const plan = await planOutbound(ctx, job);
      Object.assign(summary, { caseId: plan.caseId, ...(plan.type !== undefined && { type: plan.type }) });
      label = plan.label;
      for (const step of plan.steps) await runStep(ctx, jc, step);
      await plan.finish();
    } catch (raw) {
      // A refusal outside a step (listing the mappings with a rejected key) is final too.
      const err = isRefusal(raw) ? new UnrecoverableError(`Lexamica refused: ${configurationProblem(raw) ?? (raw as Error).message}`) : raw;
      const outcome = await failed(ctx, jc, summary, err);
      ctx.metrics.outbound.inc({ kind: label, outcome });
      throw err;
    }
    ctx.metrics.outbound.inc({ kind: label, outcome: 'sent' });
    await ctx.announcer.announce(outboundItem('outbound.sent', summary, ctx.now()));
    jc.logger.info({ kind: label, caseId: summary.caseId }, 'outbound sent to Lexamica');
    return 'sent';
  };
}

async function runStep(ctx: OutboundSendDeps, jc: JobContext, step: OutboundStep): Promise<void> {
  const before = await ctx.outboundSteps.get(jc.jobId, step.name);
  if (before?.state === 'sent') {
    jc.logger.info({ step: step.name, sentInAttempt: before.attempt }, 'already sent by an earlier attempt; not sending again');
    return;
  }
  if (before?.state === 'sending') {
    jc.logger.warn({ step: step.name, attempt: before.attempt }, 'an earlier attempt may or may not have reached Lexamica; sending again');
  }
  await ctx.outboundSteps.mark(jc.jobId, step.name, 'sending', jc.attempt);
  try {
    await step.send();
  } catch (err) {
    if (step.alreadyDone?.(err)) {
      jc.logger.info({ step: step.name }, 'Lexamica says it had already taken effect');
    } else {
      // Refused (429, 4xx) or never reached Lexamica: it did not take effect, nothing to be unsure of.
      const notTaken = err instanceof LexamicaHttpError ? err.status < 500 : err instanceof LexamicaNetworkError && err.code === 'ECONNREFUSED';
      if (notTaken) await ctx.outboundSteps.clear(jc.jobId, step.name);
      throw describe(step, err);
    }
  }
  await ctx.outboundSteps.mark(jc.jobId, step.name, 'sent', jc.attempt);
}

/** A 4xx other than 408/429: Lexamica refused it and will refuse it again. */
function isRefusal(err: unknown): boolean {
  return err instanceof LexamicaHttpError && !isRetryable(err);
}

/** The error with a message that says what was not sent and why; 429 passes through untouched. */
function describe(step: OutboundStep, err: unknown): unknown {
  if (errorKind(err) === 'rate-limited') return err;
  if (err instanceof LexamicaConflictError) {
    return new UnrecoverableError(`Lexamica refused ${step.what}: the invitation is ${err.state ?? 'not open'} (${err.message})`);
  }
  if (isRefusal(err)) return new UnrecoverableError(`Lexamica refused ${step.what} with HTTP ${(err as LexamicaHttpError).status}: ${configurationProblem(err) ?? (err as Error).message}`);
  if (err instanceof Error && !(err instanceof UnrecoverableError)) return new Error(`${step.what} was not sent: ${err.message}`, { cause: err });
  return err;
}

/** Counts the failure and announces `outbound.failed` when no retry is left; returns the metric outcome. */
async function failed(ctx: OutboundSendDeps, jc: JobContext, summary: OutboundSummary, err: unknown): Promise<'failed' | 'retry' | 'rate-limited'> {
  if (errorKind(err) === 'rate-limited') return 'rate-limited';
  const final = err instanceof UnrecoverableError || jc.attempt >= jc.maxAttempts;
  if (!final) return 'retry';
  const message = err instanceof Error ? err.message : String(err);
  try {
    await ctx.announcer.announce(outboundItem('outbound.failed', summary, ctx.now(), message));
  } catch (announceErr) {
    // The job's failed state still records the reason for GET /v1/outbound/:id.
    jc.logger.error({ err: announceErr }, 'could not announce outbound.failed');
  }
  return 'failed';
}
