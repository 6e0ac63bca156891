/** What the console's routes are built from. */
import type { Feed } from '@lexbridge/core/feed';
import type { QueueSet } from '@lexbridge/core/jobs';
import type { DecisionMetrics, Ledger } from '@lexbridge/core/ledger';
import type { Keyspace, RedisClient } from '@lexbridge/infra/redis';
import type { AuditTrail } from '../../audit.js';
import type { SessionStore } from '../../console/session-store.js';
import type { ConsoleSettings } from '../../console/settings.js';
import type { IdentityDirectory } from '../../identity/identity-directory.js';

export interface ConsoleRoutesOptions {
  redis: RedisClient;
  keyspace: Keyspace;
  ledger: Ledger;
  queues: QueueSet;
  /** Where a person's decisions are counted (the same metrics as the API's decision route). */
  decisions: DecisionMetrics;
  feed: Feed;
  audit: AuditTrail;
  directory: IdentityDirectory;
  sessions: SessionStore;
  settings: ConsoleSettings;
  /** `always`: the session cookie is always `Secure`; `auto`: when the request came over HTTPS. */
  cookieSecure: 'auto' | 'always';
  /** How often the event stream looks for new feed items, ms. Default 1000. */
  streamPollMs?: number;
  now?: () => Date;
}

/** The OpenAPI security of the console's routes: its session cookie, or a bearer token. */
export const CONSOLE_SECURITY: ReadonlyArray<Record<string, readonly string[]>> = [{ consoleSession: [] }, { bearerAuth: [] }];
