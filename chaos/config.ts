/**
 * The reliability suite's settings: `CHAOS_*` environment variables, parsed once. Every default is
 * sized so a run finishes within about six minutes on a developer machine or in CI.
 */
import { intVar, parseEnv } from '@lexbridge/infra/config';
import { z } from 'zod';

const rate = (def: number) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number({ error: 'must be a number' }).min(0).max(1000).default(def));

/** Every variable the suite reads, with its default. */
const chaosEnv = {
  /** Seeds the sandbox and every random choice of the run (default: from the clock; printed in the summary). */
  CHAOS_SEED: intVar({ default: Date.now() % 1_000_000_007, min: 0, max: 4_294_967_295 }),
  /** How long invitations and updates are driven (default 200 000 ms). */
  CHAOS_DRIVE_MS: intVar({ default: 200_000, min: 10_000, max: 3_600_000 }),
  /** Longest wait for Lexbridge to settle once faults stop (default 120 000 ms). */
  CHAOS_QUIESCE_MS: intVar({ default: 120_000, min: 5_000, max: 3_600_000 }),
  /** Hard stop for the whole run: everything is killed and the run fails (default 390 000 ms). */
  CHAOS_DEADLINE_MS: intVar({ default: 390_000, min: 30_000, max: 7_200_000 }),
  /** Invitations per second from the sandbox scenario (default 12). */
  CHAOS_RATE: rate(12),
  /** Outbound status updates posted through the API (default 400). */
  CHAOS_UPDATES: intVar({ default: 400, min: 0, max: 100_000 }),
  /** Processor crashes (SIGKILL) to inflict (default 12; the suite requires at least 10). */
  CHAOS_PROCESSOR_KILLS: intVar({ default: 12, min: 0, max: 1_000 }),
  /** Poller crashes mid-page (default 6; at least 5 required). */
  CHAOS_POLLER_KILLS: intVar({ default: 6, min: 0, max: 1_000 }),
  /** Redis restarts on its AOF directory (default 2; at least 2 required). */
  CHAOS_REDIS_RESTARTS: intVar({ default: 2, min: 0, max: 100 }),
  /** How long the slow-Redis phase lasts (default 45 000 ms; 0 skips the phase, which needs CHAOS_ALLOW_SHORT). */
  CHAOS_SLOW_REDIS_MS: intVar({ default: 45_000, min: 0, max: 600_000 }),
  /** How long the webhook phase lasts, after the drive (default 30 000 ms; 0 skips it, which needs CHAOS_ALLOW_SHORT). */
  CHAOS_WEBHOOK_MS: intVar({ default: 30_000, min: 0, max: 600_000 }),
  /** Where logs and the summary go (default `reports/chaos`, relative to the repository). */
  CHAOS_OUT_DIR: z.string().trim().min(1).default('reports/chaos'),
  /** Log level of the services under test (default `info`: the leak scan needs real log output). */
  CHAOS_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  /** Accept fewer kills or restarts than the minimums (for quick local tries). Default false. */
  CHAOS_ALLOW_SHORT: z.enum(['true', 'false', '1', '0']).default('false').transform((v) => v === 'true' || v === '1'),
};

/** The suite's parsed settings. */
export type ChaosConfig = ReturnType<typeof loadChaosConfig>;

/** The minimum amount of chaos issue 10 asks for. */
export const REQUIRED = { processorKills: 10, pollerKills: 5, redisRestarts: 2, slowRedisApiRestarts: 3 } as const;

export function loadChaosConfig(env: Record<string, string | undefined> = process.env) {
  return parseEnv(chaosEnv, env);
}

/** What every child process inherits from the suite's environment: only what Node needs to run. */
export function inheritedEnv(env: Record<string, string | undefined> = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    const value = env[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
