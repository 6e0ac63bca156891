/**
 * Configuration from the environment: shared zod pieces that each app combines into its own
 * schema, parsed once at start. A bad or missing variable stops start-up with a message naming it.
 * Only an app's `config.ts` reads the environment; everything else receives the parsed result.
 */
import { readFileSync } from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import type { RedisConnectionSettings } from '../redis/settings.js';
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

/** A PEM file read at start: missing, unreadable or not PEM stops start-up naming the variable. */
function pemFileVar(kind: 'certificate' | 'private key') {
  return z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .trim()
      .optional()
      .transform((path, ctx) => {
        if (path === undefined) return undefined;
        let pem: string;
        try {
          pem = readFileSync(path, 'utf8');
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
          return z.NEVER;
        }
        try {
          if (kind === 'certificate') new X509Certificate(pem);
          else createPrivateKey(pem);
        } catch {
          ctx.addIssue({ code: 'custom', message: `${path} is not a PEM ${kind}` });
          return z.NEVER;
        }
        return pem;
      }),
  );
}

const optionalText = z.preprocess((v) => (v === '' ? undefined : v), z.string().trim().min(1).optional());

/** `host:port,host:port`. */
const hostPortList = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      const nodes = v.split(',').map((p) => p.trim()).filter(Boolean).map((p) => /^(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/.exec(p));
      if (nodes.length === 0 || nodes.some((m) => m === null || Number(m[2]) < 1 || Number(m[2]) > 65_535)) {
        ctx.addIssue({ code: 'custom', message: 'must be host:port pairs separated by commas, e.g. sentinel-1:26379,sentinel-2:26379' });
        return z.NEVER;
      }
      return nodes.map((m) => ({ host: m![1]!.replace(/^\[|\]$/g, ''), port: Number(m![2]) }));
    }),
);

/** The names of address ranges a proxy list may use besides addresses and CIDRs. */
const ADDRESS_RANGES = ['loopback', 'linklocal', 'uniquelocal'] as const;

function isAddressOrRange(entry: string): boolean {
  if ((ADDRESS_RANGES as readonly string[]).includes(entry)) return true;
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * Addresses a service trusts as its proxies: IPs, CIDRs (`10.0.0.0/8`, `fd00::/8`) and the names
 * `loopback`, `linklocal`, `uniquelocal`, comma-separated; unset or empty, none. Never "every
 * address" (`true`, `*`) nor a hop count: a client that reaches the service directly could then
 * claim any address and protocol in `X-Forwarded-*`.
 */
export function addressListVar() {
  return z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (v === undefined) return undefined;
        const entries = v.split(',').map((e) => e.trim()).filter(Boolean);
        const bad = entries.flatMap((e, i) => (isAddressOrRange(e) ? [] : [i + 1]));
        if (bad.length > 0 || entries.length === 0) {
          const named = bad.length > 0 ? ` (entry ${bad.join(', ')} is not)` : '';
          ctx.addIssue({ code: 'custom', message: `must list the proxies' addresses: IPs or CIDRs (10.0.0.0/8, fd00::/8) or ${ADDRESS_RANGES.join(', ')}, comma-separated${named}; trusting every address would let any client set X-Forwarded-Proto` });
          return z.NEVER;
        }
        return entries;
      }),
  );
}

/** Redis connection and the key namespace every service shares. */
export const redisEnv = {
  REDIS_URL: urlVar(/^rediss?:$/, 'redis:// or rediss://').default('redis://127.0.0.1:6379'),
  /**
   * Prefix of every Redis key Lexbridge writes, so several installations can share one Redis. May
   * carry a hash tag (`{lexbridge}`); with REDIS_CLUSTER it is wrapped in one when it has none.
   */
  REDIS_PREFIX: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_:{}-]+$/, 'may contain letters, digits, _, -, : and one {hash tag} only')
    .refine((v) => /^[^{}]*(\{[^{}]+\}[^{}]*)?$/.test(v), 'may carry one {hash tag} at most, with something between the braces')
    .default('lexbridge'),
  /**
   * How long a service waits at start for Redis to answer (and finish loading its data) before it
   * exits with an error naming REDIS_URL: a wrong URL, password or TLS setting fails visibly.
   */
  REDIS_STARTUP_TIMEOUT_MS: intVar({ default: 60_000, min: 1_000, max: 3_600_000 }),
  /** With `rediss://`: the CA that signed the server's certificate (PEM); default the system's CAs. */
  REDIS_TLS_CA_FILE: pemFileVar('certificate'),
  /** With `rediss://`: a client certificate and its key (PEM), for servers that require one. */
  REDIS_TLS_CERT_FILE: pemFileVar('certificate'),
  REDIS_TLS_KEY_FILE: pemFileVar('private key'),
  /** With `rediss://`: the name the server's certificate must carry, when it is not REDIS_URL's host. */
  REDIS_TLS_SERVERNAME: optionalText,
  /** Sentinel: the sentinels (`host:port,…`); REDIS_URL then gives only the password and database. */
  REDIS_SENTINELS: hostPortList,
  /** Sentinel: the master's name in the sentinels' configuration (`sentinel monitor <name> …`). */
  REDIS_SENTINEL_MASTER: optionalText,
  /** Sentinel: the sentinels' own password (`requirepass` on the sentinels), when they have one. */
  REDIS_SENTINEL_PASSWORD: optionalText,
  /** Cluster mode: REDIS_URL is one node of a Redis Cluster; every key carries one hash tag. */
  REDIS_CLUSTER: boolVar(false),
};

type RedisEnv = z.infer<z.ZodObject<typeof redisEnv>>;

