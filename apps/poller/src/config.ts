/** The poller's configuration: the environment, parsed once at start. */
import { firmConfigEnv, intVar, lexamicaEnv, logEnv, opsEnv, parseEnv, pollEnv, retentionEnv, redisSettingsFromEnv, redisEnv, tracingEnv } from '@lexbridge/infra/config';

export const pollerEnv = {
  ...redisEnv,
  ...retentionEnv,
  ...logEnv,
  ...firmConfigEnv,
  ...lexamicaEnv,
  ...pollEnv,
  ...opsEnv(9101),
  ...tracingEnv,
  /**
   * The recent part of the overlap window every poll re-reads (default 2 000 ms); the rest is
   * re-read only when Lexamica's count there differs from the ids the checkpoint remembers.
   */
  POLL_RECENT_OVERLAP_MS: intVar({ default: 2_000, min: 0, max: 7 * 86_400_000 }),
};

export function loadPollerEnv(env: Record<string, string | undefined> = process.env) {
  const parsed = parseEnv(pollerEnv, env);
  return { ...parsed, redis: redisSettingsFromEnv(parsed) };
}
