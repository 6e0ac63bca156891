/** The processor's configuration: the environment, parsed once at start. */
import { cmsEnv, firmConfigEnv, intVar, lexamicaEnv, logEnv, opsEnv, parseEnv, redisEnv } from '@lexbridge/shared/config';

export const processorEnv = {
  ...redisEnv,
  ...logEnv,
  ...firmConfigEnv,
  ...lexamicaEnv,
  ...cmsEnv,
  ...opsEnv(9102),
  /** No action is sent to Lexamica when the invitation expires within this many ms. */
  ACTION_EXPIRY_MARGIN_MS: intVar({ default: 10_000, min: 0, max: 86_400_000 }),
  /** How long shutdown waits for in-flight jobs before exiting. */
  SHUTDOWN_GRACE_MS: intVar({ default: 20_000, min: 100, max: 600_000 }),
};

export type ProcessorEnv = ReturnType<typeof loadProcessorEnv>;

export function loadProcessorEnv(env: Record<string, string | undefined> = process.env) {
  return parseEnv(processorEnv, env);
}
