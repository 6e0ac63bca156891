/**
 * Client options from the parsed `LEXAMICA_*` variables (the `lexamicaEnv` piece of
 * `@lexbridge/infra/config`) and the firm YAML's `profile:` override: what every service's
 * wiring would otherwise write out again.
 */
import type { LexamicaClientOptions } from './client.js';
import { resolveProfile } from './profile.js';

/** The parsed `LEXAMICA_*` variables. */
export interface LexamicaEnv {
  LEXAMICA_BASE_URL: string;
  LEXAMICA_ORG_ID: string;
  LEXAMICA_PUBLIC_KEY: string;
  LEXAMICA_PRIVATE_KEY: string;
  LEXAMICA_TIMEOUT_MS: number;
}

export function clientOptionsFromEnv(env: LexamicaEnv, profileOverride?: unknown): LexamicaClientOptions {
  return {
    baseUrl: env.LEXAMICA_BASE_URL,
    orgId: env.LEXAMICA_ORG_ID,
    publicKey: env.LEXAMICA_PUBLIC_KEY,
    privateKey: env.LEXAMICA_PRIVATE_KEY,
    profile: resolveProfile(profileOverride),
    timeoutMs: env.LEXAMICA_TIMEOUT_MS,
  };
}
