/**
 * Test harness: the API built on a real Redis under a key prefix of its own, with identities of
 * each role, and a `close()` that closes everything it opened and deletes the prefix's keys.
 */
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { createFeed } from '@lexbridge/core/feed';
import { QueueSet } from '@lexbridge/core/jobs';
import { createLedger } from '@lexbridge/core/ledger';
import { createLogger, type Logger } from '@lexbridge/infra/logger';
import { createKeyspace, createRedis } from '@lexbridge/infra/redis';
import { deleteKeys, redisUrl, uniquePrefix, waitFor } from '@lexbridge/testkit';
import { buildApp, type ApiLimits, type App } from '../src/app.js';
import type { ConsoleSettings } from '../src/console/settings.js';
import { tokenSha256, type IdentityConfig } from '../src/identity/identity-directory.js';
import { ROLES, type Role } from '../src/identity/roles.js';

/** The token of `tester`, an identity with every role (most tests are not about roles). */
export const TOKEN = 'test-token-0123456789abcdef';
/** `tester`'s second token: the one it rotates to. */
export const OTHER_TOKEN = 'second-token-0123456789abcdef';
export const AUTH = { authorization: `Bearer ${TOKEN}` } as const;

/** A token for an identity named after each role, holding only that role. */
export const ROLE_TOKENS: Readonly<Record<Role, string>> = {
  cms: 'cms-token-0123456789abcdef',
  intake: 'intake-token-0123456789abcdef',
  viewer: 'viewer-token-0123456789abcdef',
  admin: 'admin-token-0123456789abcdef',
};
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export const TEST_IDENTITIES: IdentityConfig[] = [
  { name: 'tester', roles: ROLES, tokenSha256: [tokenSha256(TOKEN), tokenSha256(OTHER_TOKEN)] },
  ...ROLES.map((role) => ({ name: role, roles: [role], tokenSha256: [tokenSha256(ROLE_TOKENS[role])] })),
];

export interface TestApiOptions {
  /** Redis to use (default: the run's Redis). */
  url?: string;
  /** Default: the API's, but a rate limit no test reaches by accident. */
  limits?: Partial<ApiLimits>;
  /** Called after the app is built and before it is ready (e.g. to add an onRoute hook). */
  beforeReady?: (app: FastifyInstance) => void;
  /** The app's logger (default: silent). */
  logger?: Logger;
  /** Default: {@link TEST_IDENTITIES}. */
  identities?: IdentityConfig[];
  /** Called once the connection is ready and before the app (and its queues) is built. */
  beforeBuild?: () => Promise<void> | void;
  /** The console's settings (default: the YAML defaults). */
  console?: ConsoleSettings;
  /** `API_TRUST_PROXY`, parsed (default: none). */
  trustProxy?: readonly string[];
  /** `CONSOLE_COOKIE_SECURE` (default: auto). */
  consoleCookieSecure?: 'auto' | 'always';
}

export async function createTestApi(opts: TestApiOptions = {}) {
  const url = opts.url ?? redisUrl();
  const prefix = uniquePrefix('api');
  const logger = opts.logger ?? createLogger({ name: 'api-test', level: 'silent' });
  const redis = createRedis(url, 'producer', logger);
  // A plain client for the test's own reads and the clean-up (not the one under test).
  const admin = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  admin.on('error', () => {});
  await waitFor(() => redis.status === 'ready', { message: 'redis connection ready' });
  await opts.beforeBuild?.();
  const keyspace = createKeyspace(prefix);
  const queues = new QueueSet(redis, keyspace, logger);
  // Tests walk the route table many times over with one identity: the rate limit is tested on its own.
  const limits = { ratePerMinute: 1_000_000, ...opts.limits };
  const app: App = buildApp({
    logger,
    redis,
    queues,
    identities: opts.identities ?? TEST_IDENTITIES,
    limits,
    consoleStreamPollMs: 50,
    ...(opts.console && { console: opts.console }),
    ...(opts.trustProxy && { trustProxy: opts.trustProxy }),
    ...(opts.consoleCookieSecure && { consoleCookieSecure: opts.consoleCookieSecure }),
  });
  opts.beforeReady?.(app as unknown as FastifyInstance);
  await app.ready();
  return {
    app,
    redis,
    admin,
    queues,
    keyspace,
    prefix,
    ledger: createLedger(admin, keyspace),
    feed: createFeed(admin, keyspace),
    async close() {
      await app.close();
      await queues.close();
      redis.disconnect();
      if (admin.status !== 'end') {
        // A test that stopped Redis leaves keys it cannot delete; say so rather than fail the close.
        await deleteKeys(admin, prefix).catch((err: unknown) => console.warn(`could not delete the test keys under ${prefix}: ${err instanceof Error ? err.message : String(err)}`));
        admin.disconnect();
      }
    },
  };
}

export type TestApi = Awaited<ReturnType<typeof createTestApi>>;
