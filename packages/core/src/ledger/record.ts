/**
 * The invitation ledger's record: what Lexbridge knows and did about one case invitation.
 */
import type { FeedItem } from '../feed/index.js';
import type { Decision } from '../rules/index.js';
import type { CaseFacts } from './facts.js';

/**
 * - `received`: read and recorded, no decision yet.
 * - `decided`: a decision to send (accept, decline, evaluate); the action is sent only from here.
 * - `acting`: the action is being sent; a retry that finds this state reads Lexamica back first.
 * - `done`: Lexamica has our answer.
 * - `manual`: waiting for a person (rules said manual, or the invitation is being evaluated).
 * - `shadow`: decided in shadow mode; nothing is sent.
 * - `expired`: ran out before an answer was sent; never acted on.
 * - `failed`: the action could not be sent (final error); replaying the job reads Lexamica back.
 * - `closed`: cancelled or closed by Lexamica, or answered outside Lexbridge.
 * - `conflict`: Lexamica refused the action (409) with a state we did not intend; recorded, not retried.
 */
export const LEDGER_STATES = ['received', 'decided', 'acting', 'done', 'manual', 'shadow', 'expired', 'failed', 'closed', 'conflict'] as const;
export type LedgerState = (typeof LEDGER_STATES)[number];

/** States in which nothing more will happen to the invitation. */
export const FINAL_LEDGER_STATES: readonly LedgerState[] = ['done', 'expired', 'closed', 'conflict'];

/**
 * States in which something is still to happen (evaluating is `manual` with Lexamica status
 * `evaluating`): the ledger remembers when a record entered one, and the watchdog alerts on a
 * record that stays past its deadline. `failed` is not among them: it already ended in a failed
 * job and an `invitation.action-failed` item, and waits for a replay.
 */
export const WATCHED_STATES = ['received', 'decided', 'acting', 'manual', 'shadow'] as const;
export type WatchedState = (typeof WATCHED_STATES)[number];

export function isWatched(state: LedgerState): state is WatchedState {
  return (WATCHED_STATES as readonly string[]).includes(state);
}

/** Where a decision came from. */
export type DecisionSource = 'rules' | 'manual' | 'expiry-guard';

/** A decision as the ledger keeps it: the rules' decision plus where and when it was made. */
export type LedgerDecision = Decision & {
  source: DecisionSource;
  /** ISO time; with the invitation id, identifies this decision (job ids and feed ids use it). */
  decidedAt: string;
  /** Who decided, for manual decisions: the API identity whose token made the request. */
  by?: string;
  /** For a decision relayed by the CMS: the person it names as having decided. */
  onBehalfOf?: string;
};

export interface LedgerHistoryEntry {
  at: string;
  state: LedgerState;
  note?: string;
}

export interface LedgerRecord {
  invitationId: string;
  state: LedgerState;
  /** The stored event (`Case Invitation Sent`) that created the record. */
  eventId: string;
  /** The Lexamica mapping id the invitation arrived through: actions are sent through it. */
  mappingId?: string;
  /** Lexamica's case (`referral._id`) the invitation is about: status updates and milestones name it. */
  caseId?: string;
  caseType?: string;
  /** What the case is about, in Lexamica's field names (no client contact details unless the firm keeps them). */
  facts?: CaseFacts;
  /** ISO expiry as Lexamica last told us (an evaluation extends it). */
  expires: string;
  /** ISO time Lexamica sent the invitation (absent on records created before it was kept). */
  sentAt?: string;
  /** Lexamica's invitation status as last seen (payload, read-back, 409 body or lifecycle event). */
  lexamicaStatus?: string;
  decision?: LedgerDecision;
  lastError?: string;
  /** How many times an action was started (decided → acting, or a resend after read-back). */
  attempts: number;
  /**
   * Incremented by every change; a change is written only while the stored record still has the
   * version it was computed from. Absent on records written before it existed (read as 0).
   */
  version?: number;
  createdAt: string;
  updatedAt: string;
  history: LedgerHistoryEntry[];
}

/** What is known when an invitation is first recorded. */
export type ReceiveInput = Pick<LedgerRecord, 'invitationId' | 'eventId' | 'expires'> &
  Partial<Pick<LedgerRecord, 'mappingId' | 'caseId' | 'caseType' | 'lexamicaStatus' | 'facts'>> & {
    /** Initial state (default `received`); a lifecycle event for an unknown invitation may record it as `closed` or `expired`. */
    state?: LedgerState;
    note?: string;
    /**
     * When Lexamica sent the invitation (ISO). With `caseId`, the same script links the case to
     * the invitation in the case index (`CaseIndex.invitationOf`), on every call.
     */
    sentAt?: string;
  };

/** Fields a transition may change besides the state. */
export type LedgerPatch = Partial<Pick<LedgerRecord, 'decision' | 'lexamicaStatus' | 'lastError' | 'expires' | 'mappingId' | 'caseId' | 'caseType'>>;

/** A guarded state change. */
export interface Transition {
  /** The states the record must be in; anything else throws {@link LedgerTransitionError}. */
  from: readonly LedgerState[];
  to: LedgerState;
  patch?: LedgerPatch;
  /** Appended to the history with the new state. */
  note?: string;
  /** Count an action attempt (default false). */
  countAttempt?: boolean;
  /**
   * The feed item that reports the change, built from the record as changed: appended (once per
   * item id) by the same script that writes the change. Needs a ledger created with a feed.
   */
  announce?: (next: LedgerRecord) => FeedItem;
}

/** The record is not in a state that allows the change; `state` is the state it is in. */
export class LedgerTransitionError extends Error {
  override readonly name = 'LedgerTransitionError';
  constructor(
    readonly invitationId: string,
    readonly state: LedgerState,
    readonly wanted?: LedgerState,
  ) {
    super(`invitation ${invitationId} is ${state}${wanted ? `; cannot move to ${wanted}` : ''}`);
  }
}

/** No ledger record for the invitation. */
export class LedgerNotFoundError extends Error {
  override readonly name = 'LedgerNotFoundError';
  constructor(readonly invitationId: string) {
    super(`no ledger record for invitation ${invitationId}`);
  }
}
