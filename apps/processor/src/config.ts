/** The processor's configuration: the environment, parsed once at start. */
import { cmsEnv, firmConfigEnv, lexamicaEnv, logEnv, opsEnv, parseEnv, redisEnv } from '@lexbridge/shared/config';

export const processorEnv = { ...redisEnv, ...logEnv, ...firmConfigEnv, ...lexamicaEnv, ...cmsEnv, ...opsEnv(9102) };

export type ProcessorEnv = ReturnType<typeof loadProcessorEnv>;

export function loadProcessorEnv(env: Record<string, string | undefined> = process.env) {
  return parseEnv(processorEnv, env);
}
