/**
 * The rules evaluator: first match wins, every rule tried is traced.
 *
 * Why not json-rules-engine (the well-kept library for this): its `engine.run()` is async and runs
 * every rule by priority, emitting events, whereas a decision here must be a pure, synchronous
 * first-match with a trace; its condition shape (`fact`/`operator`/`value`, JSONPath via `path`)
 * would still need translating from our YAML, and it reports a bad rule when it runs, not at load
 * with the YAML path of the mistake. What we need beyond the zod schema is ~80 lines of plain code
 * with no dependency (and none can be installed now), so we keep this small evaluator.
 */
import { getPath } from '../mapping/index.js';
import { OPERATORS, type Condition, type FieldCondition, type RuleAction, type RulesConfig, type Scalar } from './rules-config.js';
import { isoToEpoch, resolveTimePoint } from './time-spec.js';

/** The outcome of the rules for one invitation. */
export interface Decision {
  action: RuleAction['action'];
  /** The decline reason. */
  reason?: string;
  /** The manual note, if the action has one. */
  note?: string;
  /** The rule that fired; null when none matched and the default applied. */
  rule: string | null;
  /** Every rule evaluated, in order (evaluation stops at the first match). */
  trace: { rule: string; matched: boolean }[];
  /** Set by {@link applyCapacity} when a capacity limit was checked for an accept. */
  capacity?: { caseType: string; used: number; limit: number };
}

/** A decision's action fields from a rule action (drops what the action does not carry). */
export function actionFields(a: RuleAction): Pick<Decision, 'action' | 'reason' | 'note'> {
  if (a.action === 'decline') return { action: a.action, reason: a.reason };
  if (a.action === 'manual' && a.note !== undefined) return { action: a.action, note: a.note };
  return { action: a.action };
}

function sameScalar(actual: unknown, expected: Scalar, ignoreCase: boolean | undefined): boolean {
  if (ignoreCase && typeof actual === 'string' && typeof expected === 'string') return actual.toLowerCase() === expected.toLowerCase();
  return actual === expected;
}

function epochOf(value: unknown): number {
  if (typeof value === 'string') return isoToEpoch(value);
  if (value instanceof Date) return value.getTime();
  return Number.NaN;
}

function matchField(c: FieldCondition, invitation: unknown, now: Date): boolean {
  const v = getPath(invitation, c.field);
  const op = OPERATORS.find((o) => o in c);
  const num = typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  switch (op) {
    case 'equals':
      return sameScalar(v, c.equals!, c.ignoreCase);
    case 'notEquals':
      return !sameScalar(v, c.notEquals!, c.ignoreCase);
    case 'in':
      return c.in!.some((x) => sameScalar(v, x, c.ignoreCase));
    case 'notIn':
      return !c.notIn!.some((x) => sameScalar(v, x, c.ignoreCase));
    case 'exists':
      return (v !== undefined && v !== null) === c.exists;
    case 'gt':
      return num !== undefined && num > c.gt!;
    case 'gte':
      return num !== undefined && num >= c.gte!;
    case 'lt':
      return num !== undefined && num < c.lt!;
    case 'lte':
      return num !== undefined && num <= c.lte!;
    // NaN compares false both ways: an unreadable date or bound never matches.
    case 'before':
      return epochOf(v) < resolveTimePoint(c.before!, now);
    case 'after':
      return epochOf(v) > resolveTimePoint(c.after!, now);
    default:
      // Only reachable with a condition that skipped parseRulesConfig; such a condition never matches.
      return false;
  }
}

/** Whether `condition` holds for `invitation` (Lexamica field paths) at `now`. Never throws. */
export function matchCondition(condition: Condition, invitation: unknown, now: Date): boolean {
  if ('all' in condition) return condition.all.every((c) => matchCondition(c, invitation, now));
  if ('any' in condition) return condition.any.some((c) => matchCondition(c, invitation, now));
  if ('not' in condition) return !matchCondition(condition.not, invitation, now);
  return matchField(condition, invitation, now);
}

/**
 * Decides on an invitation (read back into Lexamica field paths) by the firm's rules: the first
 * matching rule's action, else `cfg.default`. Pure; capacity is applied separately
 * ({@link applyCapacity}), and `cfg.shadow` is for the caller to honour.
 */
export function evaluateRules(cfg: Pick<RulesConfig, 'rules' | 'default'>, invitation: Record<string, unknown>, now: Date): Decision {
  const trace: Decision['trace'] = [];
  for (const rule of cfg.rules) {
    const matched = matchCondition(rule.when, invitation, now);
    trace.push({ rule: rule.name, matched });
    if (matched) return { ...actionFields(rule.then), rule: rule.name, trace };
  }
  return { ...actionFields(cfg.default), rule: null, trace };
}
