/**
 * The invitation ledger: the record that makes Lexamica actions exactly-once (an action is sent
 * only from `decided`; a retry that finds `acting` reads Lexamica back first).
 */
export {
  LEDGER_STATES,
  FINAL_LEDGER_STATES,
  WATCHED_STATES,
  isWatched,
  type WatchedState,
  LedgerTransitionError,
  LedgerNotFoundError,
  type LedgerState,
  type LedgerRecord,
  type LedgerDecision,
  type LedgerHistoryEntry,
  type LedgerPatch,
  type DecisionSource,
  type ReceiveInput,
  type Transition,
} from './record.js';
export {
  createLedger,
  BEGIN_ACT,
  decisionTransition,
  LedgerCursorError,
  type Ledger,
  type LedgerListFilter,
  type LedgerOptions,
  type ManualDecision,
} from './ledger.js';
export { actJobId, guardJobId } from './job-ids.js';
export { createCaseIndex, type CaseIndex } from './case-index.js';
export { findStuck, formatDuration, watchdogConfigSchema, DEFAULT_WATCHDOG, type StuckRecord, type WatchdogPolicy } from './stuck.js';
export { caseActivityKeys, ledgerKeys } from './keys.js';
export { caseFactsOf, caseFactsSchema, invitationFromFacts, type CaseFacts } from './facts.js';
export { DEFAULT_RETENTION, retentionConfigSchema, retentionPolicy, type RetentionConfig, type RetentionEnv, type RetentionPolicy } from './retention.js';
export { purgeCase, type PurgeCaseDeps, type PurgeCaseReport } from './purge.js';
export { createDecisionMetrics, observeDecision, secondsBetween, DECISION_RULE_OF, LATENCY_BUCKETS, type DecisionMetrics, type DecisionSeen } from './observe.js';
export { DEFAULT_STATUS_SYNC, dueAtMs, statusSyncConfigSchema, warnBeforeMs, type StatusSyncSettings } from './status-sync.js';
