/**
 * The firm's rules language: conditions on Lexamica field paths, first match wins, actions
 * accept / decline / evaluate / manual; daily capacity limits counted atomically in Redis; shadow
 * mode and expiry-guard plans. See example-rules.yaml for a full example.
 */
export {
  rulesConfigSchema,
  ruleActionSchema,
  conditionSchema,
  parseRulesConfig,
  fieldConditions,
  rulesSectionsOf,
  RULES_SECTIONS,
  RulesConfigError,
  DEFAULT_EXPIRY_GUARD,
  DEFAULT_WHEN_FULL,
  type RulesConfig,
  type Rule,
  type RuleAction,
  type Condition,
  type FieldCondition,
  type Scalar,
  type CapacityLimit,
  type GuardPlan,
} from './rules-config.js';
export { evaluateRules, matchCondition, type Decision } from './evaluate.js';
export { createCapacityCounter, applyCapacity, type CapacityCounter, type CapacityReservation } from './capacity.js';
export { describeDecision } from './describe-decision.js';
export { LEXAMICA_CASE_TYPES, caseTypeWarnings, type RulesWarning } from './case-types.js';
export { durationMsSchema, parseDuration, DURATION_HINT } from './time-spec.js';
