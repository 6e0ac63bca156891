/**
 * Configuration from the environment: shared zod pieces that each app combines into its own
 * schema, parsed once at start. A bad or missing variable stops start-up with a message naming it.
 * Only an app's `config.ts` reads the environment; everything else receives the parsed result.
 */
import { z } from 'zod';
import type { ErrorKind } from '../errors/index.js';

/** Thrown when the environment does not satisfy an app's schema; lists every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** For {@link errorKind}. */
  get kind(): ErrorKind {
    return 'config';
  }
  constructor(readonly problems: ReadonlyArray<{ variable: string; message: string }>) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n')}`);
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A whole number from a string, with bounds; empty strings count as unset. */
export function intVar(opts: { default: number; min?: number; max?: number }) {
  return z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce
      .number({ error: 'must be a whole number' })
      .int('must be a whole number')
      .min(opts.min ?? 0, `must be at least ${opts.min ?? 0}`)
      .max(opts.max ?? Number.MAX_SAFE_INTEGER, `must be at most ${opts.max ?? Number.MAX_SAFE_INTEGER}`)
      .default(opts.default),
  );
}

/** `true/false/1/0/yes/no`, case-insensitive. */
export function boolVar(def: boolean) {
  return z.preprocess(
    (v) => (v === '' || v === undefined ? undefined : String(v).toLowerCase()),
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
      .default(def ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  );
}

function urlVar(protocols: RegExp, what: string) {
  return z.string({ error: 'is required' }).trim().min(1, 'is required').refine((v) => {
    try {
      return protocols.test(new URL(v).protocol);
    } catch {
      return false;
    }
  }, `must be a ${what} URL`);
}

const required = (what = 'is required') => z.string({ error: what }).trim().min(1, what);

/** Redis connection and the key namespace every service shares. */
export const redisEnv = {
  REDIS_URL: urlVar(/^rediss?:$/, 'redis:// or rediss://').default('redis://127.0.0.1:6379'),
  /** Prefix of every Redis key Lexbridge writes, so several installations can share one Redis. */
  REDIS_PREFIX: z.string().trim().regex(/^[A-Za-z0-9_:-]+$/, 'may contain letters, digits, _, - and : only').default('lexbridge'),
  /**
   * How long a service waits at start for Redis to answer (and finish loading its data) before it
   * exits with an error naming REDIS_URL: a wrong URL, password or TLS setting fails visibly.
   */
  REDIS_STARTUP_TIMEOUT_MS: intVar({ default: 60_000, min: 1_000, max: 3_600_000 }),
};

export const logEnv = {
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
};

/** Where the firm's YAML lives: mappings, subscriptions, rules, CMS delivery. */
export const firmConfigEnv = {
  LEXBRIDGE_CONFIG: z.string().trim().min(1).default('./lexbridge.yaml'),
};

/** Whole days, optional (unset: the firm YAML's `retention`, else the default). */
const optionalDays = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z.coerce.number({ error: 'must be a whole number of days' }).int('must be a whole number of days').min(1, 'must be at least 1 day').max(3_650, 'must be at most 3650 days').optional(),
);

/**
 * Retention overrides (docs/security.md): each wins over the firm YAML's `retention` section. A
 * variable spelt `RETENTION_…` that is not one of these stops start-up ({@link parseEnv}), so a typo
 * does not leave the default in force unnoticed.
 */
export const retentionEnv = {
  /** Ledger records and case links, after their final state. */
  RETENTION_RECORDS_DAYS: optionalDays,
  /** CMS feed items. */
  RETENTION_FEED_DAYS: optionalDays,
  /** Completed and failed jobs. */
  RETENTION_JOBS_DAYS: optionalDays,
};

/** Lexamica credentials and API root. */
export const lexamicaEnv = {
  LEXAMICA_BASE_URL: urlVar(/^https?:$/, 'http:// or https://'),
  LEXAMICA_ORG_ID: required(),
  LEXAMICA_PUBLIC_KEY: required(),
  LEXAMICA_PRIVATE_KEY: required(),
  /** Per-call timeout for Lexamica requests. */
  LEXAMICA_TIMEOUT_MS: intVar({ default: 15_000, min: 100, max: 300_000 }),
};

