/** The invitation ledger's Redis keys, in one place: the ledger's scripts and the watchdog read the same ones. */
import type { Keyspace } from '@lexbridge/infra/redis';
import type { LedgerState } from './record.js';

export function ledgerKeys(keyspace: Keyspace) {
  return {
    /** One JSON string per invitation. */
    record: (id: string) => keyspace.key('ledger', 'inv', id),
    /** Invitations in `state`, scored by expiry (ms). */
    state: (s: LedgerState) => keyspace.key('ledger', 'state', s),
    /** Invitations in a watched `state`, scored by when they entered it (ms). */
    since: (s: LedgerState) => keyspace.key('ledger', 'since', s),
    /** Every invitation, scored by expiry (ms). */
    all: keyspace.key('ledger', 'by-expiry'),
    /** Final records, scored by when their retention ends (ms); members from {@link retentionMember}. */
    retention: keyspace.key('ledger', 'retention'),
  };
}

/**
 * A final record's member in the retention index: what the sweep needs to clear its indexes and
 * case link after the record itself has expired.
 */
export function retentionMember(r: { invitationId: string; state: LedgerState; caseId?: string | undefined }): string {
  return JSON.stringify([r.invitationId, r.state, r.caseId ?? '']);
}

export function parseRetentionMember(member: string): { invitationId: string; state: LedgerState; caseId: string | undefined } {
  const [invitationId, state, caseId] = JSON.parse(member) as [string, LedgerState, string];
  return { invitationId, state, caseId: caseId === '' ? undefined : caseId };
}
