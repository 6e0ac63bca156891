/**
 * What an operator sees of each action: one info line with the ids and the outcome (never client
 * data), and the metrics of how long it took and how close to expiry. The log lines carry service,
 * firm, jobId and traceId from the logger's correlation fields. Decisions: `observeDecision` in
 * `@lexbridge/core/ledger`, shared with the API, which counts a person's decisions.
 */
import { secondsBetween } from '@lexbridge/core/ledger';
import type { Logger } from '@lexbridge/infra/logger';
import type { ActionOutcome, ProcessorMetrics } from './metrics.js';

/** What {@link observeAction} reads of the record acted on. */
export interface ActionSeen {
  invitationId: string;
  action: string;
  sentAt?: string | undefined;
  /** ISO expiry when the answer went out. */
  expires: string;
}

/** Counts an action's outcome, logs it, and for an answer Lexamica took, its timing against sentAt and expiry. */
export function observeAction(ctx: { metrics: ProcessorMetrics; logger: Logger; now: () => Date }, a: ActionSeen, outcome: ActionOutcome): void {
  ctx.metrics.actions.inc({ action: a.action, outcome });
  const now = ctx.now().toISOString();
  const answered = outcome === 'sent' || outcome === 'confirmed';
  const sinceSent = answered ? secondsBetween(a.sentAt, now) : undefined;
  const margin = answered ? secondsBetween(now, a.expires) : undefined;
  if (sinceSent !== undefined) ctx.metrics.answerSeconds.observe({ action: a.action }, sinceSent);
  if (margin !== undefined) ctx.metrics.answerMarginSeconds.observe({ action: a.action }, Math.max(0, margin));
  const line = { invitationId: a.invitationId, action: a.action, outcome, sinceSentSeconds: sinceSent, expiryMarginSeconds: margin };
  if (answered) ctx.logger.info(line, 'invitation answered');
  else ctx.logger.warn(line, 'invitation action not taken');
}
