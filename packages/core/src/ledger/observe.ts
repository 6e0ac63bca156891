/**
 * What an operator sees of each decision, wherever it is made: the rules' and the expiry guard's in
 * the processor, a person's in the API (`POST /v1/invitations/:id/decision` or the console). One
 * definition of `lexbridge_decisions_total{action, source, rule}`, of
 * `lexbridge_invitation_decision_seconds{source}` and of the info line "invitation decided", so
 * both services export the same series with the same help and the same label values.
 *
 * Here rather than in infra: the label values (sources, actions, the rule of a decision no rule
 * made) are the ledger's; infra knows nothing of decisions. Both apps already read the ledger.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Logger } from '@lexbridge/infra/logger';
import { zeroed } from '@lexbridge/infra/ops';
import type { DecisionSource } from './record.js';

/** The `rule` label of a decision no rule made: the default, the expiry guard, or a person. */
export const DECISION_RULE_OF: Readonly<Record<DecisionSource, string>> = { rules: '(default)', 'expiry-guard': '(guard)', manual: '(person)' };

/** The decision metrics, registered once per service by {@link createDecisionMetrics}. */
export interface DecisionMetrics {
  /** `lexbridge_decisions_total{action, source, rule}`; rule as {@link DECISION_RULE_OF} when no rule made it. */
  decisions: Counter<'action' | 'source' | 'rule'>;
  /** `lexbridge_invitation_decision_seconds{source}`: from the invitation's `sentAt` to its decision. */
  decisionSeconds: Histogram<'source'>;
}

// From seconds to days: invitations expire in hours to days.
/** Histogram buckets (seconds) for times measured from an invitation's `sentAt`: a second to three days. */
export const LATENCY_BUCKETS = [1, 5, 15, 30, 60, 300, 900, 1_800, 3_600, 4 * 3_600, 12 * 3_600, 86_400, 3 * 86_400];

/**
 * Registers the decision metrics on `registry`, every series known in advance at zero: the rules'
 * default for each action, the expiry guard's evaluate, and a person's accept, decline and evaluate.
 */
export function createDecisionMetrics(registry: Registry): DecisionMetrics {
  const registers = [registry];
  const decisions = new Counter({
    name: 'lexbridge_decisions_total',
    help: 'Invitation decisions, by action, source (rules and expiry-guard in the processor, manual in the API) and rule',
    labelNames: ['action', 'source', 'rule'],
    registers,
  });
  zeroed(decisions, { action: ['accept', 'decline', 'evaluate', 'manual'], source: ['rules'], rule: [DECISION_RULE_OF.rules] });
  zeroed(decisions, { action: ['evaluate'], source: ['expiry-guard'], rule: [DECISION_RULE_OF['expiry-guard']] });
  zeroed(decisions, { action: ['accept', 'decline', 'evaluate'], source: ['manual'], rule: [DECISION_RULE_OF.manual] });
  const decisionSeconds = new Histogram({
    name: 'lexbridge_invitation_decision_seconds',
    help: "Time from an invitation's sentAt to its decision, by source (rules, manual, expiry-guard)",
    labelNames: ['source'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  for (const source of Object.keys(DECISION_RULE_OF)) decisionSeconds.zero({ source });
  return { decisions, decisionSeconds };
}

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
  /** Who decided, for a person's decision: the API identity (a name from the firm's YAML, never client data). */
  by?: string | undefined;
}

/**
 * Counts a decision, times it from `sentAt`, and logs it: one info line with the ids, the rule, the
 * outcome and who decided, never the reason (a person's free text may name the client). Call it
 * once per decision: where the ledger's guarded transition that records it succeeded.
 */
export function observeDecision(ctx: { metrics: DecisionMetrics; logger: Pick<Logger, 'info'> }, d: DecisionSeen): void {
  const rule = d.rule ?? DECISION_RULE_OF[d.source];
  ctx.metrics.decisions.inc({ action: d.action, source: d.source, rule });
  const seconds = secondsBetween(d.sentAt, d.decidedAt);
  if (seconds !== undefined) ctx.metrics.decisionSeconds.observe({ source: d.source }, seconds);
  ctx.logger.info(
    { invitationId: d.invitationId, action: d.action, source: d.source, rule, state: d.state, sinceSentSeconds: seconds, ...(d.by !== undefined && { by: d.by }) },
    'invitation decided',
  );
}

/** Seconds from `from` to `to` (ISO times); undefined when `from` is unknown or either does not parse. */
export function secondsBetween(from: string | undefined, to: string): number | undefined {
  if (from === undefined) return undefined;
  const s = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(s) ? s : undefined;
}
