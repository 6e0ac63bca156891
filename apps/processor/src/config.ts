/** The processor's configuration: the environment, parsed once at start. */
import { cmsEnv, ConfigError, firmConfigEnv, intVar, lexamicaEnv, logEnv, opsEnv, parseEnv, redisEnv, redisSettingsFromEnv, retentionEnv, tracingEnv } from '@lexbridge/infra/config';

export const processorEnv = {
  ...redisEnv,
  ...retentionEnv,
  ...logEnv,
  ...firmConfigEnv,
  ...lexamicaEnv,
  ...cmsEnv,
  ...opsEnv(9102),
  ...tracingEnv,
  /** No action is sent to Lexamica when the invitation expires within this many ms. */
  ACTION_EXPIRY_MARGIN_MS: intVar({ default: 10_000, min: 0, max: 86_400_000 }),
  /** How long shutdown waits for in-flight jobs before exiting. */
  SHUTDOWN_GRACE_MS: intVar({ default: 20_000, min: 100, max: 600_000 }),
  /** How long one CMS webhook delivery may take before it counts as failed (and is retried). */
  CMS_WEBHOOK_TIMEOUT_MS: intVar({ default: 10_000, min: 100, max: 120_000 }),
};

/**
 * Parses the environment. Throws `ConfigError` naming each bad variable; `CMS_WEBHOOK_SECRET` is
 * required when `CMS_WEBHOOK_URL` is set (an unsigned webhook would let anyone post to the CMS).
 */
export function loadProcessorEnv(env: Record<string, string | undefined> = process.env) {
  const parsed = parseEnv(processorEnv, env);
  if (parsed.CMS_WEBHOOK_URL !== undefined && parsed.CMS_WEBHOOK_SECRET === undefined) {
    throw new ConfigError([{ variable: 'CMS_WEBHOOK_SECRET', message: 'is required when CMS_WEBHOOK_URL is set (deliveries are signed with it)' }]);
  }
  return { ...parsed, redis: redisSettingsFromEnv(parsed) };
}
