/**
 * What an operator sees of each decision and each action: one info line with the ids, the rule and
 * the outcome (never client data), and the metrics of how long it took and how close to expiry.
 * The log lines carry service, firm, jobId and traceId from the logger's correlation fields.
 */
import type { DecisionSource } from '@lexbridge/core/ledger';
import type { Logger } from '@lexbridge/infra/logger';
import type { ActionOutcome, ProcessorMetrics } from './metrics.js';

/** What {@link observeDecision} reads of a decision. */
export interface DecisionSeen {
  invitationId: string;
  action: string;
  source: DecisionSource;
  rule: string | null | undefined;
  /** When Lexamica sent the invitation (ISO), if known. */
  sentAt: string | undefined;
  /** When the decision was made (ISO). */
  decidedAt: string;
  /** The ledger state the decision leads to (`decided`, `manual`, `shadow`…). */
  state?: string;
}

/** Counts a decision, times it from `sentAt`, and logs it. */
export function observeDecision(ctx: { metrics: ProcessorMetrics; logger: Logger }, d: DecisionSeen): void {
  const rule = d.rule ?? (d.source === 'expiry-guard' ? '(guard)' : '(default)');
  ctx.metrics.decisions.inc({ action: d.action, source: d.source, rule });
  const seconds = secondsBetween(d.sentAt, d.decidedAt);
  if (seconds !== undefined) ctx.metrics.decisionSeconds.observe({ source: d.source }, seconds);
  ctx.logger.info({ invitationId: d.invitationId, action: d.action, source: d.source, rule, state: d.state, sinceSentSeconds: seconds }, 'invitation decided');
}

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

function secondsBetween(from: string | undefined, to: string): number | undefined {
  if (from === undefined) return undefined;
  const s = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(s) ? s : undefined;
}
