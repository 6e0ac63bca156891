/** The API's configuration: the environment, parsed once at start. */
import { apiEnv, cmsEnv, firmConfigEnv, logEnv, parseEnv, redisEnv } from '@lexbridge/shared/config';

export const apiServiceEnv = { ...redisEnv, ...logEnv, ...firmConfigEnv, ...apiEnv, ...cmsEnv };

export type ApiEnv = ReturnType<typeof loadApiEnv>;

export function loadApiEnv(env: Record<string, string | undefined> = process.env) {
  return parseEnv(apiServiceEnv, env);
}
