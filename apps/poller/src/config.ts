/** The poller's configuration: the environment, parsed once at start. */
import { firmConfigEnv, lexamicaEnv, logEnv, opsEnv, parseEnv, pollEnv, redisEnv } from '@lexbridge/shared/config';

export const pollerEnv = { ...redisEnv, ...logEnv, ...firmConfigEnv, ...lexamicaEnv, ...pollEnv, ...opsEnv(9101) };

export type PollerEnv = ReturnType<typeof loadPollerEnv>;

export function loadPollerEnv(env: Record<string, string | undefined> = process.env) {
  return parseEnv(pollerEnv, env);
}

/** The command line reads the same environment; each command parses the part it needs. */
export function loadCliEnv(env: Record<string, string | undefined> = process.env): Record<string, string | undefined> {
  return { ...env };
}
