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
  };
}
