/** The API's configuration: the environment and its section of the firm's YAML, parsed once at start. */
import { addressListVar, apiEnv, cmsEnv, firmConfigEnv, intVar, logEnv, parseEnv, redisEnv, redisSettingsFromEnv, retentionEnv, tracingEnv } from '@lexbridge/infra/config';
import { z } from 'zod';
import { loadFirmConfig } from '@lexbridge/core/firm-config';
import { retentionPolicy } from '@lexbridge/core/ledger';
import { consoleFirmShape, consoleSettingsOf } from './console/settings.js';
import { apiFirmConfigSchema, resolveIdentities } from './identity/identity-config.js';

/** The API's sections of the firm YAML: its identities, and what the console shows. */
const apiFirmSchema = apiFirmConfigSchema.extend(consoleFirmShape);

const MiB = 1_048_576;
const DAY_SEC = 86_400;

/** Limits and timings of the API itself. */
const apiLimitsEnv = {
  /** Largest JSON request body, in bytes (413 above it). */
  API_BODY_LIMIT_BYTES: intVar({ default: MiB, min: 1_024, max: 10 * MiB }),
  /**
   * Largest uploaded file (the signed retainer PDF), in bytes. Uploads are held in Redis, base64,
   * until the processor sends them, so this bounds Redis memory per upload (× 4/3). Lexamica takes
   * files over 50 MB only by URL, so 50 MiB is the ceiling.
   */
  API_UPLOAD_MAX_BYTES: intVar({ default: 10 * MiB, min: 1_024, max: 50 * MiB }),
  /** How long an upload stays in Redis for the processor (and for manual retries of a failed send). */
  API_UPLOAD_TTL_SEC: intVar({ default: 7 * DAY_SEC, min: 3_600, max: 30 * DAY_SEC }),
  /**
   * How long an Idempotency-Key is remembered. At least 24 h (the promise to the CMS); the default
   * matches how long a finished outbound job is kept, so a key is never reused while its job exists.
   */
  API_IDEMPOTENCY_TTL_SEC: intVar({ default: 7 * DAY_SEC, min: DAY_SEC, max: 30 * DAY_SEC }),
  /** The Retry-After (seconds) sent with a 503 while Redis is unreachable. */
  API_RETRY_AFTER_SEC: intVar({ default: 5, min: 1, max: 600 }),
  /** Time allowed for in-flight requests to finish on shutdown. */
  API_SHUTDOWN_GRACE_MS: intVar({ default: 10_000, min: 0, max: 120_000 }),
  /**
   * Requests per minute one identity may send (429 with Retry-After above it); an identity's
   * `requestsPerMinute` in the YAML overrides it. Health, metrics and docs are not counted.
   */
  API_RATE_LIMIT_PER_MIN: intVar({ default: 600, min: 1, max: 1_000_000 }),
};

/** The API behind a TLS-terminating proxy (docs/security.md, "The intake console's sessions"). */
const apiProxyEnv = {
  /**
   * The proxies whose `X-Forwarded-For`, `-Proto` and `-Host` the API believes: IPs, CIDRs or
   * `loopback`, `linklocal`, `uniquelocal`, comma-separated. Unset: none, so the API sees plain HTTP
   * and the peer's own address, whatever a request claims.
   */
  API_TRUST_PROXY: addressListVar(),
  /**
   * When the console's session cookie is `Secure`: `auto` when the request came over HTTPS (as a
   * trusted proxy says), `always` on every sign-in (a browser then keeps it only over HTTPS or on localhost).
   */
  CONSOLE_COOKIE_SECURE: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().toLowerCase() || undefined : v),
    z.enum(['auto', 'always'], { error: 'must be auto or always' }).default('auto'),
  ),
};

export const apiServiceEnv = { ...redisEnv, ...retentionEnv, ...logEnv, ...firmConfigEnv, ...apiEnv, ...cmsEnv, ...apiLimitsEnv, ...apiProxyEnv, ...tracingEnv };

export type ApiEnv = ReturnType<typeof loadApiEnv>;

export function loadApiEnv(env: Record<string, string | undefined> = process.env) {
  const parsed = parseEnv(apiServiceEnv, env);
  return { ...parsed, redis: redisSettingsFromEnv(parsed) };
}

/**
 * The environment, the console's settings, and the identities from `api.identities` in LEXBRIDGE_CONFIG (plus the
 * deprecated API_TOKENS). Throws ConfigError, FirmConfigError or IdentityConfigError, each naming
 * what is wrong; `warnings` are for the log at start.
 */
export function loadApiConfig(env: Record<string, string | undefined> = process.env) {
  const parsed = loadApiEnv(env);
  const firm = loadFirmConfig(parsed.LEXBRIDGE_CONFIG, apiFirmSchema);
  return { env: parsed, retention: retentionPolicy(firm.retention, parsed), console: consoleSettingsOf(firm), ...resolveIdentities(firm.api, parsed.API_TOKENS ?? []) };
}
