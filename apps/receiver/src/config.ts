/** The receiver's configuration: the environment, parsed once at start (the port is `webhooks.port` in the YAML). */
import { firmConfigEnv, logEnv, opsEnv, parseEnv, receiverEnv, redisEnv, redisSettingsFromEnv, tracingEnv } from '@lexbridge/infra/config';

export const receiverServiceEnv = {
  ...redisEnv,
  ...logEnv,
  ...firmConfigEnv,
  ...receiverEnv,
  ...opsEnv(9104),
  ...tracingEnv,
};

export function loadReceiverEnv(env: Record<string, string | undefined> = process.env) {
  const parsed = parseEnv(receiverServiceEnv, env);
  return { ...parsed, redis: redisSettingsFromEnv(parsed) };
}
