/** Job ids derived from ledger records, shared by every producer of ledger work. */
import { jobIdFor } from '../jobs/index.js';
import type { LedgerRecord } from './record.js';

/**
 * The `invitation.act` job id for the record's current decision. One per decision (not per
 * invitation): an invitation can be decided more than once (evaluate, then a final answer), and
 * BullMQ keeps completed jobs, so a per-invitation id would silently swallow the second action.
 */
export function actJobId(r: Pick<LedgerRecord, 'invitationId' | 'decision'>): string {
  return jobIdFor('act', `${r.invitationId}@${r.decision?.decidedAt ?? ''}`);
}

/** The `invitation.expiry-guard` job id for an invitation and the expiry it guards. */
export function guardJobId(invitationId: string, expires: string): string {
  return jobIdFor('guard', `${invitationId}@${expires}`);
}
