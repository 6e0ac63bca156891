/**
 * The Redis scripts of the domain core (ledger, feed, capacity): one `<name>-<number of keys>.lua` file each in this folder,
 * shared fragments in `includes/`, loaded and defined by the one loader (`scriptSet`,
 * `@lexbridge/infra/redis`).
 */
import { scriptSet } from '@lexbridge/infra/redis';

export const coreScripts = scriptSet(new URL('./', import.meta.url), [
  'appendFeedItem',
  'createLedgerRecord',
  'updateLedgerRecord',
  'purgeLedgerEntry',
  'claimEvents',
  'rememberEvents',
  'advanceCheckpoint',
  'reserveCapacity',
  'releaseCapacity',
] as const);