/**
 * The connection settings every Redis connection of a service is built from, with the checks that
 * span several variables (TLS needs `rediss://`, a certificate needs its key, Sentinel needs a
 * master name, Sentinel and cluster exclude each other). Throws {@link ConfigError} naming them.
 */
export function redisSettingsFromEnv(env: RedisEnv): RedisConnectionSettings {
  const problems: Array<{ variable: string; message: string }> = [];
  const tls = env.REDIS_URL.startsWith('rediss:');
  if (!tls) {
    for (const v of ['REDIS_TLS_CA_FILE', 'REDIS_TLS_CERT_FILE', 'REDIS_TLS_KEY_FILE', 'REDIS_TLS_SERVERNAME'] as const) {
      if (env[v] !== undefined) problems.push({ variable: v, message: 'is set but REDIS_URL is redis://; TLS needs a rediss:// URL' });
    }
  }
  if ((env.REDIS_TLS_CERT_FILE === undefined) !== (env.REDIS_TLS_KEY_FILE === undefined)) {
    const missing = env.REDIS_TLS_CERT_FILE === undefined ? 'REDIS_TLS_CERT_FILE' : 'REDIS_TLS_KEY_FILE';
    problems.push({ variable: missing, message: 'is required with the other of REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE (a client certificate needs its key)' });
  }
  if (env.REDIS_SENTINELS !== undefined && env.REDIS_SENTINEL_MASTER === undefined) {
    problems.push({ variable: 'REDIS_SENTINEL_MASTER', message: 'is required when REDIS_SENTINELS is set (the name in `sentinel monitor <name> …`)' });
  }
  if (env.REDIS_SENTINELS === undefined) {
    for (const v of ['REDIS_SENTINEL_MASTER', 'REDIS_SENTINEL_PASSWORD'] as const) {
      if (env[v] !== undefined) problems.push({ variable: v, message: 'is set but REDIS_SENTINELS is not; set the sentinels, or remove it' });
    }
  }
  if (env.REDIS_CLUSTER && env.REDIS_SENTINELS !== undefined) {
    problems.push({ variable: 'REDIS_CLUSTER', message: 'cannot be combined with REDIS_SENTINELS (a cluster fails over by itself)' });
  }
  if (env.REDIS_CLUSTER && !/^rediss?:\/\/[^/]*\/?(0)?$/.test(env.REDIS_URL)) {
    problems.push({ variable: 'REDIS_URL', message: 'must not name a database with REDIS_CLUSTER (a cluster has database 0 only)' });
  }
  if (problems.length) throw new ConfigError(problems);
  return {
    url: env.REDIS_URL,
    ...(tls && {
      tls: {
        ...(env.REDIS_TLS_CA_FILE !== undefined && { ca: env.REDIS_TLS_CA_FILE }),
        ...(env.REDIS_TLS_CERT_FILE !== undefined && { cert: env.REDIS_TLS_CERT_FILE }),
        ...(env.REDIS_TLS_KEY_FILE !== undefined && { key: env.REDIS_TLS_KEY_FILE }),
        ...(env.REDIS_TLS_SERVERNAME !== undefined && { servername: env.REDIS_TLS_SERVERNAME }),
      },
    }),
    ...(env.REDIS_SENTINELS !== undefined &&
      env.REDIS_SENTINEL_MASTER !== undefined && {
        sentinel: {
          sentinels: env.REDIS_SENTINELS,
          masterName: env.REDIS_SENTINEL_MASTER,
          ...(env.REDIS_SENTINEL_PASSWORD !== undefined && { password: env.REDIS_SENTINEL_PASSWORD }),
        },
      }),
    ...(env.REDIS_CLUSTER && { cluster: true }),
  };
}

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
 * OpenTelemetry tracing, in the SDK's own variables: on when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set or `OTEL_TRACES_EXPORTER=otlp`, off when
 * `OTEL_SDK_DISABLED=true`. The OTLP exporter reads its other `OTEL_EXPORTER_OTLP_*` variables itself.
 */
export const tracingEnv = {
  OTEL_SDK_DISABLED: boolVar(false),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().trim().optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.string().trim().optional(),
  OTEL_TRACES_EXPORTER: z.string().trim().optional(),
  OTEL_SERVICE_NAME: z.string().trim().optional(),
  /** The git commit the image was built from, for `lexbridge_build_info` (the Dockerfile sets it). */
  LEXBRIDGE_COMMIT: z.string().trim().min(1).default('unknown'),
  /** The `firm` field of every log line; default `REDIS_PREFIX` (one installation, one firm). */
  LEXBRIDGE_FIRM: z.string().trim().min(1).max(100).optional(),
};

/** The `firm` log field of every service of one installation. */
export function firmLabel(env: { LEXBRIDGE_FIRM?: string | undefined; REDIS_PREFIX: string }): string {
  return env.LEXBRIDGE_FIRM ?? env.REDIS_PREFIX;
}

/** Whether tracing is on, from the parsed {@link tracingEnv}. */
export function tracingConfig(env: { OTEL_SDK_DISABLED: boolean; OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined; OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string | undefined; OTEL_TRACES_EXPORTER?: string | undefined; OTEL_SERVICE_NAME?: string | undefined }): { enabled: boolean; serviceName?: string } {
  const exporter = env.OTEL_TRACES_EXPORTER?.toLowerCase();
  const configured = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || exporter === 'otlp');
  return { enabled: !env.OTEL_SDK_DISABLED && exporter !== 'none' && configured, ...(env.OTEL_SERVICE_NAME && { serviceName: env.OTEL_SERVICE_NAME }) };
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
