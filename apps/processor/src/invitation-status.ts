/**
 * How Lexamica's invitation statuses and lifecycle events relate to the ledger.
 */
import type { ApiProfile } from '@lexbridge/lexamica-client';
import type { InvitationAction } from '@lexbridge/core/jobs';
import type { LedgerState } from '@lexbridge/core/ledger';

/** The status Lexamica shows once an action we send has taken effect. */
export const STATUS_AFTER: Partial<Record<InvitationAction, string>> = {
  accept: 'accepted',
  decline: 'declined',
  evaluate: 'evaluating',
};

/** Where a record goes when Lexamica reports a status that is not open and not our answer. */
export function ledgerStateForStatus(status: string): LedgerState {
  if (status === 'expired') return 'expired';
  if (status === 'cancelled' || status === 'closed') return 'closed';
  return 'conflict';
}

/** A lifecycle event, by what it means for the invitation. */
export type LifecycleKind =
  | 'accepted'
  | 'declined'
  | 'cancelled'
  | 'expired'
  | 'evaluated'
  | 'contact-attempted'
  | 'consult-complete'
  | 'closed'
  | 'relay-stopped'
  | 'missing-info';

/** The lifecycle kind of an event name, through the profile's event names; undefined if none. */
export function lifecycleKind(event: string, profile: ApiProfile): LifecycleKind | undefined {
  const e = profile.events;
  const byName: Record<string, LifecycleKind> = {
    [e.invitationAccepted]: 'accepted',
    [e.invitationDeclined]: 'declined',
    [e.invitationCancelled]: 'cancelled',
    [e.invitationExpired]: 'expired',
    [e.invitationEvaluated]: 'evaluated',
    [e.invitationContactAttempted]: 'contact-attempted',
    [e.invitationConsultComplete]: 'consult-complete',
    [e.invitationClosed]: 'closed',
    [e.relayStopped]: 'relay-stopped',
    [e.missingInfo]: 'missing-info',
  };
  return byName[event];
}

/** The status an invitation has after a lifecycle event; undefined when the event does not change it. */
export const STATUS_OF_KIND: Record<LifecycleKind, string | undefined> = {
  accepted: 'accepted',
  declined: 'declined',
  cancelled: 'cancelled',
  expired: 'expired',
  evaluated: 'evaluating',
  closed: 'closed',
  'contact-attempted': undefined,
  'consult-complete': undefined,
  // The relay stopping withdraws the invitation: it is not open any more.
  'relay-stopped': 'cancelled',
  'missing-info': undefined,
};