export const pollEnv = {
  POLL_INTERVAL_MS: intVar({ default: 60_000, min: 50, max: 86_400_000 }),
  POLL_OVERLAP_MS: intVar({ default: 300_000, min: 0, max: 7 * 86_400_000 }),
  /** Reconciliation sweep: how often, and how far back it re-reads. */
  RECONCILE_INTERVAL_MS: intVar({ default: 3_600_000, min: 1_000, max: 7 * 86_400_000 }),
  RECONCILE_WINDOW_MS: intVar({ default: 86_400_000, min: 1_000, max: 90 * 86_400_000 }),
  /**
   * Where the first poll starts when there is no checkpoint yet (ms before now). A week: longer than
   * an invitation stays open in Lexamica's examples (24 to 48 hours, or a week), so a first start
   * misses none that can still be answered. What lies before it is announced on the feed.
   */
  POLL_INITIAL_LOOKBACK_MS: intVar({ default: 7 * 86_400_000, min: 0, max: 90 * 86_400_000 }),
  /**
   * How long Lexamica keeps stored events (its guide: 30 to 90 days). A checkpoint older than this
   * means events may be gone unread: the poller announces the gap.
   */
  LEXAMICA_RETENTION_MS: intVar({ default: 30 * 86_400_000, min: 86_400_000, max: 365 * 86_400_000 }),
};

export const apiEnv = {
  API_PORT: intVar({ default: 3000, min: 0, max: 65_535 }),
  API_HOST: z.string().trim().min(1).default('127.0.0.1'),
  /**
   * Deprecated: comma-separated bearer tokens, each with every role. Named identities with roles
   * live in the firm's YAML (`api.identities`); this stays for installations that have not moved.
   */
  API_TOKENS: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (v === undefined) return undefined;
        const tokens = v.split(',').map((t) => t.trim()).filter(Boolean);
        if (tokens.length === 0 || tokens.some((t) => t.length < 16)) {
          ctx.addIssue({ code: 'custom', message: 'each token must be at least 16 characters' });
          return z.NEVER;
        }
        return tokens;
      }),
  ),
};

/** The webhook receiver's secret and listener (the port is `webhooks.port` in the YAML). */
export const receiverEnv = {
  /** The secret Lexamica signs webhook deliveries with (HMAC-SHA256); required by the receiver and by `lexbridge setup` when `webhooks.url` is set. */
  LEXAMICA_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** The secret before a rotation, still accepted until every delivery uses the new one. */
  LEXAMICA_WEBHOOK_SECRET_PREVIOUS: z.string().min(16, 'must be at least 16 characters').optional(),
  RECEIVER_HOST: z.string().min(1).default('127.0.0.1'),
};

export const cmsEnv = {
  CMS_WEBHOOK_URL: urlVar(/^https?:$/, 'http:// or https://').optional(),
  CMS_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
};

/** The health and metrics port of a worker service (each service has its own default port). */
export function opsEnv(defaultPort: number) {
  return {
    OPS_PORT: intVar({ default: defaultPort, min: 0, max: 65_535 }),
    OPS_HOST: z.string().trim().min(1).default('127.0.0.1'),
  };
}

/**
 * Parses `env` against `shape`. Throws {@link ConfigError} naming every variable that is missing or
 * wrong. Values are never echoed back (they may be secrets).
 */
export function parseEnv<S extends z.ZodRawShape>(shape: S, env: Record<string, string | undefined>): z.infer<z.ZodObject<S>> {
  const result = z.object(shape).safeParse(env);
  const known = Object.keys(retentionEnv);
  const misspelt = Object.keys(shape).some((k) => known.includes(k))
    ? Object.keys(env)
        .filter((k) => k.startsWith('RETENTION_') && !known.includes(k))
        .map((variable) => ({ variable, message: `is not a setting; the retention variables are ${known.join(', ')}` }))
    : [];
  if (result.success && misspelt.length === 0) return result.data as z.infer<z.ZodObject<S>>;
  throw new ConfigError([...(result.success ? [] : result.error.issues.map((i) => ({ variable: String(i.path[0] ?? '(root)'), message: i.message }))), ...misspelt]);
}
