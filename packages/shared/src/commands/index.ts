/**
 * The Redis scripts of the domain core: one `<name>-<number of keys>.lua` file each in this folder,
 * shared fragments in `includes/`, loaded and defined by the one loader (`scriptSet`,
 * `@lexbridge/shared/redis`).
 */
import { scriptSet } from '../redis/index.js';

export const coreScripts = scriptSet(new URL('./', import.meta.url), [
  'appendFeedItem',
  'createLedgerRecord',
  'updateLedgerRecord',
  'purgeLedgerEntry',
  'reserveCapacity',
  'releaseCapacity',
  'beginIdempotentRequest',
  'completeIdempotentRequest',
  'abandonIdempotentRequest',
] as const);
